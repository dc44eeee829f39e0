"""Pages of report cards under /pagelle/ (Italian, server-rendered).

Every read asks `rules` (report_card_access, outcomes_session_for_user,
followed_session_for_user); what a login may not see answers 404 like what does not exist.
Views parse, authorize, call one service or selector, render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campanella.evaluation.models import EvaluationSession
from campanella.lib.ids import parse_id
from campanella.people.roles import roles_for_user
from campanella.reportcards import rules, selectors, services
from campanella.reportcards.models import ConfirmationReminder, ReportCard, ReportCardBundle
from campanella.reportcards.tasks import prepare_report_cards, run_bundle, send_reminder
from campanella.school.moments import typed_moment


def pdf_response(card: ReportCard | ReportCardBundle, name: str) -> FileResponse:
    stored = card.pdf if isinstance(card, ReportCard) else card.file
    response = FileResponse(
        stored.open("rb"), content_type="application/pdf", filename=name, as_attachment=True
    )
    response["Cache-Control"] = "private, no-store"
    return response


def pdf_bytes_response(content: bytes, name: str) -> HttpResponse:
    """A PDF made on request (not stored), private to this login."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, name) or ""
    response["Cache-Control"] = "private, no-store"
    return response


def card_file_name(access: rules.Access, card: ReportCard) -> str:
    student = access.student
    return f"pagella-{student.surname}-{student.name}-v{card.version}.pdf".replace(" ", "-")


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Families: their children's published report cards. Staff who follow report cards:
    the locked sessions with publication, confirmations and bundle."""
    user = request.user
    cards = selectors.family_cards(user)
    followed = selectors.followed_overview(user)
    rows = [
        {
            "session": s,
            "label": selectors.session_label(s),
            "publication": services.publication_of(s),
            "published": (p := services.publication_of(s)) is not None and p.is_published(),
        }
        for s in followed
    ]
    context = {
        "cards": cards,
        "followed": rows,
        "may_publish": rules.managed_institute_id(user) is not None,
        "is_staff_view": roles_for_user(user).staff is not None,
        "school_groups": school_groups(user),
    }
    return render(request, "reportcards/index.html", context)


def access_or_404(request: HttpRequest, session_id: int, student_id: int) -> rules.Access:
    access = rules.report_card_access(request.user, session_id, student_id)
    if access is None:
        raise Http404
    return access


@login_required
def card(request: HttpRequest, session_id: int, student_id: int) -> HttpResponse:
    access = access_or_404(request, session_id, student_id)
    session, student = access.session, access.student
    history = list(selectors.confirmation_history(session, student))
    current = [
        c for c in history
        if c.report_card.session_version == session.version and c.user_id == request.user.pk
    ]  # fmt: skip
    context = {
        "access": access,
        "session": session,
        "student": student,
        "label": selectors.session_label(session),
        "detail": selectors.card_detail(session, student),
        "history": history,
        "confirmed": current[0] if current else None,
    }
    return render(request, "reportcards/card.html", context)


@login_required
def card_pdf(request: HttpRequest, session_id: int, student_id: int) -> FileResponse:
    access = access_or_404(request, session_id, student_id)
    try:
        found = services.report_card_current(
            session=access.session,
            student_id=student_id,
            user=request.user,  # type: ignore[arg-type]
        )
    except services.ReportCardError as error:
        raise Http404 from error
    return pdf_response(found, card_file_name(access, found))


@require_POST
@login_required
def confirm(request: HttpRequest, session_id: int, student_id: int) -> HttpResponse:
    try:
        _confirmation, created = services.confirmation_record(
            user=request.user,  # type: ignore[arg-type]
            session_id=session_id,
            student_id=student_id,
        )
    except services.NotAllowed:
        raise Http404 from None
    confirmed_message(request, created)
    return redirect("reportcards:card", session_id=session_id, student_id=student_id)


def confirmed_message(request: HttpRequest, created: bool) -> None:
    """What a family reads after confirming: thanks, or that it was already done."""
    if created:
        messages.success(request, _("Presa visione registrata. Grazie."))
    else:
        messages.info(request, _("La presa visione era già stata registrata."))


@login_required
def outcomes(request: HttpRequest, session_id: int) -> HttpResponse:
    session = rules.outcomes_session_for_user(request.user, session_id)
    if session is None:
        raise Http404
    lines, credits = selectors.class_outcomes(session)
    context = {
        "session": session,
        "label": selectors.session_label(session),
        "lines": lines,
        "credits": credits,
    }
    return render(request, "reportcards/outcomes.html", context)


def followed_or_404(request: HttpRequest, session_id: int) -> EvaluationSession:
    session = rules.followed_session_for_user(request.user, session_id)
    if session is None:
        raise Http404
    return session


@login_required
def confirmations(request: HttpRequest, session_id: int) -> HttpResponse:
    session = followed_or_404(request, session_id)
    lines = selectors.confirmations_overview(session)
    context = {
        "session": session,
        "label": selectors.session_label(session),
        "lines": lines,
        "missing": sum(1 for line in lines if not line.confirmations),
        "publication": services.publication_of(session),
        "bundles": selectors.bundles_of(session),
        "reminders": list(
            ConfirmationReminder.objects.filter(session=session).select_related("sent_by")[:5]
        ),
    }
    return render(request, "reportcards/confirmations.html", context)


@require_POST
@login_required
def bundle_create(request: HttpRequest, session_id: int) -> HttpResponse:
    session = followed_or_404(request, session_id)
    try:
        bundle = services.bundle_create(user=request.user, session=session)  # type: ignore[arg-type]
    except services.NotAllowed:
        raise Http404 from None
    except services.ReportCardError as error:
        messages.error(request, error.message)
        return redirect("reportcards:confirmations", session_id=session.pk)
    run_bundle.enqueue(bundle.pk)
    return redirect("reportcards:bundle", bundle_id=bundle.pk)


@require_POST
@login_required
def remind(request: HttpRequest, session_id: int) -> HttpResponse:
    """E-mail the families who have not confirmed yet (in the background)."""
    session = followed_or_404(request, session_id)
    try:
        reminder = services.reminder_create(
            user=request.user,  # type: ignore[arg-type]
            session=session,
            login_url=request.build_absolute_uri(reverse("reportcards:index")),
        )
    except services.NotAllowed:
        raise Http404 from None
    except services.ReportCardError as error:
        messages.error(request, error.message)
        return redirect("reportcards:confirmations", session_id=session.pk)
    send_reminder.enqueue(reminder.pk)
    messages.success(
        request, _("Promemoria in invio alle famiglie che non hanno ancora confermato.")
    )
    return redirect("reportcards:confirmations", session_id=session.pk)


def bundle_or_404(request: HttpRequest, bundle_id: int) -> ReportCardBundle:
    """A classroom's bundle for who follows its session; a school's for its office and
    principal."""
    found = rules.bundle_for_user(request.user, bundle_id)
    if found is None:
        raise Http404
    return found


def school_groups(user: Any) -> list[tuple[str, str]]:
    """(value, label) of each school × period × kind with locked sessions, for the office."""
    seen: dict[str, str] = {}
    for session in publishable_sessions(user):
        if session.student_id is not None:
            continue
        value = f"{session.classroom.school_id}-{session.term_id}-{session.kind}"
        seen.setdefault(
            value, f"{session.classroom.school.name} – {selectors.session_label(session)}"
        )
    return list(seen.items())


@require_POST
@login_required
def school_bundle_create(request: HttpRequest) -> HttpResponse:
    """The office (or the principal) makes every report card of a school's period at once."""
    parts = request.POST.get("gruppo", "").split("-", 2)
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        raise Http404
    term = rules.school_term_for_user(request.user, int(parts[0]), int(parts[1]))
    if term is None:
        raise Http404
    try:
        bundle = services.school_bundle_create(
            user=request.user,  # type: ignore[arg-type]
            school=term.school,
            term=term,
            kind=parts[2],
        )
    except services.NotAllowed:
        raise Http404 from None
    except services.ReportCardError as error:
        messages.error(request, error.message)
        return redirect("reportcards:index")
    run_bundle.enqueue(bundle.pk)
    return redirect("reportcards:bundle", bundle_id=bundle.pk)


