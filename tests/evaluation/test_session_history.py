"""The office reads a scrutinio's history in Italian: opened, each step by name, the lock and
the reopening with its reason (audit.reading), and filters the history by "scrutinio"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campanella.audit.reading import kind_choices, readable_changes
from campanella.audit.selectors import record_history
from campanella.evaluation import sessions as services
from campanella.evaluation.models import SessionKind
from campanella.people.models import Staff
from tests.conftest import Cast
from tests.evaluation.session_helpers import first_term, second_term

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_checks")]


def test_a_session_story_reads_in_italian(cast: Cast) -> None:
    second_term(cast)
    session = services.sessions_create(
        classrooms=[cast.classroom_1a], term=first_term(cast), kind=SessionKind.INTERMEDIATE,
        user=cast.office,
    ).created[0]  # fmt: skip
    for _ in range(5):  # proposals → opening → marks → behaviour → civics → minutes
        services.step_advance(session=session, user=cast.coordinator)
    services.step_undo(session=session, user=cast.coordinator)
    services.step_advance(session=session, user=cast.coordinator)
    services.session_lock(session=session, user=cast.coordinator)
    services.session_reopen(session=session, user=cast.principal, reason="Condotta da rivedere")
    entries = readable_changes(record_history(session))
    assert [e.action for e in entries] == [
        "Apertura",
        "Passaggio alla fase «apertura della seduta»",
        "Passaggio alla fase «voti finali»",
        "Passaggio alla fase «comportamento»",
        "Passaggio alla fase «educazione civica»",
        "Passaggio alla fase «verbale e documenti»",
        "Ritorno alla fase «educazione civica»",
        "Passaggio alla fase «verbale e documenti»",
        "Chiusura",
        "Riapertura",
    ]
    opened, *_moves, locked, reopened = entries
    assert opened.kind == "Scrutinio"
    assert opened.about == f"scrutinio intermedio · 1ª A · {first_term(cast)}"
    assert opened.lines == [] and opened.who == Staff.objects.get(user=cast.office).full_name
    assert [(x.label, x.before, x.after) for x in locked.lines] == [
        ("Fase", "verbale e documenti", "chiuso")
    ]
    assert [(x.label, x.before, x.after) for x in reopened.lines] == [
        ("Fase", "chiuso", "verbale e documenti"),
        ("Versione", "1", "2"),
    ]
    assert reopened.reason == "Condotta da rivedere"
    assert reopened.who == Staff.objects.get(user=cast.principal).full_name


def test_the_office_filters_its_history_by_scrutinio(cast: Cast) -> None:
    assert ("scrutinio", "Scrutinio") in kind_choices()
    session = services.sessions_create(
        classrooms=[cast.classroom_1a], term=first_term(cast), kind=SessionKind.FINAL,
        user=cast.office,
    ).created[0]  # fmt: skip
    services.step_advance(session=session, user=cast.coordinator)
    page = cast.client_for(cast.office).get(reverse("register:history"), {"tipo": "scrutinio"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "Passaggio alla fase «apertura della seduta» · Scrutinio" in text
    assert "Apertura · Scrutinio" in text
    single = cast.client_for(cast.office).get(
        reverse("register:record_history", args=["scrutinio", session.pk])
    )
    assert "Passaggio alla fase «apertura della seduta»" in single.content.decode()
