"""The office's import pages. Thin: authorize (404 for anyone but the office), call, render."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache

from campanella.interop import attendance_export as export
from campanella.interop.columns import COLUMNS, KIND_DESCRIPTIONS, KIND_TIPS
from campanella.interop.forms import ACCEPTED_TYPES, AttendanceExportForm, UploadForm
from campanella.interop.models import ImportBatch, ImportKind
from campanella.interop.oneroster.importing import FILE_LABELS, BundlePlan
from campanella.interop.plan import (
    CONFLICT,
    CREATED,
    REJECTED,
    UNCHANGED,
    UPDATED,
    Plan,
    RowOutcome,
)
from campanella.interop.rules import office_or_404, office_staff
from campanella.interop.samples import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    template_csv,
    template_name,
    template_xlsx,
)
from campanella.interop.selectors import batch_history, batches_for_user
from campanella.interop.services import (
    ALREADY_APPLIED,
    APPLIED,
    import_apply,
    import_preview,
    import_upload,
)
from campanella.interop.sync_jobs import range_preview
from campanella.people.models import User
from campanella.school.models import School

TABLE_LIMIT = 500  # rows shown per table; every problem is always shown
SECTION_TITLES = {
    REJECTED: gettext_lazy("Righe con problemi"),
    CREATED: gettext_lazy("Righe da creare"),
    UPDATED: gettext_lazy("Righe da aggiornare"),
    UNCHANGED: gettext_lazy("Righe invariate"),
    CONFLICT: gettext_lazy("Righe in conflitto con il registro (non importate)"),
}

WRITTEN_LABELS = {
    "students_created": gettext_lazy("alunni creati"),
    "students_updated": gettext_lazy("alunni aggiornati"),
    "guardians_created": gettext_lazy("genitori creati"),
    "guardians_updated": gettext_lazy("genitori aggiornati"),
    "enrollments_created": gettext_lazy("iscrizioni create"),
    "enrollments_closed": gettext_lazy("iscrizioni chiuse"),
    "enrollments_corrected": gettext_lazy("iscrizioni corrette"),
    "links_created": gettext_lazy("legami alunno–genitore creati"),
    "staff_created": gettext_lazy("persone del personale create"),
    "staff_updated": gettext_lazy("persone del personale aggiornate"),
    "teachings_created": gettext_lazy("cattedre create"),
    "grades_created": gettext_lazy("voti registrati"),
    "absences_created": gettext_lazy("assenze registrate"),
    "late_entries_created": gettext_lazy("entrate posticipate registrate"),
    "early_exits_created": gettext_lazy("uscite anticipate registrate"),
    "justifications_created": gettext_lazy("giustificazioni registrate"),
    "giorni_rifiutati": gettext_lazy("giorni non importati (nulla scritto)"),
    "conflitti": gettext_lazy("righe in conflitto con il registro (non importate)"),
    "subjects_created": gettext_lazy("materie create"),
    "classrooms_created": gettext_lazy("classi create"),
    "classrooms_updated": gettext_lazy("classi aggiornate (coordinatore)"),
    "classroom_subjects_created": gettext_lazy("materie aggiunte al quadro orario delle classi"),
}


def written_lines(written: dict[str, int]) -> list[tuple[str, int]]:
    """What an import wrote, in Italian."""
    return [(str(WRITTEN_LABELS.get(code, code)), count) for code, count in written.items()]


def count_lines(kind: str, counts: dict[str, int], *, unknown: int = 0) -> list[str]:
    """The preview's summary, in the words of each kind of import."""
    created, updated = counts.get(CREATED, 0), counts.get(UPDATED, 0)
    unchanged, conflicts = counts.get(UNCHANGED, 0), counts.get(CONFLICT, 0)
    if kind == ImportKind.GRADES:
        lines = [
            ngettext("%(n)s voto da registrare", "%(n)s voti da registrare", created)
            % {"n": created},
            ngettext(
                "%(n)s voto già nel registro (invariato)",
                "%(n)s voti già nel registro (invariati)",
                unchanged,
            )
            % {"n": unchanged},
        ]
    elif kind == ImportKind.ATTENDANCE:
        lines = [
            ngettext("%(n)s evento nuovo", "%(n)s eventi nuovi", created) % {"n": created},
            ngettext(
                "%(n)s evento a cui aggiungere la giustificazione",
                "%(n)s eventi a cui aggiungere la giustificazione",
                updated,
            )
            % {"n": updated},
            ngettext(
                "%(n)s evento già nel registro (invariato)",
                "%(n)s eventi già nel registro (invariati)",
                unchanged,
            )
            % {"n": unchanged},
            ngettext(
                "%(n)s evento in conflitto con il registro (non importato)",
                "%(n)s eventi in conflitto con il registro (non importati)",
                conflicts,
            )
            % {"n": conflicts},
        ]
    else:
        lines = [
            ngettext("%(n)s riga da creare", "%(n)s righe da creare", created) % {"n": created},
            ngettext("%(n)s riga da aggiornare", "%(n)s righe da aggiornare", updated)
            % {"n": updated},
            ngettext("%(n)s riga invariata", "%(n)s righe invariate", unchanged) % {"n": unchanged},
        ]
    rejected = counts.get(REJECTED, 0)
    lines.append(
        ngettext("%(n)s riga con problemi", "%(n)s righe con problemi", rejected) % {"n": rejected}
    )
    if kind == ImportKind.ATTENDANCE or unknown:
        lines.append(
            ngettext("%(n)s alunno sconosciuto", "%(n)s alunni sconosciuti", unknown)
            % {"n": unknown}
        )
    return lines


