"""Routes of report cards (/pagelle/ and /api/v1/report-cards): what an outsider gets, and every
write with a valid body on a real object (tests/routes.py explains the tables). The objects are
those of tests.reportcards.support: 1ª A's locked final session, published an hour ago."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from campanella.reportcards.models import (
    ConfirmationReminder,
    Publication,
    ReportCard,
    ReportCardBundle,
    ViewConfirmation,
)
from tests.conftest import Cast
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
