"""The office sends the locked term results to the back-office (interop.results_export)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from campanella.evaluation.models import EvaluationSession
from campanella.interop import results_export as results
from campanella.interop.forms import ResultsExportForm
from campanella.interop.models import ResultsExportChannel
from campanella.interop.rules import office_staff
from campanella.people.models import Staff


def _selection(staff: Staff, form: ResultsExportForm) -> results.ResultsSelection:
    data = form.cleaned_data
    return results.ResultsSelection(
        institute_id=staff.institute_id,
        school_ids=tuple(school.pk for school in data["scuole"]),
        school_year_id=data["anno"].pk,
        kinds=tuple(data["scrutini"]),
    )


@never_cache
@login_required
def results_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """GET: the form, then the evaluations chosen with what was sent of each; POST: the file,
    recorded as sent."""
    staff = office_staff(request.user)
    if staff is None:
        raise Http404
    data = request.POST if request.method == "POST" else request.GET
    form = ResultsExportForm(data if "anno" in data else None, institute_id=staff.institute_id)
    if not form.is_valid():
        status = 400 if form.is_bound else 200
        context = {"form": form, "fields": results.FIELDS}
        return render(request, "interop/results_export.html", context, status=status)
    selection = _selection(staff, form)
    if request.method == "POST":
        locked = list(results.locked_sessions(selection))
        if locked:
            sender = results.Sender(
                institute_id=staff.institute_id, user_id=request.user.pk,
                channel=ResultsExportChannel.PAGE,
            )  # fmt: skip
            return results_response(sender, locked, form.cleaned_data["formato"])
    sessions = list(results.with_last_export(results.sessions_of(selection)).order_by(
        "classroom__school__name", "classroom__year", "classroom__section", "term__start_date",
        "kind", "student__surname",
    ))  # fmt: skip
    context = {
        "form": form,
        "fields": results.FIELDS,
        "sessions": sessions,
        "locked": sum(1 for session in sessions if session.is_locked),
        "nothing_to_send": request.method == "POST",
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "interop/results_export.html", context, status=status)


def results_response(
    sender: results.Sender, sessions: list[EvaluationSession], file_format: str
) -> StreamingHttpResponse:
    """The file, after recording which evaluations (at which version) it holds."""
    results.record_export(sender=sender, sessions=sessions, file_format=file_format)
    year = sessions[0].classroom.school_year.name if sessions else "vuoto"
    content_type = results.CONTENT_TYPES[file_format]
    response: StreamingHttpResponse
    if file_format == "xlsx":
        response = FileResponse(results.xlsx_file(sessions), content_type=content_type)
    elif file_format == "json":
        response = StreamingHttpResponse(results.json_chunks(sessions), content_type=content_type)
    else:
        response = StreamingHttpResponse(results.csv_chunks(sessions), content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{results.file_name(year, file_format)}"'
    )
    return response
