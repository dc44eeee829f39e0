"""The demo's teaching materials: a family of a classroom finds a folder with a link and a file
it may download; a second run shares nothing more."""

from __future__ import annotations

import pytest

from campanella.comms.materials import rules
from campanella.comms.materials.models import Material, MaterialKind
from campanella.demo.generator import generate
from campanella.demo.materials import generate_materials
from campanella.people.models import Guardianship
from campanella.school.models import SchoolYear

pytestmark = pytest.mark.django_db


def test_the_demo_shares_a_folder_a_link_and_a_file_per_classroom() -> None:
    counts = generate(students=30, schools=1, seed=2, history_days=1, grades_per_subject=1)
    file = Material.objects.filter(kind=MaterialKind.FILE).first()
    assert file is not None and file.content_type.startswith("text/plain")
    assert Material.objects.filter(kind=MaterialKind.LINK, parent__isnull=False).exists()
    link = (
        Guardianship.objects.filter(
            student__enrollments__classroom_id=file.classroom_id, guardian__user__isnull=False
        )
        .select_related("guardian__user")
        .first()
    )
    assert link is not None
    assert rules.item_access(link.guardian.user, file.pk) is not None
    year = SchoolYear.objects.get(institute_id=counts.institute_id)
    before = Material.objects.count()
    assert generate_materials(institute_id=counts.institute_id, year=year) == 0
    assert Material.objects.count() == before
