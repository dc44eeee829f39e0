"""Pages of class documents under /documenti/ (Italian, server-rendered).

Every read asks `rules` (classroom_access, document_for_user, managed_institute_id); what a
login may not see answers 404 like what does not exist. Views parse, authorize, call one
service or selector, render.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campanella.classdocs import rules, selectors, services
from campanella.classdocs.models import ClassDocument, DocumentKind, DocumentReminder
from campanella.classdocs.tasks import send_reminder
from campanella.people.roles import roles_for_user
from campanella.people.selectors import classroom_teachers
from campanella.school.models import Classroom, School, SchoolYear, Subject
from campanella.school.moments import typed_moment
from campanella.school.selectors import current_school_year


def pdf_response(document: ClassDocument) -> FileResponse:
    """The stored PDF, private to this login (called only after `rules` allowed it)."""
    subject = f"-{document.subject.short_name}" if document.subject else ""
    name = f"{document.kind}-{document.classroom.name}{subject}-v{document.version}.pdf"
    response = FileResponse(
        document.file.open("rb"),
        content_type="application/pdf",
        filename=name.replace(" ", "-"),
        as_attachment=True,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Everyone's entry: the family's classrooms, the teacher's slots, the office's page."""
    user = request.user
    context = {
        "classrooms": selectors.family_classrooms_list(user),
        "staff_classrooms": staff_classrooms(user),
        "writes": rules.own_teachings(user).exists()
        or rules.coordinated_final_classrooms(user).exists(),
        "manages": rules.managed_institute_id(user) is not None,
    }
    return render(request, "classdocs/index.html", context)


def staff_classrooms(user: Any) -> list[Classroom]:
    roles = roles_for_user(user)
    if roles.staff is None:
        return []
    year = current_school_year(roles.staff.institute_id)
    visible = rules.classrooms_for_user(user).filter(school_year=year)
    return list(visible.select_related("school").order_by("school__name", "year", "section"))


@login_required
def teacher(request: HttpRequest) -> HttpResponse:
    """The teacher's slots: what is uploaded, what is missing, by when; a form per slot."""
    if roles_for_user(request.user).staff is None:
        raise Http404
    context = {
        "slots": selectors.teacher_slots(request.user),
        "max_mb": services.max_bytes() // (1024 * 1024),
    }
    return render(request, "classdocs/teacher.html", context)


def uploaded_file(request: HttpRequest) -> UploadedFile | None:
    found = request.FILES.get("file")
    return found if isinstance(found, UploadedFile) else None


