"""Pages of interim reports (pagellini) under /pagelle/pagellini/ (Italian, server-rendered).

Every read asks `rules` (round_for_user, round_classroom_for_user, round_subject_for_user,
interim_access); what a login may not see answers 404 like what does not exist. Views parse,
authorize, call one service or selector, render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from campanella.lib.ids import parse_id
from campanella.reportcards import interim, interim_selectors, rules
from campanella.reportcards.models import ConfirmationReminder
from campanella.reportcards.services import NotAllowed, ReportCardError
from campanella.reportcards.tasks import send_interim_reminder
from campanella.reportcards.views import confirmed_message, pdf_bytes_response
from campanella.school.models import Classroom, Term
from campanella.school.moments import typed_moment


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Families: their children's published interim reports. Teachers: the entries of their
    subjects. Office, principal, coordinators: the rounds they follow."""
    user = request.user
    followed = list(
        rules.followed_rounds(user).select_related("school", "term").order_by("-created_at")
    )
    context = {
        "family": interim_selectors.family_interims(user),
        "assignments": interim_selectors.teacher_assignments(user),
        "followed": followed,
        "may_create": rules.managed_institute_id(user) is not None,
        "is_staff_view": rules.roles_for_user(user).staff is not None,
    }
    return render(request, "reportcards/interim/index.html", context)


def creatable(user: Any) -> tuple[list[Term], list[Classroom]]:
    """Periods and classrooms of the institute's school years not over yet (office)."""
    institute_id = rules.managed_institute_id(user)
    if institute_id is None:
        raise Http404
    today = timezone.localdate()
    terms = list(
        Term.objects.filter(school__institute_id=institute_id, school_year__end_date__gte=today)
        .select_related("school")
        .order_by("school__name", "start_date", "pk")
    )
    classrooms = list(
        Classroom.objects.filter(
            school__institute_id=institute_id, school_year_id__in={t.school_year_id for t in terms}
        )
        .select_related("school")
        .order_by("school__name", "year", "section", "pk")
    )
    return terms, classrooms


def chosen_classrooms(
    request: HttpRequest, term: Term, classrooms: list[Classroom]
) -> list[Classroom]:
    """The ticked classrooms and every classroom of the ticked class years, of the term's
    school and year (others are refused by the service, by name)."""
    ids = {i for i in map(parse_id, request.POST.getlist("classe")) if i is not None}
    years = {int(v) for v in request.POST.getlist("anno") if v.isdigit()}
    return [
        c for c in classrooms
        if c.pk in ids
        or (c.year in years and c.school_id == term.school_id
            and c.school_year_id == term.school_year_id)
    ]  # fmt: skip


@login_required
def create(request: HttpRequest) -> HttpResponse:
    """The office creates a round: a school's period, a title, the classrooms."""
    terms, classrooms = creatable(request.user)
    errors: list[str] = []
    if request.method == "POST":
        term_id = request.POST.get("periodo", "")
        term = next((t for t in terms if str(t.pk) == term_id), None)
        if term_id and term is None:
            raise Http404  # another institute's period, or none: as if it did not exist
        if term is None:
            errors.append(_("Scegliere il periodo."))
        else:
            try:
                created = interim.interim_round_create(
                    user=request.user,  # type: ignore[arg-type]
                    school=term.school,
                    term=term,
                    title=request.POST.get("titolo", ""),
                    classrooms=chosen_classrooms(request, term, classrooms),
                )
            except NotAllowed:
                raise Http404 from None
            except ReportCardError as error:
                errors.append(error.message)
            else:
                messages.success(request, _("Pagellino creato e compilato dal registro."))
                return redirect("reportcards:interim_round", round_id=created.pk)
    context = {
        "terms": terms,
        "classrooms": classrooms,
        "years": sorted({c.year for c in classrooms}),
        "errors": errors,
        "posted": request.POST,
    }
    return render(
        request, "reportcards/interim/create.html", context, status=400 if errors else 200
    )


@login_required
def round_page(request: HttpRequest, round_id: int) -> HttpResponse:
    """A round for who follows it: per classroom, students, confirmations, who is missing;
    the office sets the publication here."""
    found = rules.round_for_user(request.user, round_id)
    if found is None:
        raise Http404
    classrooms = list(rules.round_classrooms_for_user(request.user, found))
    context = {
        "round": found,
        "lines": interim_selectors.round_overview(found, classrooms),
        "may_publish": rules.manages(request.user, found.school.institute_id),
        "published": found.is_published(),
        "today": timezone.localdate(),
    }
    return render(request, "reportcards/interim/round.html", context)


