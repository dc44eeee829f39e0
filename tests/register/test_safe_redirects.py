"""Finding 9 of issue 10: the `back` field of the register's forms (late entry, roll call,
justification decision, every refused write) was followed wherever it pointed, so a link could
bounce a teacher to a phishing page. Only pages of this site are followed; anything else goes
to the page the form would show anyway."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from campanella.register.models import Justification
from campanella.register.services import justification_submit, roll_call_save
from tests.conftest import Cast, school_day

pytestmark = pytest.mark.django_db

ELSEWHERE = [
    "https://evil.example/phish",
    "http://evil.example/phish",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "javascript:alert(document.cookie)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https://testserver.evil.example/",
    "https://testserver@evil.example/",
]


def day_url(cast: Cast, name: str, day: datetime.date) -> str:
    return reverse(f"register:{name}", args=[cast.classroom_1a.pk, day.isoformat()])


def landed(response: Any) -> str:
    assert response.status_code == 302
    return str(response["Location"])


def decision(cast: Cast, teacher: Client, back: str) -> Any:
    day = school_day(cast)
    roll_call_save(
        user=cast.teacher, classroom=cast.classroom_1a, day=day, absent_ids=[cast.child.pk]
    )
    justification = justification_submit(
        user=cast.guardian, student=cast.child, kind="assenza", start=day, reason="Febbre"
    )
    return teacher.post(
        reverse("register:decide", args=[cast.classroom_1a.pk, justification.pk]),
        {"decision": "accept", "back": back},
    )


@pytest.mark.parametrize("back", ELSEWHERE)
def test_a_refused_late_entry_goes_back_only_within_the_site(cast: Cast, back: str) -> None:
    day = school_day(cast)
    response = cast.client_for(cast.teacher).post(
        day_url(cast, "late", day), {"student": cast.child.pk, "time": "07:30", "back": back}
    )
    assert landed(response) == reverse("register:today")


@pytest.mark.parametrize("back", ELSEWHERE)
def test_a_refused_roll_call_goes_back_only_within_the_site(cast: Cast, back: str) -> None:
    day = school_day(cast)
    response = cast.client_for(cast.teacher).post(
        day_url(cast, "roll_call", day), {"absent": [cast.sibling.pk], "back": back}
    )
    assert landed(response) == reverse("register:today")


@pytest.mark.parametrize("back", ELSEWHERE)
def test_a_decision_goes_back_only_within_the_site(cast: Cast, back: str) -> None:
    response = decision(cast, cast.client_for(cast.teacher), back)
    assert landed(response) == day_url(cast, "class_day", timezone.localdate())
    assert Justification.objects.get().status == "accettata"


def test_pages_of_the_site_are_still_where_the_forms_go_back(cast: Cast) -> None:
    day = school_day(cast)
    back = day_url(cast, "class_day", day) + "?scheda=appello"
    teacher = cast.client_for(cast.teacher)
    late = teacher.post(
        day_url(cast, "late", day), {"student": cast.child.pk, "time": "07:30", "back": back}
    )
    assert landed(late) == back
    assert landed(decision(cast, teacher, back)) == back
    absolute = teacher.post(
        day_url(cast, "late", day),
        {"student": cast.child.pk, "time": "07:30", "back": f"http://testserver{back}"},
    )
    assert landed(absolute) == f"http://testserver{back}"


def test_over_https_a_plain_http_address_is_not_followed(cast: Cast) -> None:
    day = school_day(cast)
    back = f"http://testserver{day_url(cast, 'class_day', day)}"
    response = cast.client_for(cast.teacher).post(
        day_url(cast, "late", day),
        {"student": cast.child.pk, "time": "07:30", "back": back},
        secure=True,
    )
    assert landed(response) == reverse("register:today")