def _batch(request: HttpRequest, pk: int, *, with_content: bool = False) -> ImportBatch:
    batches = batches_for_user(request.user).select_related("uploaded_by", "applied_by")
    return get_object_or_404(batches if with_content else batches.defer("content"), pk=pk)


@never_cache
@login_required
def index(request: HttpRequest) -> HttpResponse:
    office_or_404(request.user)
    kinds = [
        {"value": kind.value, "label": kind.label, "description": KIND_DESCRIPTIONS[kind]}
        for kind in ImportKind
        if kind != ImportKind.ONEROSTER  # an archive, with its own page
    ]
    context = {"kinds": kinds, "batches": batch_history(request.user)}
    return render(request, "interop/index.html", context)


@never_cache
@login_required
def upload(request: HttpRequest, kind: str) -> HttpResponse:
    staff = office_or_404(request.user)
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    form = UploadForm(*data, kind=kind)
    if form.is_bound and form.is_valid():
        uploaded = form.cleaned_data["file"]
        batch, _plan = import_upload(
            institute_id=staff.institute_id,
            user=cast(User, request.user),
            kind=kind,
            file_name=uploaded.name or "",
            content=uploaded.read(),
        )
        return redirect("interop:preview", pk=batch.pk)
    context = {
        "kind": ImportKind(kind),
        "description": KIND_DESCRIPTIONS[kind],
        "columns": COLUMNS[kind],
        "tips": KIND_TIPS.get(kind, ()),
        "form": form,
        "accept": ACCEPTED_TYPES,
    }
    return render(request, "interop/upload.html", context)


