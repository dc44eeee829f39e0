"""The database itself refuses inconsistent sessions (the services refuse them first)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from campanella.evaluation.models import SessionKind, Step
from tests.evaluation.factories import EvaluationSessionFactory
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


def test_one_session_per_classroom_term_and_kind() -> None:
    session = EvaluationSessionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluationSessionFactory(classroom=session.classroom, term=session.term)


def test_a_locked_step_needs_the_lock_time_and_the_lock_time_needs_the_step() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluationSessionFactory(step=Step.LOCKED)
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluationSessionFactory(locked_at=timezone.now())
    assert EvaluationSessionFactory(step=Step.LOCKED, locked_at=timezone.now()).is_locked


def test_only_a_deferred_session_names_a_student() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluationSessionFactory(student=StudentFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluationSessionFactory(kind=SessionKind.DEFERRED)
    session = EvaluationSessionFactory(kind=SessionKind.DEFERRED, student=StudentFactory())
    assert session.student is not None
