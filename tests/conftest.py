"""The shared cast (DESIGN §5): every access test speaks about the same people.

Institute A: school "Liceo", year = the current school year, classrooms 1A and 2B.
- office, principal: institute A staff;
- coordinator: coordinates 1A and teaches Italiano there;
- teacher: teaches Matematica in 1A;
- other_teacher: teaches Italiano in 2B only;
- guardian: parent of `child` (1A, minor, has a student login) and `sibling` (2B);
- adult_student: in 1A, 19 years old, own login;
- other_guardian: parent of `other_child` in 1A (another family);
- outsider: a login with no role; foreign_office: the office of institute B.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from hypothesis import settings as hypothesis_settings

from campanella.people.models import Guardian, Staff, Student, User
from campanella.school.models import Classroom, HourSlot, Institute, School, Subject, TimetableEntry
from campanella.school.selectors import is_school_day
from tests import factories as f
from tests.browser_support import browser, desktop, phone  # noqa: F401 - shared fixtures

PASSWORD = "una-password-lunga"

# Two xdist workers share two cores with Chromium: wall-clock deadlines would only add flakiness.
hypothesis_settings.register_profile("campanella", deadline=None)
hypothesis_settings.load_profile("campanella")


@pytest.fixture(autouse=True)
def _empty_cache(settings: Any) -> Iterator[None]:
    """Each test starts with an empty cache (ids are reused after a rollback), and the header
    and the terms are read on every request, so query counts do not depend on the order of
    requests (tests/accounts/test_family_header.py and tests/grades/test_kept_pages.py keep
    them)."""
    settings.FAMILY_HEADER_SECONDS = 0
    settings.TERMS_SECONDS = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # argon2 is the production hasher (tested in test_settings); tests need speed, not strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Cast:
    institute: Institute
    school: School
    classroom_1a: Classroom
    classroom_2b: Classroom
    maths: Subject
    italian: Subject
    office: User
    principal: User
    coordinator: User
    teacher: User
    other_teacher: User
    guardian: User
    child: Student
    child_user: User
    sibling: Student
    adult_student: Student
    adult_user: User
    other_guardian: User
    other_child: Student
    outsider: User
    foreign_office: User

    def client_for(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client


def _staff_user(institute: Institute, username: str, **roles: bool) -> User:
    user = f.UserFactory(username=username)
    f.StaffFactory(
        institute=institute, user=user, is_teacher=roles.pop("is_teacher", False), **roles
    )
    return user


def _teaches(user: User, classroom: Classroom, subject: Subject) -> None:
    f.TeachingFactory(teacher=Staff.objects.get(user=user), classroom=classroom, subject=subject)


def build_cast() -> Cast:
    institute = f.InstituteFactory(name="Istituto A")
    school = f.SchoolFactory(institute=institute, name="Liceo A")
    year = f.SchoolYearFactory(institute=institute)
    f.TermFactory(school_year=year, school=school)
    classroom_1a = f.ClassroomFactory(school=school, school_year=year, year=1, section="A")
    classroom_2b = f.ClassroomFactory(school=school, school_year=year, year=2, section="B")
    maths = f.SubjectFactory(institute=institute, name="Matematica", short_name="MAT")
    italian = f.SubjectFactory(institute=institute, name="Italiano", short_name="ITA")
    for classroom in (classroom_1a, classroom_2b):
        for subject in (maths, italian):
            f.ClassroomSubjectFactory(classroom=classroom, subject=subject, weekly_hours=4)
    slots = [
        HourSlot.objects.create(
            school=school,
            number=n,
            start_time=datetime.time(7 + n, 0),
            end_time=datetime.time(7 + n, 55),
        )
        for n in (1, 2, 3)
    ]
    for weekday in range(5):
        TimetableEntry.objects.create(
            classroom=classroom_1a, weekday=weekday, slot=slots[0], subject=maths
        )
        TimetableEntry.objects.create(
            classroom=classroom_1a, weekday=weekday, slot=slots[1], subject=italian
        )
        TimetableEntry.objects.create(
            classroom=classroom_2b, weekday=weekday, slot=slots[0], subject=italian
        )

    office = _staff_user(institute, "office", is_office=True)
    principal = _staff_user(institute, "principal", is_principal=True)
    coordinator = _staff_user(institute, "coordinator", is_teacher=True)
    teacher = _staff_user(institute, "teacher", is_teacher=True)
    other_teacher = _staff_user(institute, "other_teacher", is_teacher=True)
    classroom_1a.coordinator = Staff.objects.get(user=coordinator)
    classroom_1a.save()
    _teaches(coordinator, classroom_1a, italian)
    _teaches(teacher, classroom_1a, maths)
    _teaches(other_teacher, classroom_2b, italian)

    today = timezone.localdate()
    child_user = f.UserFactory(username="child")
    fourteen = today.replace(year=today.year - 14)
    child = f.StudentFactory(institute=institute, user=child_user, born=(fourteen, fourteen))
    sibling = f.StudentFactory(institute=institute)
    adult_user = f.UserFactory(username="adult")
    adult_student = f.StudentFactory(
        institute=institute, user=adult_user,
        born=(today.replace(year=today.year - 19), today.replace(year=today.year - 19)),
    )  # fmt: skip
    # A surname no page prints by chance (a random one once matched text of a guardian's home).
    other_child = f.StudentFactory(institute=institute, surname="Zanardelli")
    for student, classroom in [
        (child, classroom_1a),
        (adult_student, classroom_1a),
        (other_child, classroom_1a),
        (sibling, classroom_2b),
    ]:
        f.EnrollmentFactory(student=student, classroom=classroom)

    guardian = f.UserFactory(username="guardian", first_name="Paola")
    guardian_record = f.GuardianFactory(institute=institute, user=guardian)
    f.GuardianshipFactory(student=child, guardian=guardian_record)
    f.GuardianshipFactory(student=sibling, guardian=guardian_record)
    other_guardian = f.UserFactory(username="other_guardian")
    f.GuardianshipFactory(
        student=other_child, guardian=f.GuardianFactory(institute=institute, user=other_guardian)
    )

    outsider = f.UserFactory(username="outsider")
    foreign_institute = f.InstituteFactory(name="Istituto B")
    foreign_office = _staff_user(foreign_institute, "foreign_office", is_office=True)
    return Cast(
        institute=institute, school=school, classroom_1a=classroom_1a,
        classroom_2b=classroom_2b, maths=maths, italian=italian, office=office,
        principal=principal, coordinator=coordinator, teacher=teacher,
        other_teacher=other_teacher, guardian=guardian, child=child, child_user=child_user,
        sibling=sibling, adult_student=adult_student, adult_user=adult_user,
        other_guardian=other_guardian, other_child=other_child, outsider=outsider,
        foreign_office=foreign_office,
    )  # fmt: skip


@pytest.fixture
def cast(db: Any) -> Cast:
    return build_cast()


def school_day(cast: Cast, before: datetime.date | None = None) -> datetime.date:
    """The latest school day of the cast's school up to `before` (today by default)."""
    day = before or timezone.localdate()
    while not is_school_day(cast.school, day):
        day -= datetime.timedelta(days=1)
    return day


def guardian_of(student: Student) -> Guardian:
    return student.guardianships.select_related("guardian").first().guardian  # type: ignore[union-attr]


def pytest_collection_modifyitems(items: list[Any]) -> None:
    for item in items:
        if (
            "browser" in item.fixturenames
            or "phone" in item.fixturenames
            or "desktop" in item.fixturenames
        ):
            item.add_marker(pytest.mark.browser)
