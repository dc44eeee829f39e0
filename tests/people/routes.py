from tests.routes import ApiTable, ApiWriteTable, PageTable, SelfServiceTable, WriteTable

PAGES: PageTable = {
    "people:classroom_list": (lambda c: {}, 404, 302),
    "people:classroom_detail": (lambda c: {"pk": c.classroom_1a.pk}, 404, 302),
    "people:classroom_teachers": (lambda c: {"pk": c.classroom_1a.pk}, 404, 302),
    "people:student_detail": (lambda c: {"pk": c.child.pk}, 404, 302),
}

API: ApiTable = {
    ("get", "/api/v1/classrooms"): 200,  # an empty list
    ("get", "/api/v1/classrooms/{classroom_id}"): 404,
    ("get", "/api/v1/students/{student_id}"): 404,
}

PAGE_WRITES: WriteTable = {}  # the people pages only read; the office writes in /gestione/
API_WRITES: ApiWriteTable = {}
SELF_SERVICE: SelfServiceTable = {}