@login_required
def bundle(request: HttpRequest, bundle_id: int) -> HttpResponse:
    found = bundle_or_404(request, bundle_id)
    partial = bool(getattr(request, "htmx", False))
    template = "reportcards/_bundle_status.html" if partial else "reportcards/bundle.html"
    left = found.seconds_left()
    context = {"bundle": found, "seconds_left": left}
    return render(request, template, context)


@login_required
def bundle_pdf(request: HttpRequest, bundle_id: int) -> FileResponse:
    found = bundle_or_404(request, bundle_id)
    if not found.file:
        raise Http404
    if found.is_zip:
        response = FileResponse(
            found.file.open("rb"),
            content_type="application/zip",
            filename=f"pagelle-{found.pk}.zip",
            as_attachment=True,
        )
        response["Cache-Control"] = "private, no-store"
        return response
    return pdf_response(found, f"pagelle-{found.pk}.pdf")


def publishable_sessions(user: Any) -> list[EvaluationSession]:
    return list(
        rules.publishable_sessions(user)
        .select_related("classroom__school", "term", "publication")
        .order_by("-term__start_date", "kind", "classroom__year", "classroom__section", "pk")
    )


def groups_of(sessions: list[EvaluationSession]) -> list[dict[str, Any]]:
    """Sessions by period, kind and class year: the office publishes a class year at once."""
    groups: dict[tuple[int, str, int], dict[str, Any]] = {}
    for session in sessions:
        key = (session.term_id, session.kind, session.classroom.year)
        group = groups.setdefault(
            key,
            {
                "key": f"{session.term_id}-{session.kind}-{session.classroom.year}",
                "label": f"{selectors.session_label(session)} – classi {session.classroom.year}ª",
                "sessions": [],
            },
        )
        group["sessions"].append(
            {"session": session, "publication": services.publication_of(session)}
        )
    return list(groups.values())