def int_or_none(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 19 else None


@require_POST
@login_required
def upload(request: HttpRequest) -> HttpResponse:
    """A teacher's upload of a slot's PDF (classe, materia, tipo, file)."""
    classroom_id = int_or_none(request.POST.get("classe"))
    classroom = Classroom.objects.select_related("school").filter(pk=classroom_id or 0).first()
    subject_id = int_or_none(request.POST.get("materia"))
    subject = Subject.objects.filter(pk=subject_id).first() if subject_id else None
    kind = request.POST.get("tipo", "")
    if classroom is None or (subject_id and subject is None):
        raise Http404
    file = uploaded_file(request)
    try:
        if file is None:
            services.slot_checked(request.user, classroom, subject, kind)  # type: ignore[arg-type]
            raise services.ClassDocumentError(_("Scegliere il file PDF da caricare."), "no_file")
        document = services.document_upload(
            user=request.user,  # type: ignore[arg-type]
            classroom=classroom, subject=subject, kind=kind,
            upload=file, size=file.size or 0, name=file.name or "",
        )  # fmt: skip
    except services.NotAllowed:
        raise Http404 from None
    except services.ClassDocumentError as error:
        messages.error(request, error.message)
        return redirect("classdocs:teacher")
    messages.success(
        request,
        _("Caricato: %(name)s (versione %(version)s).")
        % {
            "name": services.slot_name(document.classroom, document.subject, document.kind),
            "version": document.version,
        },
    )
    return redirect("classdocs:teacher")


@require_POST
@login_required
def withdraw(request: HttpRequest, document_id: int) -> HttpResponse:
    try:
        services.document_withdraw(user=request.user, document_id=document_id)  # type: ignore[arg-type]
    except services.NotAllowed:
        raise Http404 from None
    except services.ClassDocumentError as error:
        messages.error(request, error.message)
        return redirect("classdocs:teacher")
    messages.success(request, _("Documento ritirato: la versione resta nello storico."))
    return redirect("classdocs:teacher")


@login_required
def classroom(request: HttpRequest, classroom_id: int) -> HttpResponse:
    """A classroom's documents and its teachers with their subjects (families, students,
    staff); families see only what is published."""
    access = rules.classroom_access(request.user, classroom_id)
    if access is None:
        raise Http404
    documents = selectors.classroom_documents(access)
    context = {
        "classroom": access.classroom,
        "family": access.family,
        "current": [d for d in documents if d.current],
        "earlier": [d for d in documents if not d.current],
        "published": selectors.published_ids(documents) if not access.family else set(),
        "teachers": classroom_teachers(access.classroom),
    }
    return render(request, "classdocs/classroom.html", context)


@login_required
def download(request: HttpRequest, document_id: int) -> FileResponse:
    document = rules.document_for_user(request.user, document_id)
    if document is None:
        raise Http404
    return pdf_response(document)


# --- the office ----------------------------------------------------------------------------


def managed_year(request: HttpRequest, raw: str | None) -> SchoolYear:
    """The school year the office works on (chosen, or the current one), or 404."""
    institute_id = rules.managed_institute_id(request.user)
    if institute_id is None:
        raise Http404
    years = SchoolYear.objects.filter(institute_id=institute_id)
    chosen = int_or_none(raw)
    year = years.filter(pk=chosen).first() if chosen else current_school_year(institute_id)
    if year is None:
        raise Http404
    return year


def kind_or_none(raw: str | None) -> str | None:
    return raw if raw in DocumentKind.values else None


@login_required
def office(request: HttpRequest) -> HttpResponse:
    """Deadlines, publications, who is missing what, reminders (office and principal)."""
    year = managed_year(request, request.GET.get("anno"))
    kind = kind_or_none(request.GET.get("tipo"))
    missing = selectors.missing_slots(year.institute_id, year, kind)
    publications = selectors.publications_of(year)
    context = {
        "year": year,
        "years": SchoolYear.objects.filter(institute_id=year.institute_id).order_by("-start_date"),
        "kind": kind,
        "kinds": DocumentKind.choices,
        "kind_rows": [
            {"value": value, "label": label, "publication": publications.get(value)}
            for value, label in DocumentKind.choices
        ],
        "deadlines": selectors.DocumentDeadline.objects.filter(school_year=year)
        .select_related("school")
        .order_by("kind", "school__name", "class_year"),
        "schools": School.objects.filter(institute_id=year.institute_id).order_by("name"),
        "missing": missing,
        "missing_classrooms": missing_by_classroom(missing),
        "documents": office_documents(year),
        "reminders": DocumentReminder.objects.filter(school_year=year).select_related(
            "classroom", "sent_by"
        )[:10],
        "today": timezone.localdate(),
    }
    return render(request, "classdocs/office.html", context)


def missing_by_classroom(missing: list[selectors.Slot]) -> list[dict[str, Any]]:
    groups: dict[int, dict[str, Any]] = {}
    for slot in missing:
        group = groups.setdefault(slot.classroom.pk, {"classroom": slot.classroom, "slots": []})
        group["slots"].append(slot)
    return list(groups.values())


def office_documents(year: SchoolYear) -> list[dict[str, Any]]:
    current = list(
        ClassDocument.objects.filter(
            current=True,
            classroom__school_year=year,
        )
        .select_related("classroom", "subject", "uploaded_by")
        .order_by("classroom__year", "classroom__section", "kind", "subject__name")
    )
    published = selectors.published_ids(current)
    return [{"document": d, "published": d.pk in published} for d in current]


def office_redirect(year: SchoolYear, kind: str | None = None) -> HttpResponse:
    url = f"{reverse('classdocs:office')}?anno={year.pk}"
    return redirect(f"{url}&tipo={kind}" if kind else url)


@require_POST
@login_required
def deadline(request: HttpRequest) -> HttpResponse:
    year = managed_year(request, request.POST.get("anno"))
    school = None
    school_id = int_or_none(request.POST.get("scuola"))
    if school_id:
        school = School.objects.filter(pk=school_id, institute_id=year.institute_id).first()
        if school is None:
            raise Http404
    try:
        due_on = datetime.date.fromisoformat(request.POST.get("scadenza", "").strip())
    except ValueError:
        messages.error(request, _("Indicare la data della scadenza (AAAA-MM-GG)."))
        return office_redirect(year)
    try:
        services.deadline_set(
            user=request.user,  # type: ignore[arg-type]
            school_year=year, kind=request.POST.get("tipo", ""), due_on=due_on,
            school=school, class_year=int_or_none(request.POST.get("anno_corso")),
        )  # fmt: skip
    except services.NotAllowed:
        raise Http404 from None
    except services.ClassDocumentError as error:
        messages.error(request, error.message)
        return office_redirect(year)
    messages.success(request, _("Scadenza impostata al %(day)s.") % {"day": f"{due_on:%d/%m/%Y}"})
    return office_redirect(year)


@require_POST
@login_required
def publish(request: HttpRequest) -> HttpResponse:
    """Publish a kind's documents of the year from a date and time."""
    year = managed_year(request, request.POST.get("anno"))
    moment = typed_moment(request.POST.get("data", ""), request.POST.get("ora", ""))
    if moment is None:
        messages.error(
            request, _("Indicare la data (AAAA-MM-GG) e l'ora (HH:MM) della pubblicazione.")
        )
        return office_redirect(year)
    try:
        services.publication_set(
            user=request.user,  # type: ignore[arg-type]
            school_year=year, kind=request.POST.get("tipo", ""), publish_at=moment,
        )  # fmt: skip
    except services.NotAllowed:
        raise Http404 from None
    except services.ClassDocumentError as error:
        messages.error(request, error.message)
        return office_redirect(year)
    shown = timezone.localtime(moment).strftime("%d/%m/%Y alle %H:%M")
    messages.success(request, _("Pubblicazione impostata dal %(when)s.") % {"when": shown})
    return office_redirect(year)


@require_POST
@login_required
def publish_document(request: HttpRequest, document_id: int) -> HttpResponse:
    """Publish one document from a date and time (now, when not given)."""
    moment = typed_moment(request.POST.get("data", ""), request.POST.get("ora", ""))
    try:
        document = services.document_publish(
            user=request.user,  # type: ignore[arg-type]
            document_id=document_id, publish_at=moment or timezone.now(),
        )  # fmt: skip
    except services.NotAllowed:
        raise Http404 from None
    messages.success(request, _("Documento pubblicato."))
    return office_redirect(document.classroom.school_year)


@require_POST
@login_required
def remind(request: HttpRequest) -> HttpResponse:
    """E-mail the teachers missing a kind's documents (of one classroom, or all)."""
    year = managed_year(request, request.POST.get("anno"))
    kind = request.POST.get("tipo", "")
    classroom = None
    classroom_id = int_or_none(request.POST.get("classe"))
    if classroom_id:
        classroom = Classroom.objects.filter(
            pk=classroom_id, school__institute_id=year.institute_id
        ).first()
        if classroom is None:
            raise Http404
    try:
        reminder, created = services.reminder_create(
            user=request.user,  # type: ignore[arg-type]
            school_year=year, kind=kind, classroom=classroom,
        )  # fmt: skip
    except services.NotAllowed:
        raise Http404 from None
    except services.ClassDocumentError as error:
        messages.error(request, error.message)
        return office_redirect(year, kind_or_none(kind))
    if not created:
        messages.info(request, _("Il sollecito è appena stato inviato: nulla è stato rispedito."))
        return office_redirect(year, kind_or_none(kind))
    send_reminder.enqueue(reminder.pk, request.build_absolute_uri(reverse("classdocs:teacher")))
    messages.success(request, _("Sollecito in invio ai docenti che non hanno caricato."))
    return office_redirect(year, kind_or_none(kind))
