"""The API fuzzed from its own OpenAPI schema (schemathesis, in-process through WSGI).

Every operation gets a few generated requests (valid and invalid data), each sent twice by a
teacher and by a guardian of the shared cast: once as generated, once with the path's and the
body's ids replaced by real records (a classroom, subject, student, slot and justification they
see), so that writes reach the services, not only the 404 of an unknown id. Every answer must
be no 5xx, a status the schema documents for that operation, with the documented content type
and a body that matches the documented schema.

Bounded for CI: examples are derandomized (the same every run) and never shrunk; the whole
file takes well under two minutes on two cores, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from campanella.accounts.services import api_token_issue
from campanella.grades.services import grade_add
from campanella.lib.api_errors import is_documented_code
from campanella.people.models import User
from campanella.register import services as register
from campanella.register.models import Absence, Justification
from campanella.school.models import HourSlot
from tests.comms.routes import family_notice
from tests.comms.routes_messages import teacher_thread
from tests.conftest import Cast, school_day
from tests.reportcards.interim_support import interim_round

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]


def documented_error_code(ctx: Any, response: Any, case: schemathesis.Case) -> bool | None:
    """A refusal's `code` is one of those the OpenAPI description lists (lib.api_errors),
    the 405 of a method an operation does not have included (api.not_allowed)."""
    if 400 <= response.status_code < 500:
        code = response.json()["code"]
        assert is_documented_code(code), f"{case.operation.label}: undocumented code {code!r}"
    return None


CHECKS = [
    not_a_server_error,
    documented_error_code,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 15

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@dataclass
class World:
    """The cast with a day of register and a grade, the two logins' headers and real ids."""

    headers: list[dict[str, str]]
    path_ids: dict[str, str]
    body_ids: dict[str, int]


def bearer(user: User) -> dict[str, str]:
    _token, raw = api_token_issue(user=user)
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def _connection_kept() -> Iterator[None]:
    """Requests go straight to the WSGI handler, whose request signals would close the database
    connection holding the test's transaction (Django's test client disconnects them too)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def world(cast: Cast, _connection_kept: None) -> World:
    day = school_day(cast)
    slot = HourSlot.objects.filter(school=cast.school).order_by("number").first()
    assert slot is not None
    classroom = cast.classroom_1a
    register.lesson_sign(
        user=cast.teacher, classroom=classroom, day=day, slot=slot, subject=cast.maths,
        topic="Frazioni", activities="",
    )  # fmt: skip
    register.roll_call_save(
        user=cast.teacher, classroom=classroom, day=day, absent_ids=[cast.child.pk]
    )
    absence = Absence.objects.get(student=cast.child, date=day, cancelled_at__isnull=True)
    justification: Justification = register.justification_submit(
        user=cast.guardian, student=cast.child, kind="assenza", start=day, reason="Febbre"
    )
    grade = grade_add(
        user=cast.teacher, classroom=classroom, subject=cast.maths, student=cast.child, day=day,
        kind="orale", text="7+",
    )  # fmt: skip
    note = register.note_create(
        user=cast.teacher, classroom=classroom, day=day, text="Disturba", students=[cast.child]
    )
    interim = interim_round(cast, complete=False)  # 1A's interim reports, not published
    notice = family_notice(cast)  # to the child's family: confirmation and consent per child
    thread = teacher_thread(cast)  # the maths teacher with the child's family: replies, files
    return World(
        headers=[bearer(cast.teacher), bearer(cast.guardian)],
        path_ids={
            "round_id": str(interim.pk),
            "notice_id": str(notice.pk),
            "thread_id": str(thread.pk),
            "classroom_id": str(classroom.pk),
            "subject_id": str(cast.maths.pk),
            "student_id": str(cast.child.pk),
            "justification_id": str(justification.pk),
            "grade_id": str(grade.pk),
            "note_id": str(note.pk),
            "event_id": str(absence.pk),
            "day": day.isoformat(),
        },
        body_ids={"student_id": cast.child.pk, "slot_id": slot.pk, "subject_id": cast.maths.pk},
    )


def with_real_ids(case: schemathesis.Case, world: World) -> None:
    """The same request about records the callers may see (lists of students: the child)."""
    for name in list(case.path_parameters or {}):
        if name in world.path_ids:
            case.path_parameters[name] = world.path_ids[name]  # type: ignore[index]
    if isinstance(case.body, dict):
        body: dict[str, Any] = case.body
        for name, value in world.body_ids.items():
            if name in body:
                body[name] = value
        for name in ("student_ids", "absent"):
            if name in body:
                body[name] = [world.body_ids["student_id"]]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_as_its_schema_says(case: schemathesis.Case, world: World) -> None:
    for headers in world.headers:
        case.call_and_validate(headers=headers, checks=CHECKS)
    with_real_ids(case, world)
    for headers in world.headers:
        case.call_and_validate(headers=headers, checks=CHECKS)
