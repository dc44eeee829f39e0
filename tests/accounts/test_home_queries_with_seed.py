"""Home pages ask the database the same number of questions whatever `--students` is."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from campanella.demo.generator import generate
from campanella.demo.logins import demo_logins
from campanella.people.models import User
from campanella.school.models import Institute

pytestmark = pytest.mark.django_db


def home_queries(institute_id: int) -> dict[str, int]:
    counts = {}
    for role, username in demo_logins(Institute.objects.get(pk=institute_id)).items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        client.get("/")  # warm-up: session and per-process caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        counts[role.split(",")[0]] = len(queries)
    return counts


def test_home_queries_do_not_grow_with_students() -> None:
    small = generate(students=230, schools=2, seed=11)
    large = generate(students=920, schools=2, seed=11)
    assert home_queries(small.institute_id) == home_queries(large.institute_id)
