"""The register through the JSON API: same rules, same refusals as the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from campanella.accounts.services import api_token_issue
from campanella.register.models import Absence, Justification, Lesson
from tests.conftest import Cast, school_day

pytestmark = pytest.mark.django_db


def api(user: Any) -> Client:
    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_teacher_signs_takes_the_roll_family_justifies_teacher_accepts(cast: Cast) -> None:
    day = school_day(cast).isoformat()
    teacher = api(cast.teacher)
    base = f"/api/v1/classrooms/{cast.classroom_1a.pk}/register/{day}"
    slot = cast.school.hour_slots.get(number=1)
    signed = teacher.post(
        f"{base}/signatures",
        {"slot_id": slot.pk, "topic": "Frazioni"},
        content_type="application/json",
    )
    assert signed.status_code == 200
    assert signed.json()["hours"][0]["topic"] == "Frazioni"
    roll = teacher.put(
        f"{base}/roll-call", {"absent": [cast.child.pk]}, content_type="application/json"
    )
    assert [s["absent"] for s in roll.json()["students"] if s["student_id"] == cast.child.pk] == [
        True
    ]
    guardian = api(cast.guardian)
    family = guardian.get(f"/api/v1/students/{cast.child.pk}/register").json()
    assert family["events"][0] == {
        "kind": "assenza",
        "date": day,
        "time": None,
        "justification_status": None,
    }
    assert family["lessons"][0]["topic"] == "Frazioni"
    sent = guardian.post(
        f"/api/v1/students/{cast.child.pk}/justifications",
        {"kind": "assenza", "start_date": day, "reason": "Influenza"},
        content_type="application/json",
    )
    assert sent.status_code == 200
    decided = teacher.post(
        f"/api/v1/justifications/{sent.json()['id']}/decision",
        {"accept": True},
        content_type="application/json",
    )
    assert decided.json()["status"] == "accettata"


def test_register_rules_answer_400_with_the_italian_message(cast: Cast) -> None:
    day = school_day(cast).isoformat()
    base = f"/api/v1/classrooms/{cast.classroom_1a.pk}/register/{day}"
    response = api(cast.teacher).post(
        f"{base}/late-entries",
        {"student_id": cast.child.pk, "time": "06:30"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "register_error"
    assert "prima dell'inizio delle lezioni" in response.json()["message"]


@pytest.mark.parametrize(
    "who", ["other_teacher", "guardian", "child_user", "outsider", "foreign_office"]
)
def test_outsiders_get_404_with_valid_bodies(cast: Cast, who: str) -> None:
    day = school_day(cast).isoformat()
    client = api(getattr(cast, who))
    base = f"/api/v1/classrooms/{cast.classroom_1a.pk}/register/{day}"
    slot = cast.school.hour_slots.get(number=1)
    assert client.get(base).status_code == 404
    assert (
        client.post(
            f"{base}/signatures", {"slot_id": slot.pk}, content_type="application/json"
        ).status_code
        == 404
    )
    assert (
        client.put(
            f"{base}/roll-call", {"absent": [cast.child.pk]}, content_type="application/json"
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/classrooms/{cast.classroom_1a.pk}/notes",
            {"date": day, "text": "x"},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert not Lesson.objects.exists() and not Absence.objects.exists()


@pytest.mark.parametrize("who", ["other_guardian", "teacher", "child_user", "outsider"])
def test_only_the_family_justifies_through_the_api(cast: Cast, who: str) -> None:
    day = school_day(cast).isoformat()
    api(cast.teacher).put(
        f"/api/v1/classrooms/{cast.classroom_1a.pk}/register/{day}/roll-call",
        {"absent": [cast.child.pk]},
        content_type="application/json",
    )
    response = api(getattr(cast, who)).post(
        f"/api/v1/students/{cast.child.pk}/justifications",
        {"kind": "assenza", "start_date": day, "reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not Justification.objects.exists()


def test_hour_absences_off_site_annotations_and_limit_through_the_api(cast: Cast) -> None:
    day = school_day(cast).isoformat()
    teacher = api(cast.teacher)
    base = f"/api/v1/classrooms/{cast.classroom_1a.pk}"
    slot2 = cast.school.hour_slots.get(number=2)
    hourly = teacher.put(
        f"{base}/register/{day}/hour-absences",
        {"slot_id": slot2.pk, "absent": [cast.child.pk]},
        content_type="application/json",
    )
    assert hourly.status_code == 200
    off = teacher.post(
        f"{base}/register/{day}/off-site",
        {"student_id": cast.other_child.pk, "reason": "Orientamento"},
        content_type="application/json",
    )
    assert off.status_code == 200
    note = teacher.post(
        f"{base}/annotations",
        {"date": day, "text": "Portare il libro", "visible_to_family": True},
        content_type="application/json",
    )
    assert note.status_code == 200
    rows = {r["student_id"]: r for r in teacher.get(f"{base}/attendance").json()}
    assert rows[cast.child.pk]["absent_hours"] == 1
    refused = teacher.post(
        f"{base}/waivers",
        {"student_id": cast.child.pk, "hours": 3, "reason": "x"},
        content_type="application/json",
    )
    assert refused.status_code == 404
    granted = api(cast.principal).post(
        f"{base}/waivers",
        {"student_id": cast.child.pk, "hours": 3, "reason": "Ricovero"},
        content_type="application/json",
    )
    assert granted.status_code == 200
    assert api(cast.outsider).get(f"{base}/attendance").status_code == 404
