"""Routes of report cards (/pagelle/ and /api/v1/report-cards): what an outsider gets, and every
write with a valid body on a real object (tests/routes.py explains the tables). The objects are
those of tests.reportcards.support: 1ª A's locked final session, published an hour ago."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from campanella.reportcards.models import (
    ConfirmationReminder,
    InterimConfirmation,
    InterimMark,
    InterimReport,
    InterimRound,
    Publication,
    ReportCard,
    ReportCardBundle,
    ViewConfirmation,
)
from tests.conftest import Cast
from tests.reportcards.interim_support import grade, interim_round, register_grades, term_of
from tests.reportcards.support import locked, published
from tests.routes import (
    ApiTable,
    ApiWriteTable,
    PageTable,
    SelfServiceTable,
    Write,
    WriteTable,
    posted,
)

PAGES: PageTable = {}
API: ApiTable = {}
PAGE_WRITES: WriteTable = {}
API_WRITES: ApiWriteTable = {}
SELF_SERVICE: SelfServiceTable = {}


def card_of(c: Cast) -> dict[str, int]:
    return {"session_id": published(c).pk, "student_id": c.child.pk}


def a_bundle(c: Cast) -> dict[str, int]:
    session = locked(c)
    bundle = ReportCardBundle.objects.create(
        session=session, classroom=session.classroom, requested_by=c.coordinator
    )
    return {"bundle_id": bundle.pk}


def family_outsiders(c: Cast) -> tuple[Any, ...]:
    """Another family, the child (a minor: reads, does not confirm), the classroom's teacher,
    the office (follows, is no family), another institute's office."""
    return (c.other_guardian, c.child_user, c.teacher, c.office, c.foreign_office)


def confirm_write(c: Cast) -> Write:
    session = published(c)
    return Write(
        reverse("reportcards:confirm", args=[session.pk, c.child.pk]),
        {},
        c.guardian,
        family_outsiders(c),
        (ViewConfirmation, ReportCard),
    )


def publication_write(c: Cast) -> Write:
    session = locked(c)
    return Write(
        reverse("reportcards:publication"),
        {"sessione": [session.pk], "data": "2027-06-20", "ora": "14:00"},
        c.office,
        (c.coordinator, c.teacher, c.guardian, c.child_user, c.adult_user, c.foreign_office),
        (Publication,),
    )


def bundle_write(c: Cast) -> Write:
    session = locked(c)
    return Write(
        reverse("reportcards:bundle_create", args=[session.pk]),
        {},
        c.coordinator,
        (c.teacher, c.other_teacher, c.guardian, c.child_user, c.foreign_office),
        (ReportCardBundle, ReportCard),
    )


def school_bundle_write(c: Cast) -> Write:
    session = locked(c)
    return Write(
        reverse("reportcards:school_bundle_create"),
        {"gruppo": f"{c.school.pk}-{session.term_id}-{session.kind}"},
        c.office,
        (c.coordinator, c.teacher, c.guardian, c.child_user, c.foreign_office),
        (ReportCardBundle, ReportCard),
    )


def remind_write(c: Cast) -> Write:
    session = published(c)
    return Write(
        reverse("reportcards:remind", args=[session.pk]),
        {},
        c.coordinator,
        (c.teacher, c.other_teacher, c.guardian, c.child_user, c.foreign_office),
        (ConfirmationReminder,),
    )


PAGES.update({
    "reportcards:remind": (posted, 404, 302),
    "reportcards:school_bundle_create": (posted, 404, 302),
    "reportcards:index": (lambda c: {}, 200, 302),  # every login: its own (here: nothing)
    "reportcards:publication": (lambda c: {}, 404, 302),
    "reportcards:outcomes": (lambda c: {"session_id": published(c).pk}, 404, 302),
    "reportcards:confirmations": (lambda c: {"session_id": published(c).pk}, 404, 302),
    "reportcards:bundle_create": (posted, 404, 302),
    "reportcards:bundle": (a_bundle, 404, 302),
    "reportcards:bundle_pdf": (a_bundle, 404, 302),
    "reportcards:card": (card_of, 404, 302),
    "reportcards:pdf": (card_of, 404, 302),
    "reportcards:confirm": (posted, 404, 302),
})  # fmt: skip
PAGE_WRITES.update({
    "reportcards:confirm": confirm_write,
    "reportcards:publication": publication_write,
    "reportcards:bundle_create": bundle_write,
    "reportcards:remind": remind_write,
    "reportcards:school_bundle_create": school_bundle_write,
})  # fmt: skip

