from typing import Any

from django.urls import reverse

from campanella.grades.models import Grade
from campanella.grades.services import grade_add
from tests.conftest import Cast, school_day
from tests.routes import (
    ApiTable,
    ApiWriteTable,
    PageTable,
    SelfServiceTable,
    Write,
    WriteTable,
    posted,
)


def book(cast: object) -> dict[str, object]:
    return {"classroom_id": cast.classroom_1a.pk, "subject_id": cast.maths.pk}  # type: ignore[attr-defined]


def a_grade(c: Cast) -> Grade:
    """A real grade: the child's maths grade in 1A, given by its teacher."""
    return grade_add(
        user=c.teacher,
        classroom=c.classroom_1a,
        subject=c.maths,
        student=c.child,
        day=school_day(c),
        kind="scritto",
        text="6",
    )


PAGES: PageTable = {
    "grades:classroom": (lambda c: {"classroom_id": c.classroom_1a.pk}, 404, 302),
    "grades:book": (book, 404, 302),
    "grades:book_save": (posted, 404, 302),  # POST only: its PAGE_WRITES entry
    "grades:book_export": (book, 404, 302),
    "grades:student": (lambda c: {"student_id": c.child.pk}, 404, 302),
    "grades:detail": (lambda c: {"grade_id": a_grade(c).pk}, 404, 302),
}

API: ApiTable = {
    ("get", "/api/v1/classrooms/{classroom_id}/subjects"): 404,
    ("get", "/api/v1/classrooms/{classroom_id}/terms"): 404,
    ("get", "/api/v1/classrooms/{classroom_id}/averages"): 404,
    ("get", "/api/v1/classrooms/{classroom_id}/subjects/{subject_id}/grades"): 404,
    ("post", "/api/v1/classrooms/{classroom_id}/subjects/{subject_id}/grades"): 404,
    ("get", "/api/v1/students/{student_id}/grades"): 404,
    ("put", "/api/v1/grades/{grade_id}"): 404,
    ("post", "/api/v1/grades/{grade_id}/cancel"): 404,
    ("get", "/api/v1/grades/{grade_id}"): 404,
    ("put", "/api/v1/grades/{grade_id}/details"): 404,
}


def API_IDS(c: Cast) -> dict[str, object]:  # noqa: N802 - the name the route tests look up
    return {"{grade_id}": a_grade(c).pk}


def outsiders(c: Cast) -> tuple[Any, ...]:
    """Another class's teacher, the class's coordinator who teaches another subject, the
    office, the child's family, the child and another institute's office."""
    return (c.other_teacher, c.coordinator, c.office, c.guardian, c.child_user, c.foreign_office)


def book_save(c: Cast) -> Write:
    body = {"date": school_day(c).isoformat(), "kind": "scritto", f"voto-{c.child.pk}": "7+"}
    # 2B's Italian teacher, in 2B's own book, typing a grade for 1A's child.
    in_2b = reverse("grades:book_save", args=[c.classroom_2b.pk, c.italian.pk])
    return Write(
        reverse("grades:book_save", args=[c.classroom_1a.pk, c.maths.pk]),
        body,
        c.teacher,
        outsiders(c),
        (Grade,),
        crossed=((c.other_teacher, in_2b, body, 404),),
    )


def api_grade(c: Cast) -> Write:
    body = {
        "student_id": c.child.pk,
        "date": school_day(c).isoformat(),
        "kind": "scritto",
        "grade": "7+",
    }
    in_2b = f"/api/v1/classrooms/{c.classroom_2b.pk}/subjects/{c.italian.pk}/grades"
    return Write(
        f"/api/v1/classrooms/{c.classroom_1a.pk}/subjects/{c.maths.pk}/grades",
        body,
        c.teacher,
        outsiders(c),
        (Grade,),
        crossed=((c.other_teacher, in_2b, body, 404),),
    )


PAGE_WRITES: WriteTable = {
    "grades:book_save": book_save,
    "grades:detail": lambda c: Write(
        reverse("grades:detail", args=[a_grade(c).pk]),
        {"grade": "7", "reason": "Errore di battitura"},
        c.teacher,
        outsiders(c),
        (Grade,),
    ),
}

API_WRITES: ApiWriteTable = {
    ("post", "/api/v1/classrooms/{classroom_id}/subjects/{subject_id}/grades"): api_grade,
    ("put", "/api/v1/grades/{grade_id}"): lambda c: Write(
        f"/api/v1/grades/{a_grade(c).pk}",
        {"grade": "7", "reason": "Errore di battitura"},
        c.teacher,
        outsiders(c),
        (Grade,),
    ),
    ("put", "/api/v1/grades/{grade_id}/details"): lambda c: Write(
        f"/api/v1/grades/{a_grade(c).pk}/details",
        {"description": "Verifica sulle frazioni", "weight": "2", "reason": "Era uno scritto"},
        c.teacher,
        outsiders(c),
        (Grade,),
    ),
    ("post", "/api/v1/grades/{grade_id}/cancel"): lambda c: Write(
        f"/api/v1/grades/{a_grade(c).pk}/cancel",
        {"reason": "Voto di un altro alunno"},
        c.teacher,
        outsiders(c),
        (Grade,),
    ),
}
SELF_SERVICE: SelfServiceTable = {}
