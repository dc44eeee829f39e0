from tests.routes import ApiTable, PageTable


def book(cast: object) -> dict[str, object]:
    return {"classroom_id": cast.classroom_1a.pk, "subject_id": cast.maths.pk}  # type: ignore[attr-defined]


PAGES: PageTable = {
    "grades:book": (book, 404, 302),
    "grades:book_save": (book, 405, 302),
    "grades:book_export": (book, 404, 302),
    "grades:student": (lambda c: {"student_id": c.child.pk}, 404, 302),
}

API: ApiTable = {}
