"""The import pages (office only): everyone else, the outsider included, gets 404."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campanella.interop.models import ImportBatch
from campanella.people.models import Enrollment, Guardian, Guardianship, Student
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


def _batch(cast: Cast) -> dict[str, Any]:
    """A batch uploaded by the cast's office: the outsider must not reach it."""
    from tests.interop.helpers import People, csv_bytes, upload

    return {"pk": upload(cast, csv_bytes([People().student_row()])).pk}


PAGES: PageTable = {
    "interop:index": (lambda c: {}, 404, 302),
    "interop:upload": (lambda c: {"kind": "alunni"}, 404, 302),
    "interop:template": (lambda c: {"kind": "personale", "extension": "xlsx"}, 404, 302),
    "interop:preview": (_batch, 404, 302),
    "interop:apply": (posted, 404, 302),  # POST only: its PAGE_WRITES entry
    "interop:result": (_batch, 404, 302),
    "interop:attendance_export": (lambda c: {}, 404, 302),
    "interop:results_export": (lambda c: {}, 404, 302),
    "interop:oneroster_export": (lambda c: {}, 404, 302),
    "interop:oneroster_import": (lambda c: {}, 404, 302),
    "interop:api_keys": (lambda c: {}, 404, 302),
    "interop:attendance_range": (lambda c: {}, 404, 302),
    "interop:nightly": (lambda c: {}, 404, 302),
    "interop:nightly_file": (lambda c: {"pk": _nightly_file(c).pk}, 404, 302),
    "interop:job": (lambda c: {"pk": _job(c).pk}, 404, 302),
    "interop:job_create": (posted, 404, 302),
    "interop:job_cancel": (posted, 404, 302),
    "interop:api_key_revoke": (posted, 404, 302),
    # OneRoster REST: a bearer token of a OneRoster client or nothing (a session is no token);
    # another institute's client: tests/interop/oneroster_rest/test_provider.py.
    "oneroster:token": (lambda c: {}, 405, 405),  # POST only, a client's own credentials
    "oneroster:rostering": (
        lambda c: {"rest": f"classes/class-{c.classroom_1a.pk}-homeroom/students"},
        401,
        401,
    ),
    "oneroster:gradebook": (
        lambda c: {"rest": f"classes/class-{c.classroom_1a.pk}-{c.maths.pk}/results"},
        401,
        401,
    ),
}

EVENTS = "/api/v1/attendance/events"
RESULTS = "/api/v1/results/terms"
IMPORTS = "/api/v1/attendance/imports"
JOB_START = "/api/v1/attendance/imports/{batch_id}/job"
JOB = "/api/v1/sync-jobs/{job_id}"
JOB_CANCEL = "/api/v1/sync-jobs/{job_id}/cancel"
ONEROSTER = "/api/v1/oneroster/export"
NIGHTLY = "/api/v1/nightly-files"
ROSTER_IMPORTS = "/api/v1/oneroster/imports"
ROSTER_APPLY = "/api/v1/oneroster/imports/{batch_id}/apply"
NIGHTLY_FILE = "/api/v1/nightly-files/{file_id}/file"
API: ApiTable = {  # the office's own (or its back-office key's): anyone else, 404
    ("get", EVENTS): 404, ("get", RESULTS): 404, ("get", JOB): 404, ("post", IMPORTS): 404,
    ("post", JOB_START): 404, ("post", JOB_CANCEL): 404, ("get", ONEROSTER): 404,
    ("get", NIGHTLY): 404, ("get", NIGHTLY_FILE): 404, ("post", ROSTER_IMPORTS): 404,
    ("post", ROSTER_APPLY): 404,
}  # fmt: skip


def api_ids(c: Cast) -> dict[str, str]:
    """The events path asks its query of real objects: the institute's school, 1A's days."""
    from tests.conftest import school_day

    day = school_day(c)
    year = c.classroom_1a.school_year_id
    return {
        EVENTS: f"{EVENTS}?school={c.school.pk}&from={day}&to={day}&format=json",
        RESULTS: f"{RESULTS}?school={c.school.pk}&school_year={year}&format=json",
        "{job_id}": str(_job(c).pk),
        "{file_id}": str(_nightly_file(c).pk),
        ONEROSTER: f"{ONEROSTER}?school={c.school.pk}&school_year={year}",
    }


API_IDS = api_ids


def outsiders(c: Cast) -> tuple[Any, ...]:
    """Another institute's office, a teacher, the principal (not the office), a family."""
    return (c.foreign_office, c.teacher, c.principal, c.guardian)


def institute_a(c: Cast) -> tuple[Any, ...]:
    return (
        ImportBatch.objects.filter(institute=c.institute),
        Student.objects.filter(institute=c.institute),
        Guardian.objects.filter(institute=c.institute),
        Guardianship.objects.filter(student__institute=c.institute),
        Enrollment.objects.filter(classroom__school__institute=c.institute),
    )


