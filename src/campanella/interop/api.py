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
from ninja import Query, Router, Schema, Status
from pydantic import Field

from campanella.evaluation.models import SessionKind
from campanella.interop import attendance_export as export
from campanella.interop import results_export as results
from campanella.interop.forms import MAX_EXPORT_DAYS
from campanella.interop.models import ApiKey, KeyScope, ResultsExportChannel
from campanella.interop.rules import office_staff
from campanella.interop.views import export_response
from campanella.interop.views_results import results_response
from campanella.lib.api_errors import ErrorOut, error_body
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
