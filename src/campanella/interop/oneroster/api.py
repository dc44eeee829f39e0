"""GET /api/v1/oneroster/export: the OneRoster 1.2 CSV bundle of some schools and a school year,
for the institute's office (its token) or the back-office's key with the scope results:read
(the roster and the grade book are what that scope already lets it read). Anyone else is
answered 404, as for something missing; a school or year of another institute is refused by
name and nothing is read."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from campanella.interop.api import ERRORS, _known_schools, caller_for
from campanella.interop.models import KeyScope
from campanella.interop.oneroster.mapping import Scope
from campanella.interop.oneroster.views import bundle_response
from campanella.lib.api_errors import error_body
from campanella.school.models import SchoolYear

# campanella.api adds this router with the back-office's key tried before a person's token.
router = Router(tags=["OneRoster"])


class ExportQuery(Schema):
    school: list[int] = Field(description="id delle scuole (plessi) dell'istituto; almeno una")
    school_year: int = Field(description="id dell'anno scolastico")


@router.get(
    "/oneroster/export",
    response={200: None, **ERRORS},
    summary="Archivio OneRoster 1.2 (CSV in .zip): scuole, classi, persone, iscrizioni, voti",
)
def oneroster_export(request: HttpRequest, query: Query[ExportQuery]) -> Any:
    caller = caller_for(request, KeyScope.RESULTS_READ)
    known = _known_schools(caller.institute_id, query.school)
    if known is None:
        return Status(
            400, error_body("school_unknown", "Scuola non trovata fra quelle dell'istituto.")
        )
    years = SchoolYear.objects.filter(institute_id=caller.institute_id)
    if not years.filter(pk=query.school_year).exists():
        return Status(400, error_body("school_year_unknown", "Anno scolastico non trovato."))
    scope = Scope(
        institute_id=caller.institute_id,
        school_ids=tuple(sorted(known)),
        school_year_id=query.school_year,
    )
    return bundle_response(scope)
