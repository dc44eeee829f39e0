"""The home's "what is new since the last visit" (issue 14, item 7): the visit kept per login,
per role what a family must justify and what is new per child, the justifications waiting for
a teacher, the office's pending items; in the same number of queries whatever the data."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campanella.accounts.models import HomeVisit
from campanella.accounts.whats_new import FIRST_LOOK_BACK, VISIT_GAP, home_visit_record
from campanella.grades.models import Grade
from campanella.grades.services import grade_add
from campanella.register.models import AgendaItem, DisciplinaryNote, Justification
from campanella.register.services import (
    agenda_add,
    justification_submit,
    note_create,
    roll_call_save,
)
from tests.conftest import Cast, school_day

pytestmark = pytest.mark.django_db


def home(client: Client) -> str:
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 200
    return response.content.decode()


def section(page: str, testid: str) -> str:
    assert f'data-testid="{testid}"' in page, testid
    return page.split(f'data-testid="{testid}"', 1)[1].split("</div>", 1)[0]


def pass_time(cast: Cast, user_pk: int, by: datetime.timedelta) -> None:
    """As if the last home view, and everything recorded so far, had been `by` ago."""
    HomeVisit.objects.filter(user_id=user_pk).update(
        last_seen_at=F("last_seen_at") - by, since=F("since") - by
    )
    for model in (Grade, DisciplinaryNote, AgendaItem):
        model.objects.update(recorded_at=F("recorded_at") - by)


def test_the_visit_moves_on_only_after_a_pause(cast: Cast) -> None:
    now = timezone.now()
    since, first = home_visit_record(cast.guardian, now)
    assert first and since == now - FIRST_LOOK_BACK
    # A reload a minute later: the same news, nothing written.
    again, first = home_visit_record(cast.guardian, now + datetime.timedelta(minutes=1))
    assert (again, first) == (since, False)
    assert HomeVisit.objects.get(user_id=cast.guardian.pk).last_seen_at == now
    # Ten minutes on: still the same visit, its last view noted.
    later = now + datetime.timedelta(minutes=10)
    assert home_visit_record(cast.guardian, later) == (since, False)
    assert HomeVisit.objects.get(user_id=cast.guardian.pk).last_seen_at == later
    # Back after a pause: new is what came after the last view.
    back = later + VISIT_GAP + datetime.timedelta(minutes=1)
    assert home_visit_record(cast.guardian, back) == (later, False)
    visit = HomeVisit.objects.get(user_id=cast.guardian.pk)
    assert (visit.since, visit.last_seen_at) == (later, back)


def test_a_family_sees_what_to_justify_and_what_is_new_per_child(cast: Cast) -> None:
    day = school_day(cast)
    client = cast.client_for(cast.guardian)
    page = home(client)
    assert "Le novità sono quelle degli ultimi 7 giorni" in page
    assert 'data-testid="to-justify"' not in page and 'data-testid="child-news"' not in page
    pass_time(cast, cast.guardian.pk, VISIT_GAP * 2)

    roll_call_save(user=cast.teacher, classroom=cast.classroom_1a, day=day,
                   absent_ids=[cast.child.pk, cast.other_child.pk])  # fmt: skip
    grade_add(user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths,
              student=cast.child, day=day, kind="orale", text="7+")  # fmt: skip
    grade_add(user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths,
              student=cast.other_child, day=day, kind="orale", text="4")  # fmt: skip
    note_create(user=cast.teacher, classroom=cast.classroom_1a, day=day,
                text="Disturba la lezione", students=[cast.child])  # fmt: skip
    note_create(user=cast.teacher, classroom=cast.classroom_1a, day=day,
                text="Non ha i compiti", students=[cast.other_child])  # fmt: skip
    ahead = school_day(cast, timezone.localdate() + datetime.timedelta(days=14))
    agenda_add(user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths,
               kind="verifica", day=ahead, text="Frazioni")  # fmt: skip

    page = home(client)
    assert "Novità dall&#x27;ultima visita, il" in page or "Novità dall'ultima visita, il" in page
    justify = section(page, "to-justify")
    assert "Da giustificare: 1" in justify and f"{day:%d/%m}" in justify
    news = section(page, "child-news")
    assert "7+" in news and "Disturba la lezione" in news and "Verifica Matematica" in news
    assert "Non ha i compiti" not in page and ">4<" not in news  # another family's

    # Justified (waiting for the teacher): no longer to justify.
    justification_submit(user=cast.guardian, student=cast.child, kind="assenza", start=day,
                         reason="Febbre")  # fmt: skip
    assert 'data-testid="to-justify"' not in home(client)


def test_news_already_seen_is_not_new_at_the_next_visit(cast: Cast) -> None:
    day = school_day(cast)
    client = cast.client_for(cast.child_user)
    grade_add(user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths,
              student=cast.child, day=day, kind="orale", text="8")  # fmt: skip
    assert "8" in section(home(client), "child-news")
    pass_time(cast, cast.child_user.pk, VISIT_GAP * 2)
    assert 'data-testid="child-news"' not in home(client)  # seen at the previous visit
    grade_add(user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths,
              student=cast.child, day=day, kind="scritto", text="6½")  # fmt: skip
    news = section(home(client), "child-news")
    assert "6½" in news and ">8<" not in news


def test_a_teacher_sees_the_justifications_waiting_for_them(cast: Cast) -> None:
    day = school_day(cast)
    roll_call_save(user=cast.teacher, classroom=cast.classroom_1a, day=day,
                   absent_ids=[cast.child.pk])  # fmt: skip
    justification_submit(user=cast.guardian, student=cast.child, kind="assenza", start=day,
                         reason="Febbre")  # fmt: skip
    waiting = section(home(cast.client_for(cast.teacher)), "pending-justifications")
    assert cast.child.surname in waiting and "1ª A" in waiting and "nuova" in waiting
    assert reverse("register:class_day", args=[cast.classroom_1a.pk, timezone.localdate()
                                               .isoformat()]) in waiting  # fmt: skip
    other = home(cast.client_for(cast.other_teacher))
    assert cast.child.surname not in other.split('data-testid="pending-justifications"')[1]
    Justification.objects.update(status="accettata")
    assert "Nessuna giustificazione in attesa" in home(cast.client_for(cast.teacher))


def test_the_office_sees_what_is_pending(cast: Cast) -> None:
    page = home(cast.client_for(cast.office))
    assert "Nessun accesso bloccato" in page.split('data-testid="office-news"')[1]


def home_queries(cast: Cast, who: str) -> int:
    client = cast.client_for(getattr(cast, who))
    with CaptureQueriesContext(connection) as queries:
        home(client)
    return len(queries)


def more_news(cast: Cast) -> None:
    day = school_day(cast)
    absent = [cast.child.pk, cast.other_child.pk, cast.adult_student.pk]
    roll_call_save(user=cast.teacher, classroom=cast.classroom_1a, day=day, absent_ids=absent)
    for text in ("7", "8", "5½"):
        for student in (cast.child, cast.adult_student):
            grade_add(user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths,
                      student=student, day=day, kind="orale", text=text)  # fmt: skip
    note_create(user=cast.teacher, classroom=cast.classroom_1a, day=day, text="Tutta la classe")
    ahead = school_day(cast, timezone.localdate() + datetime.timedelta(days=14))
    agenda_add(user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths,
               kind="compiti", day=ahead, text="Esercizi")  # fmt: skip
    for student in (cast.child, cast.adult_student):
        family = cast.guardian if student == cast.child else cast.adult_user
        justification_submit(user=family, student=student, kind="assenza", start=day,
                             reason="Febbre")  # fmt: skip


@pytest.mark.parametrize(
    "who", ["office", "teacher", "coordinator", "guardian", "child_user", "adult_user"]
)
def test_the_news_cost_the_same_queries_with_more_data(cast: Cast, who: str) -> None:
    home_queries(cast, who)  # the first visit
    empty = home_queries(cast, who)
    more_news(cast)
    assert home_queries(cast, who) == empty
