import datetime
from typing import Any

from django.urls import reverse

from campanella.register import services
from campanella.register.models import (
    Absence,
    AgendaItem,
    Annotation,
    AttendanceWaiver,
    DisciplinaryNote,
    EarlyExit,
    Justification,
    LateEntry,
    Lesson,
    OffSite,
    Signature,
)
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

DAY = datetime.date(2026, 11, 23).isoformat()


def classroom_day(cast: object) -> dict[str, object]:
    return {"pk": cast.classroom_1a.pk, "day": DAY}  # type: ignore[attr-defined]


def classroom(cast: object) -> dict[str, object]:
    return {"pk": cast.classroom_1a.pk}  # type: ignore[attr-defined]


def child(cast: object) -> dict[str, object]:
    return {"pk": cast.child.pk}  # type: ignore[attr-defined]


PAGES: PageTable = {
    "register:today": (lambda c: {}, 404, 302),
    "register:history": (lambda c: {}, 404, 302),
    "register:record_history": (lambda c: {"kind": "assenza", "pk": absence(c).pk}, 404, 302),
    "register:class_day": (classroom_day, 404, 302),
    "register:attendance": (classroom, 404, 302),
    "register:student": (child, 404, 302),
    # POST only: requested with the body of their PAGE_WRITES entry below.
    "register:sign": (posted, 404, 302),
    "register:roll_call": (posted, 404, 302),
    "register:late": (posted, 404, 302),
    "register:early_exit": (posted, 404, 302),
    "register:note": (posted, 404, 302),
    "register:agenda": (posted, 404, 302),
    "register:hour_absence": (posted, 404, 302),
    "register:off_site": (posted, 404, 302),
    "register:annotation": (posted, 404, 302),
    "register:measure": (posted, 404, 302),
    "register:waiver": (posted, 404, 302),
    "register:cancel_event": (posted, 404, 302),
    "register:note_cancel": (posted, 404, 302),
    "register:decide": (posted, 404, 302),
    "register:justify": (posted, 404, 302),
    "register:justification_edit": (posted, 404, 302),
    "register:annotation_cancel": (posted, 404, 302),
    "register:justification_withdraw": (posted, 404, 302),
}

# Writes: the outsider (no role) sends the valid body of API_WRITES on a real object.
API: ApiTable = {
    ("get", "/api/v1/classrooms/{classroom_id}/register/{day}"): 404,
    ("post", "/api/v1/classrooms/{classroom_id}/register/{day}/signatures"): 404,
    ("put", "/api/v1/classrooms/{classroom_id}/register/{day}/roll-call"): 404,
    ("post", "/api/v1/classrooms/{classroom_id}/register/{day}/late-entries"): 404,
    ("post", "/api/v1/classrooms/{classroom_id}/register/{day}/early-exits"): 404,
    ("post", "/api/v1/classrooms/{classroom_id}/notes"): 404,
    ("post", "/api/v1/classrooms/{classroom_id}/agenda"): 404,
    ("post", "/api/v1/justifications/{justification_id}/decision"): 404,
    ("get", "/api/v1/students/{student_id}/register"): 404,
    ("put", "/api/v1/classrooms/{classroom_id}/register/{day}/hour-absences"): 404,
    ("post", "/api/v1/classrooms/{classroom_id}/register/{day}/off-site"): 404,
    ("post", "/api/v1/classrooms/{classroom_id}/annotations"): 404,
    ("post", "/api/v1/classrooms/{classroom_id}/waivers"): 404,
    ("get", "/api/v1/classrooms/{classroom_id}/attendance"): 404,
    ("post", "/api/v1/students/{student_id}/justifications"): 404,
    ("delete", "/api/v1/students/{student_id}/justifications/{justification_id}"): 404,
    ("post", "/api/v1/classrooms/{classroom_id}/notes/{note_id}/cancel"): 404,
    (
        "post",
        "/api/v1/classrooms/{classroom_id}/register/{day}/events/{kind}/{event_id}/cancel",
    ): 404,
    ("put", "/api/v1/students/{student_id}/justifications/{justification_id}"): 404,
    ("post", "/api/v1/classrooms/{classroom_id}/annotations/{annotation_id}/cancel"): 404,
    ("put", "/api/v1/classrooms/{classroom_id}/notes/{note_id}/measure"): 404,
    ("get", "/api/v1/history/{kind}/{record_id}"): 404,
}