@login_required
def template_download(request: HttpRequest, kind: str, extension: str) -> HttpResponse:
    office_or_404(request.user)
    if extension == "csv":
        response = HttpResponse(template_csv(kind), content_type=CSV_CONTENT_TYPE)
    else:
        response = HttpResponse(template_xlsx(kind), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{template_name(kind, extension)}"'
    return response


@dataclass(frozen=True)
class Section:
    action: str
    title: str
    rows: list[RowOutcome]
    total: int


def _sections(plan: Plan) -> list[Section]:
    grouped: dict[str, list[RowOutcome]] = {action: [] for action in SECTION_TITLES}
    for row in plan.rows:
        grouped[row.action].append(row)
    counts = plan.counts()  # a big plan keeps only the first rows of each action
    return [
        Section(action, str(title), rows[:TABLE_LIMIT], counts[action])
        for action, title in SECTION_TITLES.items()
        if (rows := grouped[action])
    ]


@never_cache
@login_required
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    office_or_404(request.user)
    batch = _batch(request, pk, with_content=True)
    if batch.is_applied:
        return redirect("interop:result", pk=batch.pk)
    chosen = range_choice(request, batch)
    if chosen is None:
        plan = import_preview(batch=batch, user=cast(User, request.user))
    else:
        schools, start, end = chosen
        plan = range_preview(
            batch=batch, school_ids=set(schools), start=start, end=end,
            user=cast(User, request.user),
        )  # fmt: skip
    context = {
        "range": chosen,
        "batch": batch,
        "plan": plan,
        "problems": plan.sorted_problems(),
        "counts": plan.counts(),
        "count_lines": count_lines(batch.kind, plan.counts(), unknown=len(plan.unknown_students)),
        "sections": _sections(plan),
        "table_limit": TABLE_LIMIT,
        "file_counts": _file_counts(plan),
    }
    return render(request, "interop/preview.html", context)


def _file_counts(plan: Plan) -> list[tuple[str, dict[str, int]]]:
    """A OneRoster bundle's counts per file (new, changed, unchanged, problems)."""
    if not isinstance(plan, BundlePlan):
        return []
    return [(FILE_LABELS[name], counts) for name, counts in plan.file_counts().items()]


def range_choice(
    request: HttpRequest, batch: ImportBatch
) -> tuple[list[int], datetime.date, datetime.date] | None:
    """An attendance batch previewed for chosen schools and days (`?scuole=&dal=&al=`), the
    schools being the institute's; None for the whole-file import."""
    if batch.kind != ImportKind.ATTENDANCE or "dal" not in request.GET:
        return None
    try:
        start = datetime.date.fromisoformat(request.GET.get("dal", ""))
        end = datetime.date.fromisoformat(request.GET.get("al", ""))
        asked = {int(value) for value in request.GET.getlist("scuole")}
    except ValueError:
        raise Http404 from None
    known = set(
        School.objects.filter(institute_id=batch.institute_id, pk__in=asked).values_list(
            "pk", flat=True
        )
    )
    if not asked or asked != known:
        raise Http404
    return sorted(known), start, end


@login_required
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    staff = office_or_404(request.user)
    batch = _batch(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    result = import_apply(
        batch_id=batch.pk, institute_id=staff.institute_id, user=cast(User, request.user)
    )
    if result.outcome == APPLIED:
        messages.success(request, _("Importazione completata."))
        return redirect("interop:result", pk=batch.pk)
    if result.outcome == ALREADY_APPLIED:
        messages.info(request, _("Questo file era già stato importato: nulla è cambiato."))
        return redirect("interop:result", pk=batch.pk)
    messages.error(
        request,
        _("Nessun dato è stato importato: il file non è più valido. Vedere i problemi elencati."),
    )
    return redirect("interop:preview", pk=batch.pk)


@never_cache
@login_required
def result(request: HttpRequest, pk: int) -> HttpResponse:
    office_or_404(request.user)
    batch = _batch(request, pk)
    if not batch.is_applied:
        return redirect("interop:preview", pk=batch.pk)
    written = written_lines(batch.summary.get("written", {}))
    summary = batch.summary
    applied_counts = {
        action: int(summary.get(action, 0)) for action in (CREATED, UPDATED, UNCHANGED, CONFLICT)
    }
    context = {
        "batch": batch,
        "written": written,
        "conflicts": applied_counts[CONFLICT],
    }
    return render(request, "interop/result.html", context)


@never_cache
@login_required
def attendance_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The office takes attendance events out for the back-office: a form, then the file
    (streamed: a year of a whole institute never sits in memory)."""
    staff = office_staff(request.user)
    if staff is None:
        raise Http404
    form = AttendanceExportForm(
        request.GET if "dal" in request.GET else None, institute_id=staff.institute_id
    )
    if not form.is_valid():
        status = 400 if form.is_bound else 200
        context = {"form": form, "fields": export.FIELDS}
        return render(request, "interop/attendance_export.html", context, status=status)
    data = form.cleaned_data
    selection = export.Selection(
        institute_id=staff.institute_id,
        school_ids=tuple(school.pk for school in data["scuole"]),
        start=data["dal"],
        end=data["al"],
        since=data["modificati_dopo"],
    )
    return export_response(selection, data["formato"])


def export_response(selection: export.Selection, file_format: str) -> StreamingHttpResponse:
    """The export as a download: CSV and JSON streamed, XLSX from a temporary file."""
    events = export.attendance_events(selection)
    name = export.file_name(selection, file_format)
    content_type = export.CONTENT_TYPES[file_format]
    response: StreamingHttpResponse
    if file_format == "xlsx":
        response = FileResponse(
            export.xlsx_file(events, selection.fields), content_type=content_type
        )
    elif file_format == "json":
        response = StreamingHttpResponse(
            export.json_chunks(events, selection.fields), content_type=content_type
        )
    else:
        response = StreamingHttpResponse(
            export.csv_chunks(events, selection.fields), content_type=content_type
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
