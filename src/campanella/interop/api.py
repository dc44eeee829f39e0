"""API of the exchange with the back-office (the office's token): attendance events out under
/api/v1/attendance and locked term results under /api/v1/results, as on the office's export
pages (interop.attendance_export, interop.results_export). Anyone but
the institute's office is answered 404, as for something missing; a school of another
institute is refused by name and nothing is read."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Literal

from django.http import Http404, HttpRequest, StreamingHttpResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from campanella.evaluation.models import SessionKind
from campanella.interop import attendance_export as export
from campanella.interop import results_export as results
from campanella.interop import sync_jobs
from campanella.interop.forms import MAX_EXPORT_DAYS
from campanella.interop.limits import ATTENDANCE_LIMITS, upload_too_big
from campanella.interop.models import (
    ApiKey,
    ImportBatch,
    KeyScope,
    NightlyFile,
    ResultsExportChannel,
    SyncJob,
)
from campanella.interop.plan import Plan
from campanella.interop.rules import office_staff
from campanella.interop.views import export_response
from campanella.interop.views_nightly import file_response
from campanella.interop.views_results import results_response
from campanella.lib.api_errors import ErrorOut, error_body
from campanella.lib.ids import Id
from campanella.people.models import User
from campanella.school.models import School, SchoolYear

# campanella.api adds this router with the back-office's key (interop.keys) tried before a
# person's token: `request.auth` is then an ApiKey or a User.
router = Router(tags=["scambio con il gestionale"])


@dataclass(frozen=True)
class Caller:
    """Who asks: the institute, and the office's user or the back-office's key."""

    institute_id: int
    user_id: int | None = None
    api_key_id: int | None = None


def caller_for(request: HttpRequest, scope: KeyScope) -> Caller:
    """The institute's office, or a key of the institute with `scope`; anyone else 404."""
    if isinstance(request.auth, ApiKey):  # type: ignore[attr-defined]
        key: ApiKey = request.auth  # type: ignore[attr-defined]
        if key.allows(scope):
            return Caller(institute_id=key.institute_id, api_key_id=key.pk)
        raise Http404
    staff = office_staff(request.user)
    if staff is None:
        raise Http404
    return Caller(institute_id=staff.institute_id, user_id=request.user.pk)


ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class EventsQuery(Schema):
    school: list[int] = Field(description="id delle scuole (plessi) dell'istituto; almeno una")
    start: datetime.date = Field(alias="from", description="primo giorno (aaaa-mm-gg)")
    end: datetime.date = Field(alias="to", description="ultimo giorno (aaaa-mm-gg)")
    since: datetime.datetime | None = Field(
        None, description="solo gli eventi cambiati dopo questo momento (anche gli annullati)"
    )
    format: Literal["json", "csv", "xlsx"] = Field("json", description="formato del file")


def _known_schools(institute_id: int, asked: list[int]) -> set[int] | None:
    """The schools asked for, when every one is the institute's; None otherwise."""
    chosen = set(asked)
    known = set(
        School.objects.filter(institute_id=institute_id, pk__in=chosen).values_list("pk", flat=True)
    )
    return known if chosen and not chosen - known else None


@router.get(
    "/attendance/events",
    response={200: None, **ERRORS},
    summary="Eventi di presenza per il gestionale (assenze, entrate, uscite), per scuole e date",
)
def attendance_events(request: HttpRequest, query: Query[EventsQuery]) -> Any:
    caller = caller_for(request, KeyScope.ATTENDANCE_READ)
    if query.end < query.start:
        return Status(400, error_body("range_reversed", "L'ultimo giorno viene prima del primo."))
    if (query.end - query.start).days >= MAX_EXPORT_DAYS:
        message = f"Al massimo {MAX_EXPORT_DAYS} giorni per volta."
        return Status(400, error_body("range_too_long", message))
    known = _known_schools(caller.institute_id, query.school)
    if known is None:
        return Status(
            400, error_body("school_unknown", "Scuola non trovata fra quelle dell'istituto.")
        )
    selection = export.Selection(
        institute_id=caller.institute_id, school_ids=tuple(sorted(known)), start=query.start,
        end=query.end, since=query.since,
    )  # fmt: skip
    response: StreamingHttpResponse = export_response(selection, query.format)
    return response


class TermResultsQuery(Schema):
    school: list[int] = Field(description="id delle scuole (plessi) dell'istituto; almeno una")
    school_year: int = Field(description="id dell'anno scolastico")
    kind: list[SessionKind] = Field(
        default_factory=list, description="tipi di scrutinio (tutti se non indicati)"
    )
    format: Literal["json", "csv", "xlsx"] = Field("json", description="formato del file")