def API_IDS(c: Cast) -> dict[str, object]:  # noqa: N802 - the name the route tests look up
    """The record whose history GET /history/{kind}/{record_id} reads: 1A's child's absence."""
    return {"{kind}": "assenza", "{record_id}": absence(c).pk}


SELF_SERVICE: SelfServiceTable = {}


# --- the writes: real objects of classroom 1A and of the guardian's child -------------------


def staff_outsiders(c: Cast) -> tuple[Any, ...]:
    """Another class's teacher, the office that reads but does not write the register, a
    family, a student and another institute's office."""
    return (c.other_teacher, c.office, c.guardian, c.child_user, c.foreign_office)


def principal_outsiders(c: Cast) -> tuple[Any, ...]:
    return (c.teacher, c.coordinator, c.other_teacher, c.office, c.guardian, c.foreign_office)


def family_outsiders(c: Cast) -> tuple[Any, ...]:
    """Another family, the class's own teacher, the (minor) student, another institute."""
    return (c.other_guardian, c.teacher, c.child_user, c.foreign_office)


def decision_outsiders(c: Cast) -> tuple[Any, ...]:
    """Another class's teacher, the office, the family itself (its own child's justification),
    another family, the student, another institute."""
    return (c.other_teacher, c.office, c.guardian, c.other_guardian, c.child_user, c.foreign_office)


def day(c: Cast) -> str:
    return school_day(c).isoformat()


def today_url(c: Cast, name: str) -> str:
    return reverse(f"register:{name}", args=[c.classroom_1a.pk, day(c)])


def api_base(c: Cast) -> str:
    return f"/api/v1/classrooms/{c.classroom_1a.pk}"


def slot(c: Cast, number: int) -> int:
    return c.school.hour_slots.get(number=number).pk


def absence(c: Cast) -> Absence:
    services.roll_call_save(
        user=c.teacher, classroom=c.classroom_1a, day=school_day(c), absent_ids=[c.child.pk]
    )
    return Absence.objects.get(student=c.child, cancelled_at__isnull=True)


def justification(c: Cast) -> Justification:
    absence(c)
    return services.justification_submit(
        user=c.guardian, student=c.child, kind="assenza", start=school_day(c), reason="Febbre"
    )


def note(c: Cast) -> DisciplinaryNote:
    return services.note_create(
        user=c.teacher,
        classroom=c.classroom_1a,
        day=school_day(c),
        text="Disturba",
        students=[c.child],
    )


def annotation(c: Cast) -> Annotation:
    return services.annotation_create(
        user=c.teacher, classroom=c.classroom_1a, day=school_day(c), text="Uscita didattica"
    )


def in_2b(c: Cast, name: str, body: dict[str, Any], *args: Any, status: int = 302) -> Any:
    """2B's teacher on a page of 2B, naming 1A's child or record: refused (a page answers
    with a message and a redirect, or 404)."""
    url = reverse(f"register:{name}", args=[c.classroom_2b.pk, *args])
    return ((c.other_teacher, url, body, status),)


def api_in_2b(c: Cast, tail: str, body: dict[str, Any]) -> Any:
    """2B's teacher through the API on 2B, naming 1A's child: 404, or 400 "not enrolled in
    this classroom" for a list of absent ids (the same answer as for an id that does not
    exist: nothing is revealed)."""
    url = f"/api/v1/classrooms/{c.classroom_2b.pk}{tail.format(day=day(c))}"
    return ((c.other_teacher, url, body, 400 if "absent" in body else 404),)


def other_family(c: Cast, url: str, body: dict[str, Any]) -> Any:
    """The other family, through its own child's URL, naming this child's justification."""
    return ((c.other_guardian, url, body, 404),)


