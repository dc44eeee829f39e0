"""The sessions' pages: the list by period, opening sessions, the overview with its stepper,
moving steps, the lock's confirmation, the principal's reopening, postponing a student."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campanella.evaluation import steps
from campanella.evaluation.models import EvaluationSession, SessionKind, Step
from campanella.people.models import Staff
from campanella.school.models import ClosedPeriod
from tests.conftest import Cast
from tests.evaluation.session_helpers import first_term, second_term, session_of
from tests.factories import ClassroomFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_checks")]


def text_of(response: Any) -> str:
    return response.content.decode()


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def follow_post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, follow=True)


# --- the list ---------------------------------------------------------------------------------


def test_the_list_shows_each_login_its_sessions_by_period(cast: Cast) -> None:
    first = session_of(cast)
    EvaluationSession.objects.create(
        classroom=cast.classroom_2b, term=first.term, kind=SessionKind.INTERMEDIATE
    )
    final = session_of(cast, SessionKind.FINAL, Step.MINUTES)
    page = text_of(cast.client_for(cast.coordinator).get(reverse("evaluation:index")))
    assert f'data-testid="session-{first.pk}"' in page
    assert f'data-testid="session-{final.pk}"' in page
    assert "2ª B" not in page  # the coordinator of 1A does not see 2B's
    assert str(first.term) in page and str(final.term) in page
    assert "Verbale e documenti" in page and "Apri gli scrutini" not in page
    office = text_of(cast.client_for(cast.office).get(reverse("evaluation:index")))
    assert "2ª B" in office and "Apri gli scrutini" in office
    other = text_of(cast.client_for(cast.other_teacher).get(reverse("evaluation:index")))
    assert "1ª A" not in other and "2ª B" in other


def test_the_office_opens_sessions_for_all_or_chosen_classrooms(cast: Cast) -> None:
    second_term(cast)
    client = cast.client_for(cast.office)
    body = {"periodo": first_term(cast).pk, "tipo": SessionKind.INTERMEDIATE, "classi": "scelte",
            "classe": [cast.classroom_2b.pk]}  # fmt: skip
    response = follow_post(client, reverse("evaluation:create"), body)
    assert messages_of(response) == ["Aperto 1 scrutinio."]
    response = follow_post(client, reverse("evaluation:create"), {**body, "classi": "tutte"})
    assert messages_of(response) == ["Aperto 1 scrutinio.", "1 scrutinio era già aperto."]
    assert EvaluationSession.objects.count() == 2
    response = follow_post(client, reverse("evaluation:create"), {**body, "tipo": "finale"})
    assert messages_of(response) == [
        "Lo scrutinio finale e l'integrativo si tengono sull'ultimo periodo dell'anno, "
        "non sul 1° trimestre " + first_term(cast).school_year.name + "."
    ]


# --- the overview ---------------------------------------------------------------------------


def test_the_overview_shows_every_step_the_current_one_and_what_blocks_it(
    cast: Cast, own_checks: dict[int, list[str]]
) -> None:
    session = session_of(cast, SessionKind.FINAL, Step.OPENING)
    own_checks[session.pk] = ["Manca la data della seduta."]
    response = cast.client_for(cast.coordinator).get(
        reverse("evaluation:session", args=[session.pk])
    )
    page = text_of(response)
    for step in steps.applicable_steps(session):
        assert f'data-step="{step.value}"' in page
    assert 'data-step="verbale"' in page and 'data-step="crediti"' not in page  # a first year
    assert 'data-step="apertura" aria-current="step"' in page
    assert "Manca la data della seduta." in page
    assert "Passa alla fase «verifica della frequenza»" in page
    assert "Torna alla fase «proposte di voto»" in page
    teacher = text_of(
        cast.client_for(cast.teacher).get(reverse("evaluation:session", args=[session.pk]))
    )
    assert 'data-step="apertura" aria-current="step"' in teacher
    assert "Passa alla fase" not in teacher and "Torna alla fase" not in teacher


def test_the_step_pages_of_the_other_modules_are_linked(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = session_of(cast)
    monkeypatch.setitem(steps.STEP_PAGES, Step.PROPOSALS, "evaluation:lock")
    monkeypatch.setitem(steps.STEP_PAGES, Step.MARKS, "evaluation:nessuna")  # not built yet
    page = text_of(
        cast.client_for(cast.coordinator).get(reverse("evaluation:session", args=[session.pk]))
    )
    assert f'href="{reverse("evaluation:lock", args=[session.pk])}">Proposte di voto</a>' in page


def test_advancing_and_undoing_from_the_page(cast: Cast, own_checks: dict[int, list[str]]) -> None:
    session = session_of(cast)
    client = cast.client_for(cast.coordinator)
    advance = reverse("evaluation:advance", args=[session.pk])
    response = follow_post(client, advance, {"fase": Step.PROPOSALS})
    assert messages_of(response) == ["Lo scrutinio è passato alla fase «apertura della seduta»."]
    response = follow_post(client, advance, {"fase": Step.PROPOSALS})  # a second click
    assert (
        "Nel frattempo lo scrutinio è passato alla fase «apertura della seduta»"
        in (messages_of(response)[0])
    )
    own_checks[session.pk] = ["Manca il segretario."]
    response = follow_post(client, advance, {"fase": Step.OPENING})
    assert messages_of(response) == [
        "Non si può passare alla fase «voti finali»: Manca il segretario.",
        "Manca il segretario.",
    ]
    response = follow_post(client, reverse("evaluation:undo", args=[session.pk]),
                           {"fase": Step.OPENING})  # fmt: skip
    assert messages_of(response) == [
        "Lo scrutinio è tornato alla fase «proposte di voto»: quanto registrato resta."
    ]
    assert EvaluationSession.objects.get(pk=session.pk).step == Step.PROPOSALS


def test_a_teacher_of_the_classroom_is_told_who_moves_the_steps(cast: Cast) -> None:
    session = session_of(cast)
    response = follow_post(cast.client_for(cast.teacher), reverse("evaluation:advance",
                           args=[session.pk]), {})  # fmt: skip
    assert messages_of(response) == [
        "Solo il coordinatore della classe o il dirigente scolastico guidano lo scrutinio."
    ]
    assert EvaluationSession.objects.get(pk=session.pk).step == Step.PROPOSALS


# --- lock and reopening ----------------------------------------------------------------------


def test_the_lock_asks_for_confirmation_listing_what_it_freezes(
    cast: Cast, own_checks: dict[int, list[str]]
) -> None:
    session = session_of(cast, step=Step.MINUTES)
    client = cast.client_for(cast.coordinator)
    url = reverse("evaluation:lock", args=[session.pk])
    own_checks[session.pk] = ["Manca il verbale."]
    page = text_of(client.get(url))
    assert "Dopo la chiusura non si potranno più modificare" in page
    assert "della classe 1ª A dal" in page
    assert "Verbale e documenti: Manca il verbale." in page
    assert "Conferma la chiusura" not in page
    own_checks.clear()
    page = text_of(client.get(url))
    assert "Conferma la chiusura" in page
    response = follow_post(client, url, {"fase": Step.MINUTES})
    assert messages_of(response) == ["Scrutinio chiuso."]
    assert ClosedPeriod.objects.filter(classroom=cast.classroom_1a).count() == 1
    page = text_of(response)
    assert "Chiuso" in page and "Riapri lo scrutinio" not in page  # the coordinator does not


def test_the_principal_reopens_with_a_reason_and_the_history_says_so(cast: Cast) -> None:
    session = session_of(cast, step=Step.MINUTES)
    follow_post(
        cast.client_for(cast.coordinator), reverse("evaluation:lock", args=[session.pk]), {}
    )
    url = reverse("evaluation:reopen", args=[session.pk])
    response = follow_post(cast.client_for(cast.coordinator), url, {"motivo": "Errore"})
    assert messages_of(response) == [
        "Solo il dirigente scolastico può riaprire uno scrutinio chiuso."
    ]
    principal = cast.client_for(cast.principal)
    page = text_of(principal.get(reverse("evaluation:session", args=[session.pk])))
    assert "Riapri lo scrutinio" in page
    response = follow_post(principal, url, {"motivo": ""})
    assert messages_of(response) == ["Indicare il motivo della riapertura."]
    response = follow_post(principal, url, {"motivo": "Voto di condotta da correggere"})
    assert messages_of(response) == [
        "Scrutinio riaperto (versione 2): è alla fase «verbale e documenti»."
    ]
    assert not ClosedPeriod.objects.exists()
    page = text_of(response)
    assert "Motivo: Voto di condotta da correggere" in page
    assert "Riapertura · Scrutinio" in page and "Chiusura · Scrutinio" in page


def test_postponing_a_student_from_the_page(cast: Cast) -> None:
    session = session_of(cast, SessionKind.FINAL)
    client = cast.client_for(cast.coordinator)
    page = text_of(client.get(reverse("evaluation:session", args=[session.pk])))
    assert "Rinvia lo scrutinio di un alunno" in page
    response = follow_post(
        client, reverse("evaluation:defer", args=[session.pk]), {"alunno": cast.sibling.pk}
    )  # fmt: skip  (2B's: not of this session)
    assert messages_of(response) == ["Scegliere un alunno di questo scrutinio."]
    response = follow_post(client, reverse("evaluation:defer", args=[session.pk]),
                           {"alunno": cast.child.pk})  # fmt: skip
    deferred = EvaluationSession.objects.get(kind=SessionKind.DEFERRED)
    assert response.redirect_chain[-1][0] == reverse("evaluation:session", args=[deferred.pk])
    assert cast.child.full_name in text_of(response)


# --- queries ---------------------------------------------------------------------------------


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def more_classrooms(cast: Cast, count: int) -> None:
    coordinator = Staff.objects.get(user=cast.coordinator)
    made = EvaluationSession.objects.count()
    for n in range(made, made + count):
        classroom = ClassroomFactory(school=cast.school, school_year=cast.classroom_1a.school_year,
                                     year=2, section=f"Z{n}", coordinator=coordinator)  # fmt: skip
        for kind in (SessionKind.INTERMEDIATE, SessionKind.FINAL):
            term = first_term(cast) if kind == SessionKind.INTERMEDIATE else second_term(cast)
            EvaluationSession.objects.create(classroom=classroom, term=term, kind=kind)


@pytest.mark.parametrize("login", ["office", "coordinator"])
def test_the_list_costs_the_same_queries_for_more_sessions(cast: Cast, login: str) -> None:
    more_classrooms(cast, 1)
    client = cast.client_for(getattr(cast, login))
    url = reverse("evaluation:index")
    few = queries(client, url)
    more_classrooms(cast, 5)
    assert queries(client, url) == few
    assert few <= 12


def test_the_overview_costs_the_same_queries_with_more_history(cast: Cast) -> None:
    from campanella.evaluation.sessions import step_advance, step_undo

    session = session_of(cast, SessionKind.FINAL)
    client = cast.client_for(cast.coordinator)
    url = reverse("evaluation:session", args=[session.pk])
    step_advance(session=session, user=cast.coordinator)
    few = queries(client, url)
    for _ in range(3):
        step_advance(session=session, user=cast.principal)
        step_undo(session=session, user=cast.coordinator)
    assert queries(client, url) == few
    assert few <= 16