@router.get(
    "/results/terms",
    response={200: None, **ERRORS},
    summary="Esiti degli scrutini chiusi per il gestionale (l'invio resta registrato)",
)
def term_results(request: HttpRequest, query: Query[TermResultsQuery]) -> Any:
    caller = caller_for(request, KeyScope.RESULTS_READ)
    known = _known_schools(caller.institute_id, query.school)
    if known is None:
        return Status(
            400, error_body("school_unknown", "Scuola non trovata fra quelle dell'istituto.")
        )
    years = SchoolYear.objects.filter(institute_id=caller.institute_id)
    if not years.filter(pk=query.school_year).exists():
        return Status(400, error_body("school_year_unknown", "Anno scolastico non trovato."))
    selection = results.ResultsSelection(
        institute_id=caller.institute_id, school_ids=tuple(sorted(known)),
        school_year_id=query.school_year, kinds=tuple(kind.value for kind in query.kind),
    )  # fmt: skip
    sessions = list(results.locked_sessions(selection))
    sender = results.Sender(
        institute_id=caller.institute_id, user_id=caller.user_id, api_key_id=caller.api_key_id,
        channel=ResultsExportChannel.API,
    )  # fmt: skip
    return results_response(sender, sessions, query.format)


# --- attendance in, for chosen schools and days, as a background job --------------------------


class ProblemOut(Schema):
    line: int | None = Field(description="riga del file (1 è l'intestazione); null: il file")
    message: str


class ImportPreviewOut(Schema):
    batch_id: int
    ok: bool = Field(description="vero se si può avviare l'importazione")
    counts: dict[str, int] = Field(
        description="righe nuove (created), cambiate (updated), uguali (unchanged), in "
        "conflitto (conflict), rifiutate (rejected)"
    )
    unknown_students: int
    problems: list[ProblemOut]


class JobIn(Schema):
    school: list[int] = Field(description="id delle scuole (plessi) dell'istituto; almeno una")
    start: datetime.date = Field(alias="from", description="primo giorno (aaaa-mm-gg)")
    end: datetime.date = Field(alias="to", description="ultimo giorno (aaaa-mm-gg)")


class LogLineOut(Schema):
    at: str
    message: str


class JobOut(Schema):
    id: int
    batch_id: int
    status: str = Field(description="in_coda, in_corso, completato, annullato, non_riuscito")
    start: datetime.date
    end: datetime.date
    days_total: int
    days_done: int
    rows_total: int
    rows_done: int
    rows_per_second: float | None
    seconds_left: int | None
    written: dict[str, int]
    cancel_requested: bool
    log: list[LogLineOut]


def job_out(job: SyncJob) -> JobOut:
    rate = job.rows_per_second()
    return JobOut(
        id=job.pk, batch_id=job.batch_id, status=job.status, start=job.start_date,
        end=job.end_date, days_total=job.days_total, days_done=job.days_done,
        rows_total=job.rows_total, rows_done=job.rows_done,
        rows_per_second=None if rate is None else round(rate, 1),
        seconds_left=job.seconds_left(), written=job.written,
        cancel_requested=job.cancel_requested,
        log=[LogLineOut(**entry) for entry in job.log[-100:]],
    )  # fmt: skip


def _problems(plan: Plan) -> list[ProblemOut]:
    return [ProblemOut(line=p.line, message=p.message) for p in plan.sorted_problems()]


def _uploader(caller: Caller) -> User | None:
    """Who the register's history names for an import: the office's user, or for a key the
    user who created it (a machine writes on the office's behalf)."""
    if caller.user_id is not None:
        return User.objects.get(pk=caller.user_id)
    keys = ApiKey.objects.select_related("created_by").filter(pk=caller.api_key_id or 0)
    key = keys.first()
    return None if key is None else key.created_by


@router.post(
    "/attendance/imports",
    response={200: ImportPreviewOut, **ERRORS},
    summary="Carica un file di assenze per scuole e giorni: l'anteprima (nulla è scritto)",
)
def attendance_import_upload(
    request: HttpRequest,
    file: File[UploadedFile],
    chosen: Form[JobIn],
) -> Any:
    """multipart/form-data: `file` (CSV o XLSX nel formato di scambio), `school` (ripetuto),
    `from`, `to`. Risponde con le righe contate e i problemi per riga."""
    caller = caller_for(request, KeyScope.ATTENDANCE_WRITE)
    start, end = chosen.start, chosen.end
    known = _known_schools(caller.institute_id, chosen.school)
    if known is None:
        return Status(
            400, error_body("school_unknown", "Scuola non trovata fra quelle dell'istituto.")
        )
    if end < start:
        return Status(400, error_body("range_reversed", "L'ultimo giorno viene prima del primo."))
    user = _uploader(caller)
    if user is None:
        raise Http404
    if (file.size or 0) > ATTENDANCE_LIMITS.upload_bytes:
        return Status(400, error_body("file_too_big", str(upload_too_big(ATTENDANCE_LIMITS))))
    batch, plan = sync_jobs.range_upload(
        institute_id=caller.institute_id, user=user, file_name=file.name or "assenze.csv",
        content=file.read(), school_ids=known, start=start, end=end,
    )  # fmt: skip
    return ImportPreviewOut(
        batch_id=batch.pk, ok=plan.ok, counts=plan.counts(),
        unknown_students=len(plan.unknown_students), problems=_problems(plan),
    )  # fmt: skip