def on_the_day(c: Cast, name: str, body: dict[str, Any], *watch: Any) -> Write:
    """A teacher's page of 1A's day; when the body names the child, 2B's teacher sends it to
    2B's day too."""
    names_child = c.child.pk in (body.get("student"), *body.get("absent", ()))
    names_child |= c.child.pk in body.get("students", ())
    crossed = in_2b(c, name, body, day(c)) if names_child else ()
    return Write(today_url(c, name), body, c.teacher, staff_outsiders(c), watch, crossed=crossed)


def api_teacher(c: Cast, tail: str, body: dict[str, Any], *watch: Any) -> Write:
    """A teacher's write through the API on 1A; when the body names 1A's child, 2B's teacher
    sends it to 2B too."""
    url = f"{api_base(c)}{tail.format(day=day(c))}"
    names_child = c.child.pk in (body.get("student_id"), *body.get("absent", ()))
    names_child |= c.child.pk in body.get("student_ids", ())
    crossed = api_in_2b(c, tail, body) if names_child else ()
    return Write(url, body, c.teacher, staff_outsiders(c), watch, crossed=crossed)


def cancelling(c: Cast, name: str, model: Any, record: Any) -> Write:
    body = {"reason": "Errore"}
    return Write(
        reverse(f"register:{name}", args=[c.classroom_1a.pk, record.pk]),
        body,
        c.teacher,
        staff_outsiders(c),
        (model,),
        crossed=in_2b(c, name, body, record.pk, status=404),
    )


def page_cancel_event(c: Cast) -> Write:
    pk = absence(c).pk
    body = {"reason": "Era presente"}
    return Write(
        reverse("register:cancel_event", args=[c.classroom_1a.pk, "assenza", pk]),
        body,
        c.teacher,
        staff_outsiders(c),
        (Absence,),
        crossed=in_2b(c, "cancel_event", body, "assenza", pk, status=404),
    )


def page_decide(c: Cast) -> Write:
    pk = justification(c).pk
    body = {"decision": "accept"}
    return Write(
        reverse("register:decide", args=[c.classroom_1a.pk, pk]),
        body,
        c.teacher,
        decision_outsiders(c),
        (Justification,),
        crossed=in_2b(c, "decide", body, pk, status=404),
    )


def principal(c: Cast, url: str, body: dict[str, Any], model: Any) -> Write:
    return Write(url, body, c.principal, principal_outsiders(c), (model,))


def family_write(c: Cast, url: str, body: dict[str, Any], crossed: Any = ()) -> Write:
    return Write(
        url, body, c.guardian, family_outsiders(c), (Justification, Absence), crossed=crossed
    )


def justify(c: Cast, url: str, start: str) -> Write:
    """The guardian justifies the child's absence of today (the page and the API)."""
    absence(c)
    return family_write(c, url, {"kind": "assenza", start: day(c), "reason": "Febbre"})


def page_family(c: Cast, name: str, body: dict[str, Any]) -> Write:
    pk = justification(c).pk
    return family_write(
        c,
        reverse(f"register:{name}", args=[c.child.pk, pk]),
        body,
        crossed=other_family(c, reverse(f"register:{name}", args=[c.other_child.pk, pk]), body),
    )


def api_withdraw(c: Cast) -> Write:
    pk = justification(c).pk
    return family_write(
        c,
        f"/api/v1/students/{c.child.pk}/justifications/{pk}",
        {},
        crossed=other_family(c, f"/api/v1/students/{c.other_child.pk}/justifications/{pk}", {}),
    )


def api_note_cancel(c: Cast) -> Write:
    """1A's teacher cancels 1A's note; 2B's teacher tries it through 2B's URL."""
    pk = note(c).pk
    body = {"reason": "Errore"}
    in_2b = f"/api/v1/classrooms/{c.classroom_2b.pk}/notes/{pk}/cancel"
    return Write(
        f"{api_base(c)}/notes/{pk}/cancel",
        body,
        c.teacher,
        staff_outsiders(c),
        (DisciplinaryNote,),
        crossed=((c.other_teacher, in_2b, body, 404),),
    )


