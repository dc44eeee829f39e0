from tests.routes import ApiTable, PageTable


def book(cast: object) -> dict[str, object]:
    return {"classroom_id": cast.classroom_1a.pk, "subject_id": cast.maths.pk}  # type: ignore[attr-defined]


PAGES: PageTable = {
    "grades:classroom": (lambda c: {"classroom_id": c.classroom_1a.pk}, 404, 302),
    "grades:book": (book, 404, 302),
    "grades:book_save": (book, 405, 302),
    "grades:book_export": (book, 404, 302),
    "grades:student": (lambda c: {"student_id": c.child.pk}, 404, 302),
    "grades:detail": (lambda c: {"grade_id": 1}, 404, 302),
}

API: ApiTable = {
    ("get", "/api/v1/classrooms/{classroom_id}/subjects"): 404,
    ("get", "/api/v1/classrooms/{classroom_id}/terms"): 404,
    ("get", "/api/v1/classrooms/{classroom_id}/averages"): 404,
    ("get", "/api/v1/classrooms/{classroom_id}/subjects/{subject_id}/grades"): 404,
    ("post", "/api/v1/classrooms/{classroom_id}/subjects/{subject_id}/grades"): 422,
    ("get", "/api/v1/students/{student_id}/grades"): 404,
}
