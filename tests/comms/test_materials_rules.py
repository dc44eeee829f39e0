"""Who sees teaching materials: the classroom's families, students, teachers and the office see
what is published; drafts and future items only the shelf's teachers; nobody else anything."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from campanella.comms.materials import rules
from campanella.comms.materials.models import MaterialKind
from campanella.comms.materials.services import material_delete
from tests import factories as f
from tests.comms.support_materials import a_file, add
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def test_the_classroom_reads_the_shelf_and_only_its_teachers_write(cast: Cast) -> None:
    for user in (cast.guardian, cast.child_user, cast.adult_user, cast.coordinator, cast.office,
                 cast.principal):  # fmt: skip
        shelf = rules.shelf_access(user, cast.classroom_1a.pk, cast.maths.pk)
        assert shelf is not None and not shelf.writes, user
    shelf = rules.shelf_access(cast.teacher, cast.classroom_1a.pk, cast.maths.pk)
    assert shelf is not None and shelf.writes
    for user in (cast.other_teacher, cast.foreign_office, cast.outsider):
        assert rules.shelf_access(user, cast.classroom_1a.pk, cast.maths.pk) is None, user


def test_a_subject_not_taught_in_the_classroom_has_no_shelf(cast: Cast) -> None:
    assert rules.shelf_access(cast.teacher, cast.classroom_2b.pk, cast.maths.pk) is None


def test_drafts_future_items_and_what_hidden_folders_hold_are_the_teachers_only(
    cast: Cast,
) -> None:
    shown = a_file(cast)
    draft = a_file(cast, is_draft=True)
    later = a_file(cast, visible_from=timezone.now() + datetime.timedelta(days=1))
    hidden_folder = add(cast, is_draft=True)
    inside = add(cast, MaterialKind.LINK, parent_id=hidden_folder.pk)
    for user in (cast.guardian, cast.child_user, cast.office, cast.coordinator):
        assert rules.item_access(user, shown.pk) is not None
        for item in (draft, later, hidden_folder, inside):
            assert rules.item_access(user, item.pk) is None, (user, item.title)
    for item in (shown, draft, later, hidden_folder, inside):
        assert rules.item_access(cast.teacher, item.pk) is not None
    assert rules.item_access(cast.other_teacher, shown.pk) is None
    assert rules.item_access(cast.foreign_office, shown.pk) is None
    assert rules.item_access(cast.outsider, shown.pk) is None


def test_another_classrooms_family_sees_nothing(cast: Cast) -> None:
    user = f.UserFactory(username="famiglia_2b")
    student = f.StudentFactory(institute=cast.institute)
    f.EnrollmentFactory(student=student, classroom=cast.classroom_2b)
    f.GuardianshipFactory(
        student=student, guardian=f.GuardianFactory(institute=cast.institute, user=user)
    )
    shown = a_file(cast)
    assert rules.item_access(user, shown.pk) is None
    assert rules.classroom_for_user(user, cast.classroom_1a.pk) is None
    assert list(rules.readable_classrooms(user)) == [cast.classroom_2b]


def test_a_deleted_item_is_no_ones(cast: Cast) -> None:
    item = a_file(cast)
    material_delete(user=cast.teacher, material_id=item.pk)
    assert rules.item_access(cast.teacher, item.pk) is None
    assert rules.item_access(cast.guardian, item.pk) is None
