"""Importing our own OneRoster export: into the same institute nothing changes; into an
institute emptied of its roster (same schools, years and terms) the roster comes back, and a
second import of the same bundle writes nothing."""

from __future__ import annotations

import pytest

from campanella.audit.models import Change
from campanella.interop.plan import CREATED, REJECTED, UNCHANGED, UPDATED
from tests.conftest import Cast
from tests.interop.oneroster_import.helpers import apply, exported, problems, upload

pytestmark = pytest.mark.django_db


def test_reimport_of_our_own_export_changes_nothing(cast: Cast) -> None:
    content = exported(cast)
    batch, plan = upload(cast, content)
    assert problems(plan) == []
    counts = plan.counts()
    assert counts[CREATED] == counts[UPDATED] == counts[REJECTED] == 0, [
        (r.label, r.details) for r in plan.rows if r.action != UNCHANGED
    ]
    assert counts[UNCHANGED] == len(plan.rows) > 0
    changes = Change.objects.count()
    result = apply(cast, batch)
    assert result.applied
    assert set(result.batch.summary["written"].values()) == {0}
    assert Change.objects.count() == changes
