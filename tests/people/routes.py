from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from campanella.people.models import Enrollment, Guardian, Guardianship, User
from campanella.school.models import Closure
from tests.conftest import Cast
from tests.routes import (
    ApiTable,
    ApiWriteTable,
    PageTable,
    SelfServiceTable,
    Write,
    WriteTable,
    posted,
)

PAGES: PageTable = {
    "people:classroom_list": (lambda c: {}, 404, 302),
    "people:classroom_detail": (lambda c: {"pk": c.classroom_1a.pk}, 404, 302),
    "people:classroom_teachers": (lambda c: {"pk": c.classroom_1a.pk}, 404, 302),
    "people:student_detail": (lambda c: {"pk": c.child.pk}, 404, 302),
    "people:office_student": (lambda c: {"pk": c.child.pk}, 404, 302),
    "people:office_withdraw": (lambda c: {"pk": c.child.pk}, 404, 302),
    "people:office_transfer": (lambda c: {"pk": c.child.pk}, 404, 302),
    "people:office_move": (lambda c: {"pk": c.child.pk}, 404, 302),
    "people:office_guardian_add": (lambda c: {"pk": c.child.pk}, 404, 302),
    "people:office_guardian_remove": (
        lambda c: {"pk": c.other_child.pk, "link": other_link(c).pk},
        404,
        302,
    ),
    "people:office_calendar": (lambda c: {}, 404, 302),
    "people:office_calendar_province": (posted, 404, 302),
    "people:office_calendar_closure": (posted, 404, 302),
}

API: ApiTable = {
    ("get", "/api/v1/classrooms"): 200,  # an empty list
    ("get", "/api/v1/classrooms/{classroom_id}"): 404,
    ("get", "/api/v1/classrooms/{classroom_id}/teachers"): 404,
    ("get", "/api/v1/students/{student_id}"): 404,
}


def other_link(c: Cast) -> Guardianship:
    return Guardianship.objects.get(student=c.other_child)


def outsiders(c: Cast) -> tuple[Any, ...]:
    """Another institute's office, teachers of the student's classroom, the families."""
    return (c.foreign_office, c.coordinator, c.teacher, c.guardian, c.child_user, c.outsider)


def school_records(c: Cast) -> tuple[Any, ...]:
    return (
        Enrollment,
        Guardianship,
        Guardian,
        User.objects.filter(pk__in=[c.guardian.pk, c.other_guardian.pk, c.child_user.pk]),
    )


def office_write(c: Cast, name: str, args: list[int], body: dict[str, Any]) -> Write:
    return Write(
        reverse(f"people:{name}", args=args),
        {**body, "confirm": "1"},
        c.office,
        outsiders(c),
        school_records(c),
    )


def a_day(c: Cast) -> str:
    return c.classroom_1a.school_year.start_date.replace(month=11, day=16).isoformat()


PAGE_WRITES: WriteTable = {
    "people:office_withdraw": lambda c: office_write(
        c, "office_withdraw", [c.child.pk], {"day": a_day(c), "note": "ritiro"}
    ),
    "people:office_transfer": lambda c: office_write(
        c,
        "office_transfer",
        [c.child.pk],
        {"day": a_day(c), "school_name": "Liceo Muratori", "school_code": ""},
    ),
    "people:office_move": lambda c: office_write(
        c, "office_move", [c.child.pk], {"day": a_day(c), "classroom": c.classroom_2b.pk}
    ),
    "people:office_guardian_add": lambda c: office_write(
        c, "office_guardian_add", [c.child.pk], {"existing": "other_guardian", "relation": "tutore"}
    ),
    "people:office_guardian_remove": lambda c: office_write(
        c,
        "office_guardian_remove",
        [c.other_child.pk, other_link(c).pk],
        {"day": timezone.localdate().isoformat()},
    ),
}


def calendar_write(c: Cast, name: str, body: dict[str, Any]) -> Write:
    """The office of A writes A's calendar; another institute's office writes only its own."""
    return Write(
        reverse(f"people:{name}"),
        body,
        c.office,
        (c.foreign_office, c.teacher, c.guardian, c.child_user, c.outsider),
        (Closure.objects.filter(institute=c.institute),),
        refused_for={"foreign_office": 404},  # B has no school year: nothing to add to
    )


PAGE_WRITES["people:office_calendar_province"] = lambda c: calendar_write(
    c, "office_calendar_province", {"province": "RM"}
)
PAGE_WRITES["people:office_calendar_closure"] = lambda c: calendar_write(
    c,
    "office_calendar_closure",
    {
        "start_date": a_day(c),
        "end_date": a_day(c),
        "description": "Chiusura per le elezioni",
        "school": "",
    },
)
API_WRITES: ApiWriteTable = {}
SELF_SERVICE: SelfServiceTable = {}
