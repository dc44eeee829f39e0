"""The council documents speak the evaluation app's vocabulary: its codes map as they are.

(Imports the models, so it runs with the project's conftest, unlike test_council_documents.)
"""

from __future__ import annotations

from typing import get_args

from campanella.evaluation.models import DeliberationTopic, Outcome, SessionKind
from campanella.lib import council_documents, evaluation_rules
from campanella.school.models import SchoolKind


def test_every_outcome_of_the_models_and_the_rules_can_be_printed() -> None:
    printable = set(get_args(council_documents.Outcome))
    assert set(Outcome.values) <= printable
    assert {code for code, _ in evaluation_rules.OUTCOMES} <= printable


def test_session_kinds_and_deliberation_topics_are_the_models() -> None:
    assert set(SessionKind.values) == set(get_args(council_documents.SessionKind))
    assert set(DeliberationTopic.values) == set(get_args(council_documents.DeliberationTopic))


def test_levels_are_the_school_kinds_with_a_scrutinio() -> None:
    levels = set(get_args(council_documents.SchoolLevel))
    assert levels == set(evaluation_rules.LEVELS)
    assert levels == set(SchoolKind.values) - {SchoolKind.INFANCY}
