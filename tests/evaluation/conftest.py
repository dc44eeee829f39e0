"""Fixtures of the evaluation tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from campanella.evaluation import steps
from tests.evaluation.session_helpers import BLOCKED, blocking


@pytest.fixture
def own_checks() -> Iterator[dict[int, list[str]]]:
    """Every step's checks are only `blocking`: a test blocks a session by naming it in the
    dict it gets."""
    BLOCKED.clear()
    with steps.checks_replaced({step.value: [blocking] for step in steps.ORDER[:-1]}):
        yield BLOCKED
    BLOCKED.clear()
