"""Leavers lose access on the institute's date; guardians lose that child only."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse

from campanella.people.access import revoke_leavers
from campanella.people.models import AccessEvent, Staff
from campanella.people.selectors import students_for_user
from tests import factories as f
from tests.conftest import Cast, guardian_of

pytestmark = pytest.mark.django_db


def withdraw(cast: Cast) -> datetime.date:
    """The sibling (2B) withdraws in March; returns the access end date (31 August)."""
    year = cast.classroom_2b.school_year
    enrollment = cast.sibling.enrollments.get()
    enrollment.exit_date = datetime.date(year.end_date.year, 3, 15)
    enrollment.exit_reason = "ritiro"
    enrollment.save()
    cast.sibling.user = f.UserFactory(username="sibling")
    cast.sibling.save()
    return year.end_date


def test_withdrawn_student_keeps_access_until_31_august(cast: Cast) -> None:
    end = withdraw(cast)
    assert revoke_leavers(end - datetime.timedelta(days=1)).students == 0
    # The institute's date is the day access ends: the night job of 31 August revokes.
    report = revoke_leavers(end)
    assert report.students == 1
    cast.sibling.user.refresh_from_db()  # type: ignore[union-attr]
    assert not cast.sibling.user.is_active  # type: ignore[union-attr]
    # The guardian still sees the other child, not the one who left.
    cast.guardian.refresh_from_db()
    assert cast.guardian.is_active
    assert set(students_for_user(cast.guardian)) == {cast.child}
    assert AccessEvent.objects.filter(kind="access_revoked", user=cast.sibling.user).exists()


def test_guardian_with_no_child_left_is_disabled(cast: Cast) -> None:
    end = cast.classroom_1a.school_year.end_date
    enrollment = cast.other_child.enrollments.get()
    enrollment.exit_date = datetime.date(end.year, 2, 1)
    enrollment.exit_reason = "trasferimento"
    enrollment.save()
    revoke_leavers(end + datetime.timedelta(days=1))
    cast.other_guardian.refresh_from_db()
    assert not cast.other_guardian.is_active
    assert guardian_of(cast.other_child).guardianships.get().access_revoked_on is not None


def test_final_year_students_leave_continuing_ones_stay(cast: Cast) -> None:
    fifth = f.ClassroomFactory(
        school=cast.school, school_year=cast.classroom_1a.school_year, year=5
    )
    graduate = f.EnrollmentFactory(classroom=fifth).student
    graduate.user = f.UserFactory(username="graduate")
    graduate.save()
    report = revoke_leavers(cast.classroom_1a.school_year.end_date + datetime.timedelta(days=1))
    assert report.students == 1
    graduate.user.refresh_from_db()
    assert not graduate.user.is_active
    cast.child_user.refresh_from_db()
    assert cast.child_user.is_active  # 1st year, not yet promoted: keeps access


def test_the_date_is_a_school_setting(cast: Cast) -> None:
    end = withdraw(cast)
    cast.institute.access_end_month = 6
    cast.institute.access_end_day = 30
    cast.institute.save()
    july = datetime.date(end.year, 7, 1)
    assert revoke_leavers(july).students == 1


def test_revoke_command(cast: Cast, capsys: pytest.CaptureFixture[str]) -> None:
    end = withdraw(cast)
    call_command("revoke_leavers", date=end + datetime.timedelta(days=1))
    assert "accessi disattivati: 1" in capsys.readouterr().out


def test_office_marks_staff_as_left_and_their_login_stops(cast: Cast) -> None:
    staff = Staff.objects.get(user=cast.other_teacher)
    client = cast.client_for(cast.office)
    url = reverse("admin:people_staff_change", args=[staff.pk])
    response = client.post(
        url,
        {
            "surname": staff.surname,
            "name": staff.name,
            "codice_fiscale": "",
            "email": "",
            "is_teacher": "on",
            "institute": cast.institute.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    cast.other_teacher.refresh_from_db()
    assert not cast.other_teacher.is_active
    assert AccessEvent.objects.filter(
        kind="access_revoked", user=cast.other_teacher, actor=cast.office
    ).exists()