@require_POST
@login_required
def publish(request: HttpRequest, round_id: int) -> HttpResponse:
    found = rules.round_for_user(request.user, round_id)
    if found is None:
        raise Http404
    moment = typed_moment(request.POST.get("data", ""), request.POST.get("ora", ""))
    if moment is None:
        messages.error(
            request, _("Indicare la data (AAAA-MM-GG) e l'ora (HH:MM) della pubblicazione.")
        )
        return redirect("reportcards:interim_round", round_id=found.pk)
    try:
        interim.interim_publication_set(
            user=request.user,  # type: ignore[arg-type]
            interim=found,
            publish_at=moment,
        )
    except NotAllowed:
        raise Http404 from None
    except ReportCardError as error:
        messages.error(request, error.message)
    else:
        shown = timezone.localtime(moment).strftime("%d/%m/%Y alle %H:%M")
        messages.success(request, _("Pubblicazione impostata dal %(when)s.") % {"when": shown})
    return redirect("reportcards:interim_round", round_id=found.pk)


@login_required
def classroom(request: HttpRequest, round_id: int, classroom_id: int) -> HttpResponse:
    """A round's classroom: the grid, who is missing, who confirmed; the coordinator writes
    each student's note here (POST)."""
    found = rules.round_classroom_for_user(request.user, round_id, classroom_id)
    if found is None:
        raise Http404
    interim_round, room = found
    may_note = rules.may_write_note(request.user, room) and not interim_round.is_published()
    errors: list[str] = []
    if request.method == "POST":
        notes = {
            int(key.removeprefix("nota-")): request.POST.get(key, "")
            for key in request.POST
            if key.startswith("nota-") and key.removeprefix("nota-").isdigit()
        }
        try:
            changed = interim.interim_notes_change(
                user=request.user,  # type: ignore[arg-type]
                interim=interim_round,
                classroom=room,
                notes=notes,
            )
        except NotAllowed:
            raise Http404 from None
        except ReportCardError as error:
            errors.append(error.message)
        else:
            messages.success(request, _("Annotazioni salvate (%(n)d modificate).") % {"n": changed})
            return redirect(
                "reportcards:interim_classroom", round_id=round_id, classroom_id=classroom_id
            )
    grid = interim_selectors.classroom_grid(interim_round, room)
    context = {
        "round": interim_round,
        "classroom": room,
        "grid": grid,
        "missing": interim_selectors.missing_in(interim_round, room),
        "may_note": may_note,
        "errors": errors,
        "published": interim_round.is_published(),
        "reminders": list(
            ConfirmationReminder.objects.filter(
                interim=interim_round, classroom=room
            ).select_related("sent_by")[:5]
        ),
    }
    return render(
        request, "reportcards/interim/classroom.html", context, status=400 if errors else 200
    )


@login_required
def subject(
    request: HttpRequest, round_id: int, classroom_id: int, subject_id: int
) -> HttpResponse:
    """A teacher's column: each student's mark (or giudizio) and note in their own subject."""
    found = rules.round_subject_for_user(request.user, round_id, classroom_id, subject_id)
    if found is None:
        raise Http404
    interim_round, room, own = found
    errors: dict[int, str] = {}
    message = ""
    entries = interim_selectors.subject_entries(interim_round, room, own)
    if request.method == "POST":
        typed = {
            e.student_id: (request.POST.get(f"voto-{e.student_id}", ""),
                           request.POST.get(f"nota-{e.student_id}", ""))
            for e in entries if f"voto-{e.student_id}" in request.POST
        }  # fmt: skip
        try:
            interim.interim_marks_change(
                user=request.user,  # type: ignore[arg-type]
                interim=interim_round,
                classroom=room,
                subject=own,
                entries=typed,
            )
        except NotAllowed:
            raise Http404 from None
        except interim.EntriesRefused as error:
            errors = error.errors
            message = _("Nessuna valutazione salvata: correggere i campi segnalati.")
        except ReportCardError as error:
            message = error.message
        else:
            messages.success(request, _("Valutazioni salvate."))
            return redirect(
                "reportcards:interim_subject",
                round_id=round_id, classroom_id=classroom_id, subject_id=subject_id,
            )  # fmt: skip
    rows = [
        {
            "entry": e,
            "shown": request.POST.get(f"voto-{e.student_id}", interim_selectors.entry_text(e))
            if request.method == "POST" else interim_selectors.entry_text(e),
            "note": request.POST.get(f"nota-{e.student_id}", e.note)
            if request.method == "POST" else e.note,
            "error": errors.get(e.student_id, ""),
        }
        for e in entries
    ]  # fmt: skip
    context = {
        "round": interim_round,
        "classroom": room,
        "subject": own,
        "rows": rows,
        "message": message,
        "published": interim_round.is_published(),
        "numeric": bool(entries) and interim_selectors.is_numeric(entries[0]),
    }
    status = 400 if message else 200
    return render(request, "reportcards/interim/subject.html", context, status=status)


