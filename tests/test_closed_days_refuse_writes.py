"""Every page and API write, on a day closed by a locked term-end evaluation (issue 12, item 1).

The writes are those of tests/<app>/routes.py (a valid body on a real object of classroom 1A or
of its students, and the user for whom it succeeds: see tests/test_outsiders_cannot_write.py).
Each is either GUARDED — it feeds a session: with 1A's year closed the page shows the Italian
message and the API answers 409 `giorno_chiuso`, and nothing a session is fed by changes; once
reopened, the same request writes — or listed in UNGUARDED with the reason it feeds no session
(it must then still work on a closed day). A new write fails `test_every_write_is_classified`
until it is put in one of the two; the evaluation's own writes (its session's records, locked
by its own step machine) are recognized by their URL.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from campanella.school.guard import period_reopen
from tests.comms.routes_meetings import UNGUARDED as MEETINGS_UNGUARDED
from tests.conftest import Cast
from tests.routes import Write
from tests.school.closed_days import FED, HOLDER, close, fingerprint, says_closed
from tests.test_outsiders_cannot_write import (
    API_WRITES,
    PAGE_WRITES,
    api_client,
    page_client,
    send,
    shared_handler,
)

pytestmark = pytest.mark.django_db

GUARDED_PAGES = {
    "register:sign", "register:roll_call", "register:late", "register:early_exit",
    "register:hour_absence", "register:off_site", "register:cancel_event", "register:note",
    "register:note_cancel", "register:measure", "register:annotation",
    "register:annotation_cancel", "register:waiver", "register:decide", "register:justify",
    "register:justification_edit", "register:justification_withdraw",
    "grades:book_save", "grades:detail",
    "people:office_withdraw", "people:office_transfer", "people:office_move",
    "people:office_calendar_province", "people:office_calendar_closure",
    "interop:apply", "interop:job_create",
}  # fmt: skip
# The upload only previews: the closed day is told on the file's line, nothing is written.
PREVIEW_PAGES = {"interop:upload", "interop:attendance_range", "interop:oneroster_import"}
GUARDED_API = {
    ("post", "/api/v1/classrooms/{classroom_id}/register/{day}/signatures"),
    ("put", "/api/v1/classrooms/{classroom_id}/register/{day}/roll-call"),
    ("put", "/api/v1/classrooms/{classroom_id}/register/{day}/hour-absences"),
    ("post", "/api/v1/classrooms/{classroom_id}/register/{day}/late-entries"),
    ("post", "/api/v1/classrooms/{classroom_id}/register/{day}/early-exits"),
    ("post", "/api/v1/classrooms/{classroom_id}/register/{day}/off-site"),
    ("post", "/api/v1/classrooms/{classroom_id}/notes"),
    ("post", "/api/v1/classrooms/{classroom_id}/annotations"),
    ("post", "/api/v1/classrooms/{classroom_id}/waivers"),
    ("post", "/api/v1/justifications/{justification_id}/decision"),
    ("post", "/api/v1/students/{student_id}/justifications"),
    ("delete", "/api/v1/students/{student_id}/justifications/{justification_id}"),
    ("post", "/api/v1/classrooms/{classroom_id}/subjects/{subject_id}/grades"),
    ("post", "/api/v1/classrooms/{classroom_id}/notes/{note_id}/cancel"),
    ("post", "/api/v1/classrooms/{classroom_id}/register/{day}/events/{kind}/{event_id}/cancel"),
    ("put", "/api/v1/students/{student_id}/justifications/{justification_id}"),
    ("put", "/api/v1/grades/{grade_id}"),
    ("post", "/api/v1/grades/{grade_id}/cancel"),
    ("put", "/api/v1/grades/{grade_id}/details"),
    ("post", "/api/v1/classrooms/{classroom_id}/annotations/{annotation_id}/cancel"),
    ("put", "/api/v1/classrooms/{classroom_id}/notes/{note_id}/measure"),
}
LOGINS = "logins, sessions and credentials: nothing a session is fed by"
UNGUARDED: dict[Any, str] = {
    "register:agenda": "homework and tests planned ahead, not an evaluation's input",
    ("post", "/api/v1/classrooms/{classroom_id}/agenda"): "the agenda, as its page",
    "people:office_guardian_add": "the family's links, not the student's school record",
    "people:office_guardian_remove": "the family's links, not the student's school record",
    # Report cards are made from a locked session: its output, never its input.
    "reportcards:publication": "when families see a locked session's report cards",
    "reportcards:confirm": "a family's confirmation of viewing, after the lock",
    "reportcards:bundle_create": "the PDFs of a locked session, not what it is fed by",
    "reportcards:remind": "an e-mail to families about a locked session's report cards",
    "reportcards:school_bundle_create": "the PDFs of a school's locked sessions",
    "interop:results_export": "records that a locked session's results were sent, its output",
    "interop:api_keys": "a key for the back-office's program, no school record",
    "interop:job_cancel": "stops an import between two days: writes no register record",
    "interop:nightly": "when the nightly files for the back-office are made: no school record",
    ("post", "/api/v1/attendance/imports"): "the preview: a closed day is a problem on its line",
    ("post", "/api/v1/attendance/imports/{batch_id}/job"): (
        "refused as the preview's problems, by line (400 file_problems), the closed day included"
    ),
    ("post", "/api/v1/sync-jobs/{job_id}/cancel"): "stops an import: writes no register record",
    ("post", "/api/v1/oneroster/imports"): "the preview: a closed day is a problem on its line",
    ("post", "/api/v1/oneroster/imports/{batch_id}/apply"): (
        "refused as the preview's problems, by file and line (400 file_problems), the closed "
        "day included; as its page (interop:apply, guarded)"
    ),
    "interop:api_key_revoke": "a key for the back-office's program, no school record",
    (
        "post",
        "/api/v1/report-cards/{session_id}/{student_id}/confirmation",
    ): "a family's confirmation of viewing, as its page",
    # Interim reports (pagellini) read the register; no scrutinio reads them.
    "reportcards:interim_create": "an interim report reads the register, feeds no session",
    "reportcards:interim_publish": "when families see an interim report",
    "reportcards:interim_classroom": "the coordinator's notes of an interim report",
    "reportcards:interim_subject": "a teacher's entries of an interim report, not the register",
    "reportcards:interim_confirm": "a family's confirmation of viewing an interim report",
    "reportcards:interim_remind": "an e-mail to families about an interim report",
    ("post", "/api/v1/interim-reports/{round_id}/{student_id}/confirmation"): (
        "a family's confirmation of viewing an interim report, as its page"
    ),
    (
        "put",
        "/api/v1/interim-reports/{round_id}/classrooms/{classroom_id}/subjects/{subject_id}"
        "/entries/{student_id}",
    ): "a teacher's entry of an interim report, as its page",
    "reportcards:interim_reread": "an interim report reads the register again, feeds no session",
    (
        "post",
        "/api/v1/interim-reports/{round_id}/classrooms/{classroom_id}/subjects/{subject_id}/reread",
    ): "an interim report reads the register again, as its page",
    # Class documents: plans, syllabi and reports a teacher uploads; no session reads them.
    "classdocs:upload": "a teacher's class document (a PDF), not a register record",
    "classdocs:withdraw": "a teacher's class document withdrawn, its history kept",
    "classdocs:deadline": "the office's deadline for class documents",
    "classdocs:publish": "when families see a kind of class documents",
    "classdocs:publish_document": "when families see one class document",
    "classdocs:remind": "an e-mail to teachers about missing class documents",
    ("post", "/api/v1/classrooms/{classroom_id}/documents"): "a class document, as its page",
    # Notices (comms): the school's communications, not a register record.
    "comms:notice_create": "a notice of the school to families or staff",
    "comms:notice_confirm": "a recipient's confirmation of having read a notice",
    "comms:notice_consent": "a family's consent to a notice (a trip), not a school record",
    "comms:notice_remind": "an e-mail to recipients who have not answered a notice",
    "comms:notice_withdraw": "the withdrawal of a notice of the school, not a register record",
    # The private calendar feed (comms.calendar): a login's own credential, like an API token.
    "comms:calendar_feed": "one's own calendar feed: " + LOGINS,
    ("post", "/api/v1/calendar-feed"): "one's own calendar feed, as its page",
    ("delete", "/api/v1/calendar-feed"): "one's own calendar feed, as its page",
    ("post", "/api/v1/notices/{notice_id}/read"): "a notice read, as its page",
    ("post", "/api/v1/notices/{notice_id}/confirmation"): "a notice confirmed, as its page",
    ("post", "/api/v1/notices/{notice_id}/consent"): "a notice's consent, as its page",
    # Messages (comms): correspondence between families and the school, not a register record.
    "comms:message_create": "a message to a family or a teacher, not a register record",
    "comms:message_reply": "a reply in a message thread, not a register record",
    "comms:message_broadcast": "the office's message to classrooms' families",
    "comms:message_hours": "when teachers receive families' messages",
    ("post", "/api/v1/messages"): "a message, as its page",
    ("post", "/api/v1/messages/{thread_id}/replies"): "a reply, as its page",
    ("post", "/api/v1/messages/{thread_id}/read"): "a thread's unread state, nobody's record",
    ("post", "/api/v1/message-broadcasts"): "the office's message to classrooms' families",
    ("post", "/api/v1/messages/with-attachments"): "a message with files, as its page",
    ("post", "/api/v1/messages/{thread_id}/replies/with-attachments"): (
        "a reply with files, as its page"
    ),
    ("post", "/api/v1/message-broadcasts/with-attachments"): (
        "the office's message to classrooms' families with files, as its page"
    ),
    ("put", "/api/v1/message-hours"): "when teachers receive families' messages, as its page",
    ("put", "/api/v1/message-inbox"): "a teacher's own choice to receive messages off hours",
    **MEETINGS_UNGUARDED,  # meetings (comms): bookings and slots feed no session
    # Teaching materials (comms): what a teacher shares, not a register record.
    "comms:material_create": "a teacher's teaching material, not a register record",
    "comms:material_edit": "a teacher's teaching material, not a register record",
    "comms:material_delete": "a teacher's teaching material, not a register record",
    "comms:material_share": "a teacher's teaching material, shared to their classrooms",
    ("post", "/api/v1/materials/{material_id}/shares"): "teaching material shared, as its page",
    ("post", "/api/v1/materials/classrooms/{classroom_id}/subjects/{subject_id}/folders"): (
        "a folder of teaching material, as its page"
    ),
    ("post", "/api/v1/materials/classrooms/{classroom_id}/subjects/{subject_id}/links"): (
        "a link of teaching material, as its page"
    ),
    ("post", "/api/v1/materials/classrooms/{classroom_id}/subjects/{subject_id}/files"): (
        "a file of teaching material, as its page"
    ),
    ("patch", "/api/v1/materials/{material_id}"): "teaching material changed, as its page",
    ("delete", "/api/v1/materials/{material_id}"): "teaching material deleted, as its page",
    # Notifications (comms): a login's own bell, preferences and devices; the school's delay.
    **dict.fromkeys(
        [name for name in PAGE_WRITES if name.startswith("comms:notification_")]
        + [key for key in API_WRITES if key[1].startswith("/api/v1/notifications")],
        "notifications: what a login is told and how, never a register record",
    ),
    **dict.fromkeys(
        [name for name in PAGE_WRITES if name.startswith("accounts:")]
        + [("post", "/api/v1/auth/token"), ("delete", "/api/v1/auth/token")],
        LOGINS,
    ),
}


def the_evaluations_own(key: Any) -> bool:
    """The evaluation's own records (proposals, marks, steps): its session refuses them once
    locked (its step machine), whatever the day; they are what the lock keeps, not its input."""
    if isinstance(key, str):
        return key.startswith("evaluation:")
    return str(key[1]).startswith("/api/v1/evaluation")


def test_every_write_is_classified() -> None:
    guarded = GUARDED_PAGES | PREVIEW_PAGES | GUARDED_API
    assert not guarded & set(UNGUARDED)
    writes = {key for key in (*PAGE_WRITES, *API_WRITES) if not the_evaluations_own(key)}
    assert writes == guarded | set(UNGUARDED), (
        "a new write feeds a term-end evaluation (guard it and list it here) or not (say why)"
    )


def clients(write: Write, api: bool) -> Client:
    client = (api_client if api else page_client)(write.rightful)
    client.handler = shared_handler(client)
    if write.prepare is not None:
        write.prepare(client)
    return client


def reopen(cast: Cast) -> None:
    period_reopen(holder=HOLDER, user=cast.principal, reason="Verbale da correggere")


def sent(client: Client, method: str, write: Write, api: bool) -> Any:
    if api:
        return send(client, method, write.url, write.body, api=True)
    for value in write.body.values():
        if hasattr(value, "seek"):
            value.seek(0)
    return client.post(write.url, write.body, follow=True)


def text_of(response: Any) -> str:
    """The page, or a file streamed (an export of a locked session's output)."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8-sig", "replace")
    return response.content.decode()


def check_guarded(cast: Cast, write: Write, method: str, api: bool, writes: bool) -> None:
    client = clients(write, api)
    close(cast)  # the whole school year of 1A
    before = fingerprint()
    response = sent(client, method, write, api)
    if api:
        assert response.status_code == 409, response.content[:300]
        body = response.json()
        assert body["code"] == "giorno_chiuso"
        assert says_closed(body["message"])
    else:
        assert response.status_code == 200
        assert says_closed(response.content.decode()), "the page does not say the day is closed"
    assert fingerprint() == before, f"{method.upper()} {write.url} wrote on a closed day"
    reopen(cast)
    reopened = fingerprint()
    response = sent(client, method, write, api)
    assert response.status_code < 400
    assert not says_closed(text_of(response))
    if writes:
        assert fingerprint() != reopened, f"{write.url} writes nothing even on an open day"


@pytest.mark.parametrize("name", sorted(GUARDED_PAGES | PREVIEW_PAGES))
def test_a_page_refuses_a_closed_day_with_its_message(cast: Cast, name: str) -> None:
    check_guarded(cast, PAGE_WRITES[name](cast), "post", api=False, writes=name in GUARDED_PAGES)


@pytest.mark.parametrize(("method", "path"), sorted(GUARDED_API))
def test_the_api_answers_409_on_a_closed_day(cast: Cast, method: str, path: str) -> None:
    check_guarded(cast, API_WRITES[(method, path)](cast), method, api=True, writes=True)


@pytest.mark.parametrize("name", sorted(n for n in UNGUARDED if isinstance(n, str)))
def test_a_write_that_feeds_no_session_works_on_a_closed_day(cast: Cast, name: str) -> None:
    write = PAGE_WRITES[name](cast)
    client = clients(write, api=False)
    close(cast)
    response = sent(client, "post", write, api=False)
    assert response.status_code < 400
    assert not says_closed(text_of(response))


def test_the_closed_day_tables_are_those_the_evaluation_reads() -> None:
    labels = {model._meta.label for model in FED}
    assert {
        "grades.Grade",
        "register.Absence",
        "people.Enrollment",
        "school.Term",
        "school.Closure",
    } <= labels