@router.post(
    "/attendance/imports/{batch_id}/job",
    response={202: JobOut, **ERRORS},
    summary="Avvia in background l'importazione di un file già caricato, per scuole e giorni",
)
def attendance_import_job(request: HttpRequest, batch_id: Id, body: JobIn) -> Any:
    caller = caller_for(request, KeyScope.ATTENDANCE_WRITE)
    batch = ImportBatch.objects.filter(pk=batch_id, institute_id=caller.institute_id).first()
    if batch is None:
        raise Http404
    known = _known_schools(caller.institute_id, body.school)
    if known is None:
        return Status(
            400, error_body("school_unknown", "Scuola non trovata fra quelle dell'istituto.")
        )
    user = _uploader(caller)
    if user is None:
        raise Http404
    try:
        job = sync_jobs.job_start(
            batch=batch, user=user, school_ids=known, start=body.start, end=body.end
        )
    except sync_jobs.JobRefused as refused:
        plan = sync_jobs.range_preview(
            batch=batch, school_ids=known, start=body.start, end=body.end, user=user
        )
        errors = [problem.model_dump() for problem in _problems(plan)]
        return Status(400, error_body("file_problems", refused.message, errors))
    return Status(202, job_out(job))


@router.get(
    "/sync-jobs/{job_id}",
    response={200: JobOut, **ERRORS},
    summary="Avanzamento di un'importazione in background (righe, righe al secondo, registro)",
)
def sync_job_detail(request: HttpRequest, job_id: Id) -> Any:
    caller = caller_for(request, KeyScope.ATTENDANCE_WRITE)
    job = SyncJob.objects.filter(pk=job_id, institute_id=caller.institute_id).first()
    if job is None:
        raise Http404
    if sync_jobs.resume_stalled(job_ids=[job.pk]):
        job.refresh_from_db()
    return job_out(job)


@router.post(
    "/sync-jobs/{job_id}/cancel",
    response={200: JobOut, **ERRORS},
    summary="Annulla un'importazione in background (fra un giorno e l'altro)",
)
def sync_job_cancel(request: HttpRequest, job_id: Id) -> Any:
    caller = caller_for(request, KeyScope.ATTENDANCE_WRITE)
    job = SyncJob.objects.filter(pk=job_id, institute_id=caller.institute_id).first()
    if job is None:
        raise Http404
    user = _uploader(caller)
    if user is None:
        raise Http404
    return job_out(sync_jobs.job_cancel(job=job, user=user))


# --- the nightly files (interop.nightly) -------------------------------------------------------

NIGHTLY_SCOPES = {"assenze": KeyScope.ATTENDANCE_READ, "esiti": KeyScope.RESULTS_READ}


class NightlyFileOut(Schema):
    id: int
    kind: str = Field(description="assenze (cambiate dall'ultima notte) o esiti (scrutini)")
    night: datetime.date
    created_at: datetime.datetime
    since: datetime.datetime | None = Field(description="cambiamenti dopo questo momento")
    rows: int


class NightlyFilesOut(Schema):
    items: list[NightlyFileOut]
    total: int
    limit: int
    offset: int


class NightlyQuery(Schema):
    kind: Literal["assenze", "esiti"] = Field("assenze", description="che file")
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=1_000_000)


def _nightly_caller(request: HttpRequest, kind: str) -> Caller:
    return caller_for(request, NIGHTLY_SCOPES[kind])


@router.get(
    "/nightly-files",
    response={200: NightlyFilesOut, **ERRORS},
    summary="I file dell'esportazione notturna (assenze o esiti), il più recente per primo",
)
def nightly_files(request: HttpRequest, query: Query[NightlyQuery]) -> Any:
    caller = _nightly_caller(request, query.kind)
    rows = NightlyFile.objects.filter(institute_id=caller.institute_id, kind=query.kind)
    page = list(rows[query.offset : query.offset + query.limit])
    return NightlyFilesOut(
        items=[
            NightlyFileOut(id=one.pk, kind=one.kind, night=one.night, created_at=one.created_at,
                           since=one.since, rows=one.rows)
            for one in page
        ],
        total=rows.count(), limit=query.limit, offset=query.offset,
    )  # fmt: skip


@router.get(
    "/nightly-files/{file_id}/file",
    response={200: None, **ERRORS},
    summary="Scarica un file dell'esportazione notturna (CSV)",
)
def nightly_file_download(request: HttpRequest, file_id: Id) -> Any:
    found = NightlyFile.objects.filter(pk=file_id).first()
    if found is None:
        raise Http404
    caller = _nightly_caller(request, found.kind)
    if found.institute_id != caller.institute_id:
        raise Http404
    return file_response(found)