def api_event_cancel(c: Cast) -> Write:
    """1A's teacher cancels 1A's absence; 2B's teacher tries it through 2B's URL."""
    pk = absence(c).pk
    body = {"reason": "Registrata per errore"}
    path = f"register/{day(c)}/events/absences/{pk}/cancel"
    return Write(
        f"{api_base(c)}/{path}",
        body,
        c.teacher,
        staff_outsiders(c),
        (Absence,),
        crossed=((c.other_teacher, f"/api/v1/classrooms/{c.classroom_2b.pk}/{path}", body, 404),),
    )


def api_annotation_cancel(c: Cast) -> Write:
    """1A's teacher cancels 1A's annotation; 2B's teacher tries it through 2B's URL."""
    pk = annotation(c).pk
    body = {"reason": "Errore"}
    return Write(
        f"{api_base(c)}/annotations/{pk}/cancel",
        body,
        c.teacher,
        staff_outsiders(c),
        (Annotation,),
        crossed=(
            (c.other_teacher, f"/api/v1/classrooms/{c.classroom_2b.pk}/annotations/{pk}/cancel",
             body, 404),
        ),
    )  # fmt: skip


def api_justification_edit(c: Cast) -> Write:
    pk = justification(c).pk
    body = {"reason": "Visita medica"}
    return family_write(
        c,
        f"/api/v1/students/{c.child.pk}/justifications/{pk}",
        body,
        crossed=other_family(c, f"/api/v1/students/{c.other_child.pk}/justifications/{pk}", body),
    )


def agenda(c: Cast, subject: str) -> dict[str, Any]:
    return {"kind": "compiti", subject: c.maths.pk, "date": day(c), "text": "Esercizi 1-5"}


PAGE_WRITES: WriteTable = {
    "register:sign": lambda c: on_the_day(
        c, "sign", {"slot": slot(c, 1), "topic": "Frazioni"}, Lesson, Signature
    ),
    "register:roll_call": lambda c: on_the_day(c, "roll_call", {"absent": [c.child.pk]}, Absence),
    "register:late": lambda c: on_the_day(
        c, "late", {"student": c.child.pk, "time": "08:10"}, LateEntry
    ),
    "register:early_exit": lambda c: on_the_day(
        c, "early_exit", {"student": c.child.pk, "time": "09:30"}, EarlyExit
    ),
    "register:note": lambda c: on_the_day(
        c, "note", {"text": "Disturba", "students": [c.child.pk]}, DisciplinaryNote
    ),
    "register:agenda": lambda c: on_the_day(c, "agenda", agenda(c, "subject"), AgendaItem),
    "register:hour_absence": lambda c: on_the_day(
        c, "hour_absence", {"student": c.child.pk, "slot": slot(c, 2)}, Absence
    ),
    "register:off_site": lambda c: on_the_day(
        c, "off_site", {"student": c.child.pk, "reason": "Gara"}, OffSite
    ),
    "register:annotation": lambda c: on_the_day(
        c, "annotation", {"text": "Uscita didattica"}, Annotation
    ),
    "register:measure": lambda c: principal(
        c,
        reverse("register:measure", args=[c.classroom_1a.pk, note(c).pk]),
        {"measure": "Sospensione di un giorno"},
        DisciplinaryNote,
    ),
    "register:waiver": lambda c: principal(
        c,
        reverse("register:waiver", args=[c.classroom_1a.pk]),
        {"student": c.child.pk, "hours": 10, "reason": "Terapie"},
        AttendanceWaiver,
    ),
    "register:cancel_event": page_cancel_event,
    "register:note_cancel": lambda c: cancelling(c, "note_cancel", DisciplinaryNote, note(c)),
    "register:annotation_cancel": lambda c: cancelling(
        c, "annotation_cancel", Annotation, annotation(c)
    ),
    "register:decide": page_decide,
    "register:justify": lambda c: justify(
        c, reverse("register:justify", args=[c.child.pk]), "start"
    ),
    "register:justification_edit": lambda c: page_family(
        c, "justification_edit", {"reason": "Visita medica"}
    ),
    "register:justification_withdraw": lambda c: page_family(c, "justification_withdraw", {}),
}

