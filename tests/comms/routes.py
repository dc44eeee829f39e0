"""Routes of notices (/comunicazioni/ and /api/v1/notices): what an outsider gets, and every
write with a valid body on a real object (tests/routes.py explains the tables). The notices
are the office's, to 1ª A's families or to the child's family alone."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campanella.comms.notices.models import (
    AudienceScope,
    Notice,
    NoticeAttachment,
    NoticeConsent,
    NoticeRecipient,
    NoticeReminder,
)
from campanella.comms.notices.services import audience_of, notice_consent, notice_publish
from campanella.comms.notifications.models import Notification
from tests.comms.support import draft, trip
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

PAGES: PageTable = {}
API: ApiTable = {}
PAGE_WRITES: WriteTable = {}
API_WRITES: ApiWriteTable = {}
SELF_SERVICE: SelfServiceTable = {}

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def family_notice(c: Cast, **changes: Any) -> Notice:
    """To the child's family only (chosen families), asking consent per child and a read
    confirmation."""
    values: dict[str, Any] = {
        "audience": audience_of(AudienceScope.FAMILIES, [], student_ids=[c.child.pk]),
        "requires_confirmation": True,
    }
    return trip(c, **{**values, **changes})


def with_attachment(c: Cast) -> dict[str, int]:
    notice = notice_publish(
        user=c.office,
        draft=draft(c, audience=audience_of(AudienceScope.FAMILIES, [], student_ids=[c.child.pk])),
        files=[SimpleUploadedFile("programma.pdf", PDF, "application/pdf")],
    )
    return {"notice_id": notice.pk, "attachment_id": NoticeAttachment.objects.get(notice=notice).pk}


def with_consent_file(c: Cast) -> dict[str, int]:
    notice = family_notice(c)
    consent, _ = notice_consent(
        user=c.guardian, notice_id=notice.pk, agrees=True, student_id=c.child.pk,
        upload=SimpleUploadedFile("delega.pdf", PDF, "application/pdf"),
    )  # fmt: skip
    return {"notice_id": notice.pk, "consent_id": consent.pk}


def notice_of(c: Cast) -> dict[str, int]:
    return {"notice_id": family_notice(c).pk}


def family_outsiders(c: Cast) -> tuple[Any, ...]:
    """Another family, the child (not addressed), the classroom's teacher, the office (follows,
    did not receive it), another institute's office."""
    return (c.other_guardian, c.child_user, c.teacher, c.office, c.foreign_office)


def confirm_write(c: Cast) -> Write:
    notice = family_notice(c)
    return Write(
        reverse("comms:notice_confirm", args=[notice.pk]), {}, c.guardian, family_outsiders(c),
        (NoticeRecipient.objects.filter(notice=notice),),
    )  # fmt: skip


def consent_write(c: Cast) -> Write:
    notice = family_notice(c)
    url = reverse("comms:notice_consent", args=[notice.pk])
    return Write(
        url,
        {"risposta": "si", "alunno": c.child.pk, "note": "Va bene"},
        c.guardian,
        family_outsiders(c),
        (NoticeConsent, NoticeRecipient.objects.filter(notice=notice)),
        # The guardian, a recipient, answering for a child not theirs.
        crossed=((c.guardian, url, {"risposta": "si", "alunno": c.other_child.pk}, 404),),
    )


def create_write(c: Cast) -> Write:
    """The maths teacher of 1ª A writes to 1ª A's families; 2ª B's teacher, sending the same
    valid body (1ª A is not theirs), is refused and nothing is written."""
    return Write(
        reverse("comms:notice_create"),
        {
            "tipo": "avviso", "oggetto": "Verifica di matematica", "testo": "Martedì verifica.",
            "ambito": "classi", "ruolo": ["famiglie"], "classe": [c.classroom_1a.pk],
        },
        c.teacher,
        (c.other_teacher, c.guardian, c.child_user, c.adult_user, c.foreign_office),
        (Notice, NoticeRecipient),
    )  # fmt: skip


def remind_write(c: Cast) -> Write:
    notice = family_notice(c)
    return Write(
        reverse("comms:notice_remind", args=[notice.pk]), {}, c.office,
        (c.teacher, c.other_teacher, c.guardian, c.child_user, c.foreign_office),
        (NoticeReminder,),
    )  # fmt: skip