@require_POST
@login_required
def reread(request: HttpRequest, round_id: int, classroom_id: int, subject_id: int) -> HttpResponse:
    """The teacher reads the register again for their subject (new grades, new students);
    the marks they changed by hand stay."""
    found = rules.round_subject_for_user(request.user, round_id, classroom_id, subject_id)
    if found is None:
        raise Http404
    interim_round, room, own = found
    try:
        done = interim.interim_reread(
            user=request.user,  # type: ignore[arg-type]
            interim=interim_round,
            classroom=room,
            subject=own,
        )
    except NotAllowed:
        raise Http404 from None
    except ReportCardError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, reread_summary(done))
    return redirect(
        "reportcards:interim_subject",
        round_id=round_id, classroom_id=classroom_id, subject_id=subject_id,
    )  # fmt: skip


def reread_summary(done: interim.Reread) -> str:
    parts = [
        ngettext("%(n)d valutazione aggiornata", "%(n)d valutazioni aggiornate", done.refreshed)
        % {"n": done.refreshed},
        ngettext(
            "%(n)d cambiata a mano e lasciata com'è", "%(n)d cambiate a mano e lasciate come sono",
            done.kept,
        ) % {"n": done.kept},
        ngettext("%(n)d nuova", "%(n)d nuove", done.added) % {"n": done.added},
    ]  # fmt: skip
    return _("Registro riletto: %(parts)s.") % {"parts": ", ".join(parts)}


def access_or_404(request: HttpRequest, round_id: int, student_id: int) -> rules.InterimAccess:
    access = rules.interim_access(request.user, round_id, student_id)
    if access is None:
        raise Http404
    return access


@login_required
def report(request: HttpRequest, round_id: int, student_id: int) -> HttpResponse:
    access = access_or_404(request, round_id, student_id)
    history = interim_selectors.confirmation_history(access.report)
    mine = [c for c in history if c.user_id == request.user.pk]
    context = {
        "access": access,
        "report": access.report,
        "marks": [
            (m, interim_selectors.entry_text(m) or "—")
            for m in interim_selectors.report_marks(access.report)
        ],
        "history": history,
        "confirmed": mine[0] if mine else None,
    }
    return render(request, "reportcards/interim/report.html", context)


@login_required
def report_pdf(request: HttpRequest, round_id: int, student_id: int) -> HttpResponse:
    access = access_or_404(request, round_id, student_id)
    return pdf_bytes_response(interim_selectors.report_pdf(access.report), file_name(access))


def file_name(access: rules.InterimAccess) -> str:
    student = access.report.student
    return f"pagellino-{student.surname}-{student.name}-{access.report.round_id}.pdf".replace(
        " ", "-"
    )


@require_POST
@login_required
def confirm(request: HttpRequest, round_id: int, student_id: int) -> HttpResponse:
    try:
        _confirmation, created = interim.interim_confirmation_record(
            user=request.user,  # type: ignore[arg-type]
            round_id=round_id,
            student_id=student_id,
        )
    except NotAllowed:
        raise Http404 from None
    confirmed_message(request, created)
    return redirect("reportcards:interim_report", round_id=round_id, student_id=student_id)


@require_POST
@login_required
def remind(request: HttpRequest, round_id: int, classroom_id: int) -> HttpResponse:
    """E-mail the classroom's families who have not confirmed yet (in the background)."""
    found = rules.round_classroom_for_user(request.user, round_id, classroom_id)
    if found is None:
        raise Http404
    interim_round, room = found
    try:
        reminder = interim.interim_reminder_create(
            user=request.user,  # type: ignore[arg-type]
            interim=interim_round,
            classroom=room,
            login_url=request.build_absolute_uri(reverse("reportcards:interim_index")),
        )
    except NotAllowed:
        raise Http404 from None
    except ReportCardError as error:
        messages.error(request, error.message)
    else:
        send_interim_reminder.enqueue(reminder.pk)
        messages.success(
            request, _("Promemoria in invio alle famiglie che non hanno ancora confermato.")
        )
    return redirect("reportcards:interim_classroom", round_id=round_id, classroom_id=classroom_id)
