"""The writes that tell families, once committed: a grade, absences, late entries, early exits,
a disciplinary note, an agenda item, a notice (its recipients, in bulk), report cards."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from campanella.comms.notifications.models import Notification, SchoolNotificationPolicy
from campanella.grades.services import grade_add, grade_cancel, grade_change
from campanella.register import services as register
from campanella.reportcards.services import publication_set
from tests.comms.support import to_1a, trip
from tests.conftest import Cast, school_day
from tests.reportcards.support import locked

pytestmark = pytest.mark.django_db


def told(key_prefix: str) -> dict[str, set[str]]:
    """Per notification key: the usernames told."""
    found: dict[str, set[str]] = {}
    for key, username in Notification.objects.filter(key__startswith=key_prefix).values_list(
        "key", "user__username"
    ):
        found.setdefault(key, set()).add(username)
    return found


def test_a_grade_tells_the_family_and_the_student(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        grade = grade_add(
            user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths,
            student=cast.child, day=school_day(cast), kind="scritto", text="8",
            weight=Decimal("1"),
        )  # fmt: skip
    assert told("grade:") == {f"grade:{grade.pk}": {"guardian", "child"}}
    row = Notification.objects.get(user=cast.guardian)
    assert row.kind == "grade"
    assert "Matematica" in row.title
    assert row.url == reverse("grades:student", args=[cast.child.pk])
    assert "8" not in row.title + row.body  # the value is for the page, not the lock screen


def test_nothing_is_told_when_the_write_rolls_back(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import transaction

    def grade_then_fail() -> None:
        with transaction.atomic():
            grade_add(
                user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths,
                student=cast.child, day=school_day(cast), kind="scritto", text="8",
            )  # fmt: skip
            raise RuntimeError("annullata")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError, match="annullata"),
    ):
        grade_then_fail()
    assert callbacks == []
    assert not Notification.objects.exists()


def test_a_grade_waits_for_the_schools_delay(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    SchoolNotificationPolicy.objects.create(school=cast.school, grade_delay_hours=4)
    with django_capture_on_commit_callbacks(execute=True):
        grade_add(
            user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths,
            student=cast.child, day=school_day(cast), kind="orale", text="7",
        )  # fmt: skip
    row = Notification.objects.get(user=cast.guardian)
    assert row.visible_from > timezone.now() + datetime.timedelta(hours=3)


def test_the_roll_call_tells_each_absent_childs_family(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        register.roll_call_save(
            user=cast.teacher, classroom=cast.classroom_1a, day=school_day(cast),
            absent_ids=[cast.child.pk, cast.other_child.pk],
        )  # fmt: skip
    families = {frozenset(users) for users in told("absence:").values()}
    assert families == {frozenset({"guardian", "child"}), frozenset({"other_guardian"})}
    # Saving the same roll call again tells nobody twice.
    with django_capture_on_commit_callbacks(execute=True):
        register.roll_call_save(
            user=cast.teacher, classroom=cast.classroom_1a, day=school_day(cast),
            absent_ids=[cast.child.pk, cast.other_child.pk],
        )  # fmt: skip
    assert Notification.objects.filter(kind="absence").count() == 3


def test_late_entries_and_early_exits_are_told(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    day = school_day(cast)
    with django_capture_on_commit_callbacks(execute=True):
        register.late_entry_record(
            user=cast.teacher, classroom=cast.classroom_1a, student=cast.child, day=day,
            time=datetime.time(8, 20),
        )  # fmt: skip
        register.early_exit_record(
            user=cast.teacher, classroom=cast.classroom_1a, student=cast.child, day=day,
            time=datetime.time(9, 30),
        )  # fmt: skip
    titles = set(Notification.objects.filter(user=cast.guardian).values_list("title", flat=True))
    assert any("Entrata posticipata alle 08:20" in title for title in titles)
    assert any("Uscita anticipata alle 09:30" in title for title in titles)


def test_a_note_tells_only_the_named_students_families(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        note = register.note_create(
            user=cast.teacher, classroom=cast.classroom_1a, day=school_day(cast),
            text="Disturba la lezione.", students=[cast.child],
        )  # fmt: skip
    assert told("note:") == {f"note:{note.pk}": {"guardian", "child"}}


def test_an_agenda_item_tells_the_whole_classroom(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    day = school_day(cast, timezone.localdate() + datetime.timedelta(days=7))
    with django_capture_on_commit_callbacks(execute=True):
        result = register.agenda_add(
            user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths, kind="verifica",
            day=day, text="Equazioni di primo grado",
        )  # fmt: skip
    assert told("agenda:")[f"agenda:{result.item.pk}"] == {
        "guardian", "child", "adult", "other_guardian",
    }  # fmt: skip


def test_a_published_notice_tells_its_recipients(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notice = to_1a(cast)
    assert told("notice:")[f"notice:{notice.pk}"] == {
        "guardian",
        "other_guardian",
        "child",
        "adult",
    }
    row = Notification.objects.get(user=cast.guardian)
    assert row.url == f"/comunicazioni/{notice.pk}/"


def test_a_notice_published_later_is_told_from_then(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    later = timezone.now() + datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        trip(cast, publish_at=later, consent_deadline=later + datetime.timedelta(days=2))
    assert Notification.objects.filter(user=cast.guardian).get().visible_from == later


def test_published_report_cards_are_told_from_their_publication(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    session = locked(cast)
    moment = timezone.now() + datetime.timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        publication_set(user=cast.office, sessions=[session], publish_at=moment)
    row = Notification.objects.get(user=cast.guardian, kind="report_card")
    assert row.visible_from == moment
    assert row.url == reverse("reportcards:card", args=[session.pk, cast.child.pk])


def test_attendance_of_past_weeks_tells_nobody(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    """An import of the year's register does not flood families with old absences."""
    day = school_day(cast, timezone.localdate() - datetime.timedelta(days=20))
    with django_capture_on_commit_callbacks(execute=True):
        register.roll_call_save(
            user=cast.teacher, classroom=cast.classroom_1a, day=day, absent_ids=[cast.child.pk]
        )
    assert not Notification.objects.exists()