def withdraw_write(c: Cast) -> Write:
    """The office withdraws its notice; the classroom's teachers (not its author), the family
    that received it, the child and another institute's office send the same valid body and
    are refused, and nothing is written (no withdrawal, no recipient hidden, no notification)."""
    notice = family_notice(c)
    return Write(
        reverse("comms:notice_withdraw", args=[notice.pk]), {"motivo": "Data sbagliata"},
        c.office, (c.teacher, c.other_teacher, c.guardian, c.child_user, c.foreign_office),
        (Notice.objects.filter(withdrawn_at__isnull=False), NoticeRecipient, Notification),
    )  # fmt: skip


PAGES.update({
    "comms:notice_list": (lambda c: {}, 200, 302),  # every login: its own (here: nothing)
    "comms:notice_create": (lambda c: {}, 404, 302),
    "comms:notice_sent": (lambda c: {}, 404, 302),
    "comms:notice_detail": (notice_of, 404, 302),
    "comms:notice_confirm": (posted, 404, 302),
    "comms:notice_consent": (posted, 404, 302),
    "comms:notice_attachment": (with_attachment, 404, 302),
    "comms:notice_consent_file": (with_consent_file, 404, 302),
    "comms:notice_tracking": (notice_of, 404, 302),
    "comms:notice_export": (notice_of, 404, 302),
    "comms:notice_remind": (posted, 404, 302),
    "comms:notice_withdraw": (posted, 404, 302),
})  # fmt: skip
PAGE_WRITES.update({
    "comms:notice_create": create_write,
    "comms:notice_confirm": confirm_write,
    "comms:notice_consent": consent_write,
    "comms:notice_remind": remind_write,
    "comms:notice_withdraw": withdraw_write,
})  # fmt: skip

NOTICE = "/api/v1/notices/{notice_id}"


def api_write(page: Write, suffix: str, body: dict[str, Any]) -> Write:
    notice_id = page.url.strip("/").split("/")[1]
    return Write(
        f"/api/v1/notices/{notice_id}/{suffix}", body, page.rightful, page.outsiders, page.watch
    )


def api_read_write(c: Cast) -> Write:
    return api_write(confirm_write(c), "read", {})


def api_confirm_write(c: Cast) -> Write:
    return api_write(confirm_write(c), "confirmation", {})


def api_consent_write(c: Cast) -> Write:
    page = consent_write(c)
    notice_id = page.url.strip("/").split("/")[1]
    url = f"/api/v1/notices/{notice_id}/consent"
    return Write(
        url, {"agrees": True, "student_id": c.child.pk}, page.rightful, page.outsiders, page.watch,
        crossed=((c.guardian, url, {"agrees": True, "student_id": c.other_child.pk}, 404),),
    )  # fmt: skip


API.update({
    ("get", "/api/v1/notices"): 200,  # the caller's own: an outsider gets none
    ("get", NOTICE): 404,
    ("post", f"{NOTICE}/read"): 404,
    ("post", f"{NOTICE}/confirmation"): 404,
    ("post", f"{NOTICE}/consent"): 404,
})  # fmt: skip
API_WRITES.update({
    ("post", f"{NOTICE}/read"): api_read_write,
    ("post", f"{NOTICE}/confirmation"): api_confirm_write,
    ("post", f"{NOTICE}/consent"): api_consent_write,
})  # fmt: skip


def notice_api_ids(c: Cast) -> dict[str, int]:
    return {"{notice_id}": family_notice(c).pk}


# --- the other areas of communications, each in its own module ------------------------------
from tests.comms import (  # noqa: E402
    routes_calendar,
    routes_materials,
    routes_meetings,
    routes_messages,
    routes_notifications,
)

AREAS = (
    routes_calendar, routes_materials, routes_meetings, routes_messages, routes_notifications,
)  # fmt: skip
for area in AREAS:
    PAGES.update(area.PAGES)
    API.update(area.API)
    PAGE_WRITES.update(area.PAGE_WRITES)
    API_WRITES.update(area.API_WRITES)
    SELF_SERVICE.update(getattr(area, "SELF_SERVICE", {}))


def API_IDS(c: Cast) -> dict[str, int]:  # noqa: N802 - the name the route tests look up
    ids = notice_api_ids(c)
    for area in AREAS:
        area_ids = getattr(area, "api_ids", None) or getattr(area, "API_IDS", None)
        if area_ids is not None:
            ids.update(area_ids(c))
    return ids