CARD = "/api/v1/report-cards/{session_id}/{student_id}"


def api_confirm_write(c: Cast) -> Write:
    page = confirm_write(c)
    session_id = page.url.strip("/").split("/")[1]
    return Write(
        f"/api/v1/report-cards/{session_id}/{c.child.pk}/confirmation",
        {},
        page.rightful,
        page.outsiders,
        page.watch,
    )


API.update({
    ("get", "/api/v1/report-cards"): 200,  # the caller's own: an outsider gets []
    ("get", f"{CARD}/pdf"): 404,
    ("post", f"{CARD}/confirmation"): 404,
})  # fmt: skip
API_WRITES.update({("post", f"{CARD}/confirmation"): api_confirm_write})


# --- interim reports (pagellini): tests.reportcards.interim_support's round of 1A ---------------


def interim_open(c: Cast) -> Any:
    return interim_round(c, complete=False)


def interim_published(c: Cast) -> Any:
    return interim_round(c, published_hours=-1)


def interim_round_of(c: Cast) -> dict[str, int]:
    return {"round_id": interim_open(c).pk}


def interim_classroom_of(c: Cast) -> dict[str, int]:
    return {"round_id": interim_open(c).pk, "classroom_id": c.classroom_1a.pk}


def interim_subject_of(c: Cast) -> dict[str, int]:
    return {**interim_classroom_of(c), "subject_id": c.maths.pk}


def interim_report_of(c: Cast) -> dict[str, int]:
    return {"round_id": interim_published(c).pk, "student_id": c.child.pk}


def interim_create_write(c: Cast) -> Write:
    register_grades(c)
    return Write(
        reverse("reportcards:interim_create"),
        {"titolo": "Metà periodo", "periodo": term_of(c).pk, "classe": [c.classroom_1a.pk]},
        c.office,
        (c.coordinator, c.teacher, c.guardian, c.child_user, c.adult_user, c.foreign_office),
        (InterimRound, InterimReport, InterimMark),
    )


def interim_publish_write(c: Cast) -> Write:
    found = interim_round(c)
    return Write(
        reverse("reportcards:interim_publish", args=[found.pk]),
        {"data": "2027-02-20", "ora": "14:00"},
        c.office,
        (c.coordinator, c.teacher, c.guardian, c.child_user, c.adult_user, c.foreign_office),
        (InterimRound.objects.filter(pk=found.pk),),
    )


def interim_notes_write(c: Cast) -> Write:
    found = interim_open(c)
    return Write(
        reverse("reportcards:interim_classroom", args=[found.pk, c.classroom_1a.pk]),
        {f"nota-{c.child.pk}": "Impegno costante."},
        c.coordinator,
        (c.office, c.teacher, c.other_teacher, c.guardian, c.child_user, c.foreign_office),
        (InterimReport,),
    )


def interim_marks_write(c: Cast) -> Write:
    found = interim_open(c)
    return Write(
        reverse("reportcards:interim_subject", args=[found.pk, c.classroom_1a.pk, c.maths.pk]),
        {f"voto-{c.child.pk}": "7", f"nota-{c.child.pk}": "Migliora."},
        c.teacher,
        (c.coordinator, c.other_teacher, c.office, c.guardian, c.child_user, c.foreign_office),
        (InterimMark,),
    )


def interim_reread_write(c: Cast) -> Write:
    """A grade written after the round was made: the other child's maths entry (empty) would
    take it."""
    found = interim_open(c)
    grade(c.other_child, c.maths, "8", classroom=c.classroom_1a, day=30)
    return Write(
        reverse("reportcards:interim_reread", args=[found.pk, c.classroom_1a.pk, c.maths.pk]),
        {},
        c.teacher,
        (c.coordinator, c.other_teacher, c.office, c.guardian, c.child_user, c.foreign_office),
        (InterimMark, InterimReport),
    )