# --- corrections and decisions: what the family already saw changed ---------------------------


def graded(cast: Cast, captured: Any, **fields: Any) -> Any:
    with captured(execute=True):
        return grade_add(
            user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths,
            student=cast.child, day=school_day(cast), kind="scritto", text="5", **fields,
        )  # fmt: skip


def test_a_corrected_and_a_cancelled_grade_are_told_each_time(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    grade = graded(cast, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        grade_change(user=cast.teacher, grade=grade, text="6", reason="Errore di trascrizione")
    grade.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        grade_change(user=cast.teacher, grade=grade, text="6½", reason="Rivista la prova")
    grade.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        grade_cancel(user=cast.teacher, grade=grade, reason="Prova ripetuta")
    titles = list(
        Notification.objects.filter(user=cast.guardian, key__contains=":change:")
        .order_by("pk")
        .values_list("title", flat=True)
    )
    assert titles == [
        "Voto di Matematica corretto per " + cast.child.name,
        "Voto di Matematica corretto per " + cast.child.name,
        "Voto di Matematica annullato per " + cast.child.name,
    ]
    families = {frozenset(users) for users in told(f"grade:{grade.pk}:change:").values()}
    assert families == {frozenset({"guardian", "child"})}
    assert not any("6" in t for t in titles)  # the value is for the page, not the lock screen


def test_a_grade_not_yet_visible_is_corrected_silently(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    later = timezone.localdate() + datetime.timedelta(days=3)
    grade = graded(cast, django_capture_on_commit_callbacks, visible_from=later)
    with django_capture_on_commit_callbacks(execute=True):
        grade_change(user=cast.teacher, grade=grade, text="7", reason="Errore")
    assert not Notification.objects.filter(key__contains=":change:").exists()
    # Its own news still waits for the day it shows.
    assert Notification.objects.filter(key=f"grade:{grade.pk}", user=cast.guardian).exists()


def test_the_teachers_decision_on_a_justification_is_told_with_the_reason(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    day = school_day(cast)
    register.roll_call_save(
        user=cast.teacher, classroom=cast.classroom_1a, day=day, absent_ids=[cast.child.pk]
    )
    justification = register.justification_submit(
        user=cast.guardian, student=cast.child, kind="assenza", start=day, reason="Febbre"
    )
    with django_capture_on_commit_callbacks(execute=True):
        register.justification_decide(
            user=cast.teacher, justification=justification, accept=False,
            note="Manca il certificato medico",
        )  # fmt: skip
    row = Notification.objects.get(user=cast.guardian, key__startswith="justification:")
    assert row.kind == "absence"
    assert row.title == f"Giustificazione del {day:%d/%m/%Y} respinta"
    assert row.body == "Manca il certificato medico"
    assert row.url == reverse("register:student", args=[cast.child.pk])
    families = {frozenset(users) for users in told("justification:").values()}
    assert families == {frozenset({"guardian", "child"})}
    # Justified again and accepted: a second, different news.
    justification = register.justification_submit(
        user=cast.guardian, student=cast.child, kind="assenza", start=day, reason="Febbre alta"
    )
    with django_capture_on_commit_callbacks(execute=True):
        register.justification_decide(user=cast.teacher, justification=justification, accept=True)
    titles = set(
        Notification.objects.filter(
            user=cast.guardian, key__startswith="justification:"
        ).values_list("title", flat=True)
    )
    assert f"Giustificazione del {day:%d/%m/%Y} accettata" in titles
    assert len(titles) == 2


def test_the_offices_import_of_old_decisions_tells_nobody(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    day = school_day(cast)
    register.roll_call_save(
        user=cast.teacher, classroom=cast.classroom_1a, day=day, absent_ids=[cast.child.pk]
    )
    justification = register.justification_submit(
        user=cast.guardian, student=cast.child, kind="assenza", start=day, reason="Febbre"
    )
    with django_capture_on_commit_callbacks(execute=True):
        register.justification_decide(
            user=cast.office, justification=justification, accept=True, as_office=True
        )
    assert not Notification.objects.filter(key__startswith="justification:").exists()
