"""A report card to test with: 1ª A's final session (3rd year of upper secondary) deliberated
and locked by its coordinator (tests.evaluation.session_helpers.locked_session): the child
suspended in maths, the adult student admitted with a credit of 9, the other child not
admitted. Published from a time of the test's choice."""

from __future__ import annotations

import datetime
import io

from django.utils import timezone
from pypdf import PdfReader

from campanella.evaluation.models import EvaluationSession, Step
from campanella.reportcards.models import Publication
from tests.conftest import Cast
from tests.evaluation.session_helpers import locked_session


def locked(cast: Cast) -> EvaluationSession:
    found = EvaluationSession.objects.filter(classroom=cast.classroom_1a, step=Step.LOCKED).first()
    return found or locked_session(cast)


def published(cast: Cast, *, hours: float = -1) -> EvaluationSession:
    """The locked session, published from `hours` from now (negative: already published)."""
    session = locked(cast)
    Publication.objects.update_or_create(
        session=session,
        defaults={
            "publish_at": timezone.now() + datetime.timedelta(hours=hours),
            "set_by": cast.office,
        },
    )
    return session


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def body_of(response: object) -> bytes:
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]
