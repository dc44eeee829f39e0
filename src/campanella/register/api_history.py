"""API of one legal record's own history, as the register's history page shows it
(register.history_views.record_history_page): every insertion, correction and cancellation of
a grade, an absence, a note…, oldest first, in Italian, with the reason.

The same reading and the same rule as the page: staff who see the record (its classroom, or
for a record kept without one, its student); anyone else, and a kind or id that does not
exist, 404. Families read the records themselves, not their corrections.
"""

from __future__ import annotations

import datetime

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Query, Router, Schema

from campanella.audit.reading import KINDS, ReadableChange, readable_changes
from campanella.audit.selectors import record_history
from campanella.lib.api_lists import PAGED, Paging, page_of
from campanella.lib.ids import Id
from campanella.register.api import ERRORS
from campanella.register.rules import record_for_history

router = Router(tags=["storia delle registrazioni"])


class ChangeLineOut(Schema):
    label: str
    before: str
    after: str


class HistoryEntryOut(Schema):
    at: datetime.datetime
    who: str
    action: str
    kind: str
    about: str
    lines: list[ChangeLineOut]
    reason: str


def entry_out(entry: ReadableChange) -> HistoryEntryOut:
    return HistoryEntryOut(
        at=entry.change.at, who=entry.who, action=entry.action, kind=entry.kind,
        about=entry.about, reason=entry.reason,
        lines=[ChangeLineOut(label=x.label, before=x.before, after=x.after) for x in entry.lines],
    )  # fmt: skip


@router.get(
    "/history/{kind}/{record_id}",
    response={200: list[HistoryEntryOut], **ERRORS},
    summary="La storia di una registrazione (inserimento, correzioni, annullamento)",
    description="`kind` è uno di: " + ", ".join(f"`{slug}`" for slug in KINDS) + ".",
    openapi_extra=PAGED,
)
def record_history_list(
    request: HttpRequest, response: HttpResponse, kind: str, record_id: Id, paging: Query[Paging]
) -> list[HistoryEntryOut]:
    record = record_for_history(request.user, kind, record_id)
    if record is None:
        raise Http404
    page = page_of(record_history(record), request, paging, response)
    return [entry_out(entry) for entry in readable_changes(page)]