def page_upload(c: Cast) -> Write:
    from tests.interop.helpers import People, csv_bytes

    upload = SimpleUploadedFile(
        "alunni.csv", csv_bytes([People(seed=11).student_row()]), content_type="text/csv"
    )
    # Another institute's office may upload, into its own institute only: nothing of A moves.
    return Write(
        reverse("interop:upload", args=["alunni"]),
        {"file": upload},
        c.office,
        outsiders(c),
        institute_a(c),
        refused_for={c.foreign_office.username: 302},
    )


def results_sent(c: Cast) -> Write:
    """1ª A's final evaluation locked: the office's download records the sending; nobody else
    reaches the page, and another institute's office cannot name institute A's school."""
    from campanella.interop.models import ResultsExport
    from tests.evaluation.session_helpers import locked_session

    session = locked_session(c)
    body = {"scuole": [c.school.pk], "anno": session.classroom.school_year_id, "formato": "csv"}
    return Write(
        reverse("interop:results_export"),
        body,
        c.office,
        outsiders(c),
        (ResultsExport.objects.filter(institute=c.institute),),
        refused_for={c.foreign_office.username: 400},
    )


def _key(c: Cast) -> Any:
    from campanella.interop.keys import api_key_create

    key, _raw = api_key_create(
        user=c.office, institute_id=c.institute.pk, name="Gestionale", scopes=["results:read"]
    )
    return key


def key_revoked(c: Cast) -> Write:
    from campanella.interop.models import ApiKey

    key = _key(c)
    return Write(
        reverse("interop:api_key_revoke", args=[key.pk]),
        {},
        c.office,
        outsiders(c),
        (ApiKey.objects.filter(pk=key.pk),),
    )


def key_created(c: Cast) -> Write:
    """Another institute's office makes keys for its own institute only: A's keys stay."""
    from campanella.interop.models import ApiKey

    return Write(
        reverse("interop:api_keys"),
        {"nome": "Area alunni", "permessi": ["attendance:read"]},
        c.office,
        outsiders(c),
        (ApiKey.objects.filter(institute=c.institute),),
        refused_for={c.foreign_office.username: 200},
    )


def _events(c: Cast) -> list[dict[str, str]]:
    from tests.interop.test_attendance_import import sample

    return sample(c)


def _range(c: Cast) -> dict[str, Any]:
    from tests.interop.test_attendance_import import days

    day, before = days(c)
    return {"scuole": [c.school.pk], "dal": before.isoformat(), "al": day.isoformat()}


def _nightly_file(c: Cast) -> Any:
    """Institute A's attendance file of tonight (its run made once)."""
    from campanella.interop import nightly
    from campanella.interop.models import NightlyFile

    found = NightlyFile.objects.filter(institute=c.institute).first()
    if found is not None:
        return found
    nightly.schedule_set(
        user=c.office, institute_id=c.institute.pk, enabled=True, school_ids=[c.school.pk],
        attendance=True, results=False,
    )  # fmt: skip
    from django.utils import timezone

    return nightly.nightly_run(c.institute.pk, timezone.localdate())[0]


def _job(c: Cast) -> Any:
    """A job of institute A left in the queue (made directly: not run)."""
    from campanella.interop.models import SyncJob
    from tests.interop.test_attendance_import import upload_events

    chosen = _range(c)
    return SyncJob.objects.create(
        institute=c.institute, batch=upload_events(c, _events(c)), school_ids=chosen["scuole"],
        start_date=chosen["dal"], end_date=chosen["al"], requested_by=c.office, days_total=2,
        rows_total=5,
    )  # fmt: skip


def _register(c: Cast) -> tuple[Any, ...]:
    from campanella.interop.models import SyncJob
    from campanella.register.models import Absence, EarlyExit, LateEntry

    return (
        SyncJob.objects.filter(institute=c.institute),
        Absence.objects.filter(student__institute=c.institute),
        LateEntry.objects.filter(student__institute=c.institute),
        EarlyExit.objects.filter(student__institute=c.institute),
    )


def job_started(c: Cast) -> Write:
    from tests.interop.test_attendance_import import upload_events

    batch = upload_events(c, _events(c))
    return Write(
        reverse("interop:job_create", args=[batch.pk]), _range(c), c.office, outsiders(c),
        _register(c),
    )  # fmt: skip


def range_uploaded(c: Cast) -> Write:
    from tests.interop.helpers import ATTENDANCE_HEADER, csv_bytes

    content = csv_bytes(_events(c), ATTENDANCE_HEADER)
    upload = SimpleUploadedFile("assenze.csv", content, content_type="text/csv")
    return Write(
        reverse("interop:attendance_range"), {"file": upload, **_range(c)}, c.office,
        outsiders(c), (ImportBatch.objects.filter(institute=c.institute),),
        refused_for={c.foreign_office.username: 400},  # A's school is not among B's
    )  # fmt: skip


def job_cancelled(c: Cast) -> Write:
    from campanella.interop.models import SyncJob

    job = _job(c)
    return Write(
        reverse("interop:job_cancel", args=[job.pk]), {}, c.office, outsiders(c),
        (SyncJob.objects.filter(pk=job.pk),),
    )  # fmt: skip