@login_required
def publication(request: HttpRequest) -> HttpResponse:
    """The office (or the principal) sets from when families see the report cards."""
    institute_id = rules.managed_institute_id(request.user)
    if institute_id is None:
        raise Http404
    errors: list[str] = []
    if request.method == "POST":
        ids = [i for i in map(parse_id, request.POST.getlist("sessione")) if i is not None]
        # Any session of the institute: an unlocked one is refused by the service, by name.
        found = list(
            EvaluationSession.objects.select_related("classroom__school").filter(
                pk__in=ids, classroom__school__institute_id=institute_id
            )
        )
        if len(found) != len(set(ids)):
            raise Http404
        moment = typed_moment(request.POST.get("data", ""), request.POST.get("ora", ""))
        if moment is None:
            errors.append(_("Indicare la data (AAAA-MM-GG) e l'ora (HH:MM) della pubblicazione."))
        else:
            try:
                done = services.publication_set(
                    user=request.user,  # type: ignore[arg-type]
                    sessions=found,
                    publish_at=moment,
                )
            except services.NotAllowed:
                raise Http404 from None
            except services.ReportCardError as error:
                errors.append(error.message)
            else:
                for published in done:  # made ahead of report-card day, in the background
                    prepare_report_cards.enqueue(published.session_id)
                shown = timezone.localtime(moment).strftime("%d/%m/%Y alle %H:%M")
                messages.success(
                    request,
                    _("Pubblicazione impostata dal %(when)s per %(count)s scrutini.")
                    % {"when": shown, "count": len(found)},
                )
                return redirect("reportcards:publication")
    context = {
        "groups": groups_of(publishable_sessions(request.user)),
        "errors": errors,
        "today": timezone.localdate(),
        "now": timezone.now(),
    }
    return render(request, "reportcards/publication.html", context, status=400 if errors else 200)
