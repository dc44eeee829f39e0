import datetime

from tests.routes import ApiTable, PageTable

DAY = datetime.date(2026, 11, 23).isoformat()


def classroom_day(cast: object) -> dict[str, object]:
    return {"pk": cast.classroom_1a.pk, "day": DAY}  # type: ignore[attr-defined]


def classroom(cast: object) -> dict[str, object]:
    return {"pk": cast.classroom_1a.pk}  # type: ignore[attr-defined]


def child(cast: object) -> dict[str, object]:
    return {"pk": cast.child.pk}  # type: ignore[attr-defined]


POST_ONLY = (405, 405)  # writes: refused for outsiders in tests/register/test_register.py

PAGES: PageTable = {
    "register:today": (lambda c: {}, 404, 302),
    "register:history": (lambda c: {}, 404, 302),
    "register:class_day": (classroom_day, 404, 302),
    "register:attendance": (classroom, 404, 302),
    "register:student": (child, 404, 302),
    "register:sign": (classroom_day, *POST_ONLY),
    "register:roll_call": (classroom_day, *POST_ONLY),
    "register:late": (classroom_day, *POST_ONLY),
    "register:early_exit": (classroom_day, *POST_ONLY),
    "register:note": (classroom_day, *POST_ONLY),
    "register:agenda": (classroom_day, *POST_ONLY),
    "register:hour_absence": (classroom_day, *POST_ONLY),
    "register:off_site": (classroom_day, *POST_ONLY),
    "register:annotation": (classroom_day, *POST_ONLY),
    "register:measure": (lambda c: {**classroom(c), "note_id": 1}, *POST_ONLY),
    "register:waiver": (classroom, *POST_ONLY),
    "register:cancel_event": (
        lambda c: {**classroom(c), "kind": "assenza", "event_id": 1},
        *POST_ONLY,
    ),
    "register:note_cancel": (lambda c: {**classroom(c), "note_id": 1}, *POST_ONLY),
    "register:decide": (lambda c: {**classroom(c), "justification_id": 1}, *POST_ONLY),
    "register:justify": (child, *POST_ONLY),
    "register:justification_edit": (lambda c: {**child(c), "justification_id": 1}, *POST_ONLY),
    "register:annotation_cancel": (lambda c: {**classroom(c), "annotation_id": 1}, *POST_ONLY),
    "register:justification_withdraw": (lambda c: {**child(c), "justification_id": 1}, *POST_ONLY),
}

# With no body, writes stop at validation (422); tests/register/test_register_api.py sends valid
# bodies as outsiders and gets 404.
API: ApiTable = {
    ("get", "/api/v1/classrooms/{classroom_id}/register/{day}"): 404,
    ("post", "/api/v1/classrooms/{classroom_id}/register/{day}/signatures"): 422,
    ("put", "/api/v1/classrooms/{classroom_id}/register/{day}/roll-call"): 422,
    ("post", "/api/v1/classrooms/{classroom_id}/register/{day}/late-entries"): 422,
    ("post", "/api/v1/classrooms/{classroom_id}/register/{day}/early-exits"): 422,
    ("post", "/api/v1/classrooms/{classroom_id}/notes"): 422,
    ("post", "/api/v1/classrooms/{classroom_id}/agenda"): 422,
    ("post", "/api/v1/justifications/{justification_id}/decision"): 422,
    ("get", "/api/v1/students/{student_id}/register"): 404,
    ("put", "/api/v1/classrooms/{classroom_id}/register/{day}/hour-absences"): 422,
    ("post", "/api/v1/classrooms/{classroom_id}/register/{day}/off-site"): 422,
    ("post", "/api/v1/classrooms/{classroom_id}/annotations"): 422,
    ("post", "/api/v1/classrooms/{classroom_id}/waivers"): 422,
    ("get", "/api/v1/classrooms/{classroom_id}/attendance"): 404,
    ("post", "/api/v1/students/{student_id}/justifications"): 422,
    ("delete", "/api/v1/students/{student_id}/justifications/{justification_id}"): 404,
}