API_WRITES: ApiWriteTable = {
    ("post", "/api/v1/classrooms/{classroom_id}/register/{day}/signatures"): lambda c: api_teacher(
        c, "/register/{day}/signatures", {"slot_id": slot(c, 1)}, Lesson, Signature
    ),
    ("put", "/api/v1/classrooms/{classroom_id}/register/{day}/roll-call"): lambda c: api_teacher(
        c, "/register/{day}/roll-call", {"absent": [c.child.pk]}, Absence
    ),
    ("post", "/api/v1/classrooms/{classroom_id}/register/{day}/late-entries"): lambda c: (
        api_teacher(
            c,
            "/register/{day}/late-entries",
            {"student_id": c.child.pk, "time": "08:10"},
            LateEntry,
        )
    ),
    ("post", "/api/v1/classrooms/{classroom_id}/register/{day}/early-exits"): lambda c: api_teacher(
        c, "/register/{day}/early-exits", {"student_id": c.child.pk, "time": "09:30"}, EarlyExit
    ),
    ("put", "/api/v1/classrooms/{classroom_id}/register/{day}/hour-absences"): lambda c: (
        api_teacher(
            c,
            "/register/{day}/hour-absences",
            {"slot_id": slot(c, 2), "absent": [c.child.pk]},
            Absence,
        )
    ),
    ("post", "/api/v1/classrooms/{classroom_id}/register/{day}/off-site"): lambda c: api_teacher(
        c, "/register/{day}/off-site", {"student_id": c.child.pk, "reason": "Gara"}, OffSite
    ),
    ("post", "/api/v1/classrooms/{classroom_id}/notes"): lambda c: api_teacher(
        c,
        "/notes",
        {"date": day(c), "text": "Disturba", "student_ids": [c.child.pk]},
        DisciplinaryNote,
    ),
    ("post", "/api/v1/classrooms/{classroom_id}/agenda"): lambda c: api_teacher(
        c, "/agenda", agenda(c, "subject_id"), AgendaItem
    ),
    ("post", "/api/v1/classrooms/{classroom_id}/annotations"): lambda c: api_teacher(
        c,
        "/annotations",
        {"date": day(c), "text": "Uscita didattica", "student_id": c.child.pk},
        Annotation,
    ),
    ("post", "/api/v1/classrooms/{classroom_id}/waivers"): lambda c: principal(
        c,
        f"{api_base(c)}/waivers",
        {"student_id": c.child.pk, "hours": 10, "reason": "Terapie"},
        AttendanceWaiver,
    ),
    ("post", "/api/v1/justifications/{justification_id}/decision"): lambda c: Write(
        f"/api/v1/justifications/{justification(c).pk}/decision",
        {"accept": True},
        c.teacher,
        decision_outsiders(c),
        (Justification,),
    ),
    ("post", "/api/v1/students/{student_id}/justifications"): lambda c: justify(
        c, f"/api/v1/students/{c.child.pk}/justifications", "start_date"
    ),
    ("delete", "/api/v1/students/{student_id}/justifications/{justification_id}"): api_withdraw,
    ("post", "/api/v1/classrooms/{classroom_id}/notes/{note_id}/cancel"): lambda c: api_note_cancel(
        c
    ),
    ("put", "/api/v1/students/{student_id}/justifications/{justification_id}"): lambda c: (
        api_justification_edit(c)
    ),
    (
        "post",
        "/api/v1/classrooms/{classroom_id}/register/{day}/events/{kind}/{event_id}/cancel",
    ): api_event_cancel,
    (
        "post",
        "/api/v1/classrooms/{classroom_id}/annotations/{annotation_id}/cancel",
    ): api_annotation_cancel,
    ("put", "/api/v1/classrooms/{classroom_id}/notes/{note_id}/measure"): lambda c: principal(
        c,
        f"{api_base(c)}/notes/{note(c).pk}/measure",
        {"measure": "Sospensione di un giorno"},
        DisciplinaryNote,
    ),
}