def interim_remind_write(c: Cast) -> Write:
    found = interim_published(c)
    return Write(
        reverse("reportcards:interim_remind", args=[found.pk, c.classroom_1a.pk]),
        {},
        c.coordinator,
        (c.teacher, c.other_teacher, c.guardian, c.child_user, c.foreign_office),
        (ConfirmationReminder,),
    )


def interim_confirm_write(c: Cast) -> Write:
    found = interim_published(c)
    return Write(
        reverse("reportcards:interim_confirm", args=[found.pk, c.child.pk]),
        {},
        c.guardian,
        family_outsiders(c),
        (InterimConfirmation,),
    )


PAGES.update({
    "reportcards:interim_index": (lambda c: {}, 200, 302),  # every login: its own
    "reportcards:interim_create": (lambda c: {}, 404, 302),
    "reportcards:interim_round": (interim_round_of, 404, 302),
    "reportcards:interim_publish": (posted, 404, 302),
    "reportcards:interim_classroom": (interim_classroom_of, 404, 302),
    "reportcards:interim_subject": (interim_subject_of, 404, 302),
    "reportcards:interim_reread": (posted, 404, 302),
    "reportcards:interim_report": (interim_report_of, 404, 302),
    "reportcards:interim_pdf": (interim_report_of, 404, 302),
    "reportcards:interim_confirm": (posted, 404, 302),
    "reportcards:interim_remind": (posted, 404, 302),
})  # fmt: skip
PAGE_WRITES.update({
    "reportcards:interim_create": interim_create_write,
    "reportcards:interim_publish": interim_publish_write,
    "reportcards:interim_classroom": interim_notes_write,
    "reportcards:interim_subject": interim_marks_write,
    "reportcards:interim_reread": interim_reread_write,
    "reportcards:interim_confirm": interim_confirm_write,
    "reportcards:interim_remind": interim_remind_write,
})  # fmt: skip

INTERIM = "/api/v1/interim-reports/{round_id}/{student_id}"
ENTRIES = (
    "/api/v1/interim-reports/{round_id}/classrooms/{classroom_id}/subjects/{subject_id}/entries"
)

REREAD = ENTRIES.removesuffix("/entries") + "/reread"


def api_interim_confirm_write(c: Cast) -> Write:
    page = interim_confirm_write(c)
    found = interim_published(c)
    return Write(
        f"/api/v1/interim-reports/{found.pk}/{c.child.pk}/confirmation",
        {},
        page.rightful,
        page.outsiders,
        page.watch,
    )


def api_interim_entry_write(c: Cast) -> Write:
    page = interim_marks_write(c)
    found = interim_open(c)
    return Write(
        f"/api/v1/interim-reports/{found.pk}/classrooms/{c.classroom_1a.pk}/subjects/"
        f"{c.maths.pk}/entries/{c.child.pk}",
        {"entry": "7", "note": "Migliora."},
        page.rightful,
        page.outsiders,
        page.watch,
    )


def api_interim_reread_write(c: Cast) -> Write:
    page = interim_reread_write(c)
    found = interim_open(c)
    return Write(
        f"/api/v1/interim-reports/{found.pk}/classrooms/{c.classroom_1a.pk}/subjects/"
        f"{c.maths.pk}/reread",
        {},
        page.rightful,
        page.outsiders,
        page.watch,
    )


def interim_api_ids(c: Cast) -> dict[str, int]:
    """The real objects the interim reports' API paths name: 1A's round, published."""
    return {"{round_id}": interim_published(c).pk}


API_IDS = interim_api_ids
API.update({
    ("get", "/api/v1/interim-reports"): 200,  # the caller's own: an outsider gets []
    ("get", f"{INTERIM}/pdf"): 404,
    ("post", f"{INTERIM}/confirmation"): 404,
    ("get", ENTRIES): 404,
    ("put", f"{ENTRIES}/{{student_id}}"): 404,
    ("post", REREAD): 404,
})  # fmt: skip
API_WRITES.update({
    ("post", f"{INTERIM}/confirmation"): api_interim_confirm_write,
    ("put", f"{ENTRIES}/{{student_id}}"): api_interim_entry_write,
    ("post", REREAD): api_interim_reread_write,
})  # fmt: skip