def nightly_scheduled(c: Cast) -> Write:
    """Another institute's office cannot name A's school: its form is refused, A's run kept."""
    from campanella.interop.models import NightlySchedule

    return Write(
        reverse("interop:nightly"), {"attiva": "on", "scuole": [c.school.pk], "assenze": "on"},
        c.office, outsiders(c), (NightlySchedule.objects.filter(institute=c.institute),),
        refused_for={c.foreign_office.username: 400},
    )  # fmt: skip


PAGE_WRITES: WriteTable = {
    "interop:nightly": nightly_scheduled,
    "interop:job_create": job_started,
    "interop:attendance_range": range_uploaded,
    "interop:job_cancel": job_cancelled,
    "interop:api_keys": key_created,
    "interop:api_key_revoke": key_revoked,
    "interop:results_export": results_sent,
    "interop:upload": page_upload,
    "interop:oneroster_import": lambda c: roster_uploaded(c),
    "interop:apply": lambda c: Write(
        reverse("interop:apply", args=[_batch(c)["pk"]]),
        {},
        c.office,
        outsiders(c),
        institute_a(c),
    ),
}


def api_import_uploaded(c: Cast) -> Write:
    from tests.interop.helpers import ATTENDANCE_HEADER, csv_bytes

    content = csv_bytes(_events(c), ATTENDANCE_HEADER)
    chosen = _range(c)
    return Write(
        IMPORTS,
        {
            "file": SimpleUploadedFile("assenze.csv", content, content_type="text/csv"),
            "school": chosen["scuole"], "from": chosen["dal"], "to": chosen["al"],
        },
        c.office, outsiders(c), (ImportBatch.objects.filter(institute=c.institute),),
        refused_for={c.foreign_office.username: 400},  # A's school is not among B's
    )  # fmt: skip


def api_job_started(c: Cast) -> Write:
    from tests.interop.test_attendance_import import upload_events

    batch = upload_events(c, _events(c))
    chosen = _range(c)
    return Write(
        JOB_START.replace("{batch_id}", str(batch.pk)),
        {"school": chosen["scuole"], "from": chosen["dal"], "to": chosen["al"]},
        c.office, outsiders(c), _register(c),
    )  # fmt: skip


def api_job_cancelled(c: Cast) -> Write:
    from campanella.interop.models import SyncJob

    job = _job(c)
    return Write(
        JOB_CANCEL.replace("{job_id}", str(job.pk)), {}, c.office, outsiders(c),
        (SyncJob.objects.filter(pk=job.pk),),
    )  # fmt: skip


def _roster_bundle(c: Cast) -> Any:
    """Institute A's own OneRoster export where the child leaves 1A at the end of lessons: the
    preview would close an enrolment of 1A (a closed day says so)."""
    from tests.interop.oneroster_import.helpers import exported, pack, unpack

    files, headers = unpack(exported(c))
    leaving = c.classroom_1a.school_year.lessons_end.isoformat()
    for row in files["enrollments.csv"]:
        if row["userSourcedId"] == f"student-{c.child.pk}" and row["sourcedId"].endswith(
            "-homeroom"
        ):
            row["endDate"] = leaving
    content = pack(files, headers)
    return SimpleUploadedFile("oneroster.zip", content, content_type="application/zip")


def roster_uploaded(c: Cast) -> Write:
    """The office uploads a OneRoster bundle (a preview, kept as a batch); another institute's
    office may upload too, into its own institute only: nothing of A moves."""
    return Write(
        reverse("interop:oneroster_import"), {"file": _roster_bundle(c)}, c.office,
        outsiders(c), institute_a(c), refused_for={c.foreign_office.username: 302},
    )  # fmt: skip


def api_roster_uploaded(c: Cast) -> Write:
    return Write(
        ROSTER_IMPORTS, {"file": _roster_bundle(c)}, c.office, outsiders(c), institute_a(c),
        refused_for={c.foreign_office.username: 200},  # into B: A's batches stay as they are
    )  # fmt: skip


def api_roster_applied(c: Cast) -> Write:
    """Institute A's OneRoster batch (its own export: applying it changes the batch only):
    another institute's office cannot apply it, 404 and nothing written."""
    from tests.interop.oneroster_import.helpers import exported, upload

    batch, _plan = upload(c, exported(c))
    return Write(
        ROSTER_APPLY.replace("{batch_id}", str(batch.pk)), {}, c.office, outsiders(c),
        institute_a(c),
    )  # fmt: skip


API_WRITES: ApiWriteTable = {
    ("post", ROSTER_IMPORTS): api_roster_uploaded,
    ("post", ROSTER_APPLY): api_roster_applied,
    ("post", IMPORTS): api_import_uploaded,
    ("post", JOB_START): api_job_started,
    ("post", JOB_CANCEL): api_job_cancelled,
}
SELF_SERVICE: SelfServiceTable = {
    "oneroster:token": "OAuth 2 client credentials: issues a token to the client whose own id "
    "and secret are sent, nothing else can be named; wrong secret, revoked or foreign key and "
    "scopes not granted: tests/interop/oneroster_rest/test_provider.py",
}
