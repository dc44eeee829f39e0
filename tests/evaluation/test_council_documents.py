"""The council's documents: rendered from the session's records into versioned PDFs, read by
whom they concern only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from campanella.evaluation import council_selectors as cs
from campanella.evaluation import documents
from campanella.evaluation.council import CouncilError, StepRefused
from campanella.evaluation.models import DocumentKind, SessionDocument, Step
from tests.conftest import Cast
from tests.evaluation.council_support import at_step, completed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def text_of(document: SessionDocument) -> str:
    with document.pdf.open("rb") as pdf:
        return " ".join(page.extract_text() for page in PdfReader(pdf).pages)


def test_every_document_is_generated_and_each_generation_is_a_new_version(cast: Cast) -> None:
    session = completed(cast)
    made = documents.documents_generate(user=cast.coordinator, session=session)
    kinds = {d.kind for d in made}
    assert kinds == {
        DocumentKind.MINUTES,
        DocumentKind.TABELLONE,
        DocumentKind.SIGNATURES,
        DocumentKind.DEBT_LETTERS,
        DocumentKind.CITIZENSHIP_LETTERS,
        DocumentKind.NON_ADMISSION_LETTERS,
    }
    minutes = next(d for d in made if d.kind == DocumentKind.MINUTES)
    text = text_of(minutes)
    assert cast.child.surname in text and "Aula magna" in text
    assert (minutes.version, minutes.session_version) == (1, 1)
    session.refresh_from_db()
    assert cs.minutes_problems(session) == []

    session.version = 2  # as a reopening leaves it (sessions.session_reopen)
    session.save()
    again = documents.documents_generate(user=cast.coordinator, session=session)
    newer = next(d for d in again if d.kind == DocumentKind.MINUTES)
    assert (newer.version, newer.session_version) == (2, 2)
    assert SessionDocument.objects.filter(session=session, kind=DocumentKind.MINUTES).count() == 2


def test_documents_are_made_at_the_minutes_step_only(cast: Cast) -> None:
    session = completed(cast, step=Step.CREDITS)
    with pytest.raises(StepRefused):
        documents.documents_generate(user=cast.coordinator, session=session)
    assert not SessionDocument.objects.exists()


def test_documents_need_the_closing_time(cast: Cast) -> None:
    session = completed(cast)
    session.ends_at = None
    session.save()
    with pytest.raises(CouncilError) as refused:
        documents.documents_generate(user=cast.coordinator, session=session)
    assert refused.value.code == "session_times_missing"


def test_who_reads_which_document(cast: Cast) -> None:
    session = completed(cast)
    documents.documents_generate(user=cast.coordinator, session=session)
    everything = set(DocumentKind.values) - {DocumentKind.GAP_LETTERS}
    for user in (cast.coordinator, cast.principal, cast.office):
        assert {d.kind for d in documents.documents_for_user(user, session)} == everything
    assert {d.kind for d in documents.documents_for_user(cast.teacher, session)} == {
        DocumentKind.MINUTES,
        DocumentKind.TABELLONE,
    }
    for user in (cast.other_teacher, cast.guardian, cast.child_user, cast.foreign_office):
        assert documents.documents_for_user(user, session) == []
    letter = SessionDocument.objects.get(kind=DocumentKind.DEBT_LETTERS)
    assert documents.document_for_user(cast.teacher, session, letter.pk) is None
    at_step(session, Step.LOCKED)
    assert documents.document_for_user(cast.office, session, letter.pk) == letter
