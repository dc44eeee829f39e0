"""Fixtures of the evaluation tests."""

from __future__ import annotations

from tests.evaluation.session_helpers import own_checks  # noqa: F401 - a fixture
