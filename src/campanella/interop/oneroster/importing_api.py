"""POST /api/v1/oneroster/imports (a OneRoster 1.2 bundle, multipart → its preview) and
POST /api/v1/oneroster/imports/{batch_id}/apply (all or nothing), for the institute's office
(its token) or the back-office's key with the scope roster:write. Anyone else is answered 404,
as for something missing: a batch of another institute too, and nothing is written."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from campanella.interop.api import ERRORS, ProblemOut, _problems, _uploader, caller_for
from campanella.interop.limits import MAX_UPLOAD_BYTES, upload_too_big
from campanella.interop.models import ImportBatch, ImportKind, KeyScope
from campanella.interop.oneroster.importing import BundlePlan
from campanella.interop.plan import Plan
from campanella.interop.services import APPLIED, import_apply, import_upload
from campanella.lib.api_errors import error_body
from campanella.lib.ids import Id

# campanella.api adds this router with the back-office's key tried before a person's token.
router = Router(tags=["OneRoster"])


class FileCountsOut(Schema):
    created: int
    updated: int
    unchanged: int
    rejected: int


class RosterPreviewOut(Schema):
    batch_id: int
    ok: bool = Field(description="vero se l'archivio si può importare")
    counts: dict[str, int] = Field(
        description="record nuovi (created), cambiati (updated), uguali (unchanged), rifiutati "
        "(rejected)"
    )
    files: dict[str, FileCountsOut] = Field(description="gli stessi conteggi per file")
    notices: list[str]
    problems: list[ProblemOut]


class RosterApplyOut(Schema):
    batch_id: int
    outcome: str = Field(description="applied, o already_applied se era già stato importato")
    written: dict[str, int] = Field(description="record creati o cambiati, per tipo")


def _preview(batch: ImportBatch, plan: Plan) -> RosterPreviewOut:
    files = plan.file_counts() if isinstance(plan, BundlePlan) else {}
    return RosterPreviewOut(
        batch_id=batch.pk, ok=plan.ok,
        counts={action: n for action, n in plan.counts().items() if action != "conflict"},
        files={name: FileCountsOut(**{k: v for k, v in counts.items() if k != "conflict"})
               for name, counts in files.items()},
        notices=list(plan.notices), problems=_problems(plan),
    )  # fmt: skip


@router.post(
    "/oneroster/imports",
    response={200: RosterPreviewOut, **ERRORS},
    summary="Carica un archivio OneRoster 1.2 (.zip) dell'anagrafica: l'anteprima, nulla è scritto",
)
def oneroster_import_upload(request: HttpRequest, file: File[UploadedFile]) -> Any:
    """multipart/form-data: `file`, l'archivio con manifest.csv. Risponde con i record contati
    (in tutto e per file) e i problemi, ciascuno con il file e la riga."""
    caller = caller_for(request, KeyScope.ROSTER_WRITE)
    user = _uploader(caller)
    if user is None:
        raise Http404
    if (file.size or 0) > MAX_UPLOAD_BYTES:
        return Status(400, error_body("file_too_big", str(upload_too_big())))
    batch, plan = import_upload(
        institute_id=caller.institute_id, user=user, kind=ImportKind.ONEROSTER,
        file_name=file.name or "oneroster.zip", content=file.read(),
    )  # fmt: skip
    return _preview(batch, plan)


@router.post(
    "/oneroster/imports/{batch_id}/apply",
    response={200: RosterApplyOut, **ERRORS},
    summary="Importa un archivio OneRoster già caricato: tutto o niente, una volta sola",
)
def oneroster_import_apply(request: HttpRequest, batch_id: Id) -> Any:
    caller = caller_for(request, KeyScope.ROSTER_WRITE)
    batch = (
        ImportBatch.objects.filter(
            pk=batch_id, institute_id=caller.institute_id, kind=ImportKind.ONEROSTER
        )
        .defer("content")
        .first()
    )
    user = _uploader(caller)
    if batch is None or user is None:
        raise Http404
    result = import_apply(batch_id=batch.pk, institute_id=caller.institute_id, user=user)
    if result.outcome == APPLIED or result.batch.is_applied:
        written = result.batch.summary.get("written", {})
        return RosterApplyOut(batch_id=batch.pk, outcome=result.outcome, written=written)
    errors = [problem.model_dump() for problem in _problems(result.plan)] if result.plan else []
    return Status(
        400,
        error_body(
            "file_problems", "Nessun dato è stato importato: l'archivio ha problemi.", errors
        ),
    )
