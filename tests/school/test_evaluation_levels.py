"""The pure evaluation rules (campanella.lib.evaluation_rules) speak the school app's words:
their level strings are SchoolKind values and the subject kinds they leave out of the average
are SubjectKind values (lib may not import school, so this test keeps them equal)."""

from __future__ import annotations

from campanella.lib import evaluation_rules as rules
from campanella.school.models import SchoolKind, SubjectKind


def test_levels_are_school_kinds():
    assert rules.PRIMARY == SchoolKind.PRIMARY
    assert rules.LOWER_SECONDARY == SchoolKind.LOWER_SECONDARY
    assert rules.UPPER_SECONDARY == SchoolKind.UPPER_SECONDARY


def test_subject_kinds_outside_the_average_exist():
    kinds = set(SubjectKind.values)
    assert kinds >= rules._OUTSIDE_AVERAGE
    outside = {kind for kind in kinds if not rules.counts_in_final_average(kind)}
    assert outside == {
        SubjectKind.RELIGION,
        SubjectKind.ALTERNATIVE,
        SubjectKind.SUPPORT,
        SubjectKind.BEHAVIOUR,
    }
