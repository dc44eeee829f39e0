"""The pages families open most (issue 11, item 15) ask the database the same number of
questions for the student, guardian or grade book with the fewest records and the one with the
most, every page computed anew (nothing kept from an earlier view)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campanella.demo.generator import generate
from campanella.grades.models import Grade
from campanella.people.models import Guardianship, Staff, User
from campanella.register.models import Absence, Lesson

pytestmark = pytest.mark.django_db


def queries(user: User, path: str) -> int:
    client = Client()
    client.force_login(user)
    client.get(path)  # warm-up: the session and per-process caches that are not the page's
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def fewest_and_most(rows: Any) -> tuple[Any, Any]:
    ordered = sorted(rows, key=lambda row: row[-1])
    assert ordered[0][-1] < ordered[-1][-1], "the data must differ for the test to mean anything"
    return ordered[0][0], ordered[-1][0]


@pytest.fixture
def school(settings: Any) -> User:
    settings.GRADE_PAGES_SECONDS = 0
    generate(students=60, schools=1, seed=3, history_days=12, grades_per_subject=3)
    principal = Staff.objects.get(is_principal=True).user
    assert principal is not None and Lesson.objects.exists() and Absence.objects.exists()
    return principal


def test_family_register_and_grades_pages(school: User) -> None:
    since = timezone.localdate() - datetime.timedelta(days=30)
    guardian_of = {
        g.student_id: g.guardian.user
        for g in Guardianship.objects.select_related("guardian__user").order_by("pk")
    }
    absences = dict(
        Absence.objects.filter(date__gte=since).values_list("student_id").annotate(n=Count("pk"))
    )
    grades = dict(Grade.objects.values_list("student_id").annotate(n=Count("pk")))
    for path, records in (("/registro/alunno/{}/", absences), ("/voti/alunno/{}/", grades)):
        few, many = fewest_and_most([(s, records.get(s, 0)) for s in guardian_of])
        for few_reader, many_reader in ((guardian_of[few], guardian_of[many]), (school, school)):
            assert queries(few_reader, path.format(few)) == queries(
                many_reader, path.format(many)
            ), path


def test_grade_books(school: User) -> None:
    rows = Grade.objects.values_list("classroom_id", "subject_id").annotate(n=Count("pk"))
    few, many = fewest_and_most([((c, s), n) for c, s, n in rows])
    assert queries(school, "/voti/{}/{}/".format(*few)) == queries(
        school, "/voti/{}/{}/".format(*many)
    )


def test_guardians_homes(school: User) -> None:
    rows = (
        User.objects.filter(guardian_profiles__isnull=False)
        .annotate(n=Count("guardian_profiles__guardianships"))
        .values_list("pk", "n")
    )
    one, two = fewest_and_most(list(rows))
    assert queries(User.objects.get(pk=one), "/") == queries(User.objects.get(pk=two), "/")
