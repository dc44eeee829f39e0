"""The one write guard (school.guard): a day closed by a locked term-end evaluation refuses every
write that feeds the session, with the stable code `giorno_chiuso` and an Italian message, and
writes nothing; the same write succeeds once the day is open again.

The services are enumerated here (each with a real record to act on); the pages and the API
operations in tests/test_closed_days_refuse_writes.py; the office's admin, the import and the
saves outside any service (commands, the shell) below.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from campanella.audit.models import Change, ChangeAction
from campanella.grades import services as grades
from campanella.grades.models import Grade
from campanella.interop.models import ImportKind
from campanella.interop.plan import RowsRefused
from campanella.interop.services import REFUSED, build_plan, import_apply
from campanella.people import services as people
from campanella.people.models import Enrollment, ExitReason
from campanella.register import services as register
from campanella.register.models import Absence, Justification, JustificationStatus, Lesson
from campanella.school.guard import (
    FOREVER,
    DayClosed,
    closed_periods_for,
    ensure_open,
    membership_changes,
    period_close,
    period_reopen,
)
from campanella.school.models import ClosedPeriod, Closure, Term, TermKind
from campanella.school.services import closure_create, province_holidays_fill
from tests import factories as f
from tests.conftest import Cast, school_day
from tests.interop.helpers import People, csv_bytes, upload
from tests.interop.test_record_pages import attendance_file, grade_file
from tests.school.closed_days import (
    HOLDER,
    REASON,
    close,
    fingerprint,
    form_values,
    says_closed,
)

pytestmark = pytest.mark.django_db

ONE_DAY = datetime.timedelta(days=1)


def reopen(cast: Cast) -> None:
    assert period_reopen(holder=HOLDER, user=cast.principal, reason="Verbale da correggere") >= 1


# --- the guard itself ------------------------------------------------------------------------


def test_the_refusal_names_the_day_the_reason_and_the_period(cast: Cast) -> None:
    day = datetime.date(2026, 11, 12)
    close(cast, datetime.date(2026, 11, 10), datetime.date(2026, 11, 20))
    with transaction.atomic(), pytest.raises(DayClosed) as refused:
        ensure_open(classroom_ids=[cast.classroom_1a.pk], start=day)
    error = refused.value
    assert error.code == "giorno_chiuso"
    assert error.day == day
    assert error.message == (
        "Il 12/11/2026 è in un periodo chiuso dallo scrutinio (Scrutinio del 1° quadrimestre "
        "chiuso, classe 1ª A, dal 10/11/2026 al 20/11/2026): non si può modificare."
    )
    assert error.messages == [error.message]
    assert isinstance(error, ValidationError)


def test_a_range_is_refused_from_its_first_closed_day(cast: Cast) -> None:
    close(cast, datetime.date(2026, 11, 10), datetime.date(2026, 11, 20))
    with pytest.raises(DayClosed) as refused:
        ensure_open(
            classroom_ids=[cast.classroom_1a.pk],
            start=datetime.date(2026, 11, 1),
            end=FOREVER,
        )
    assert refused.value.day == datetime.date(2026, 11, 10)
    assert "Il 10/11/2026" in refused.value.message


def test_only_the_closed_days_of_that_classroom_are_refused(cast: Cast) -> None:
    day = datetime.date(2026, 11, 12)
    close(cast, day, day)
    ids = [cast.classroom_1a.pk]
    ensure_open(classroom_ids=ids, start=day - ONE_DAY)
    ensure_open(classroom_ids=ids, start=day + ONE_DAY, end=day + 10 * ONE_DAY)
    ensure_open(classroom_ids=[cast.classroom_2b.pk], start=day)
    ensure_open(classroom_ids=[], start=day)
    with pytest.raises(DayClosed):
        ensure_open(classroom_ids=[cast.classroom_2b.pk, *ids], start=day - ONE_DAY, end=day)


def test_closed_periods_for_reads_the_overlapping_ones(cast: Cast) -> None:
    first = close(cast, datetime.date(2026, 9, 1), datetime.date(2026, 12, 22), holder="a")
    second = close(cast, datetime.date(2027, 1, 10), datetime.date(2027, 1, 12), holder="b")
    close(cast, datetime.date(2026, 9, 1), datetime.date(2027, 6, 6), cast.classroom_2b, "c")
    ids = [cast.classroom_1a.pk]
    assert list(closed_periods_for(ids, datetime.date(2026, 12, 22))) == [first]
    assert list(closed_periods_for(ids, datetime.date(2026, 12, 23))) == []
    assert list(
        closed_periods_for(ids, datetime.date(2026, 12, 1), datetime.date(2027, 1, 10))
    ) == [first, second]


def test_closing_and_reopening_keep_their_history(cast: Cast) -> None:
    period = close(cast, datetime.date(2026, 9, 1), datetime.date(2026, 12, 22))
    created = Change.objects.get(object_id=period.pk, action=ChangeAction.CREATE)
    assert created.actor == cast.principal
    assert created.reason == REASON
    assert created.classroom_ref == cast.classroom_1a.pk
    assert created.institute_id == cast.institute.pk
    assert period_reopen(holder=HOLDER, user=cast.principal, reason="Errore nel verbale") == 1
    assert not ClosedPeriod.objects.exists()
    cancelled = Change.objects.get(object_id=period.pk, action=ChangeAction.CANCEL)
    assert cancelled.actor == cast.principal
    assert cancelled.reason == "Errore nel verbale"
    assert cancelled.before is not None
    assert cancelled.before["holder"] == HOLDER
    assert cancelled.before["end_date"] == "2026-12-22"
    assert period_reopen(holder=HOLDER, user=cast.principal, reason="di nuovo") == 0


def test_bad_closings_and_reopenings_are_refused_in_italian(cast: Cast) -> None:
    day = datetime.date(2026, 11, 12)
    with pytest.raises(ValidationError, match="finire lo stesso giorno o dopo"):
        close(cast, day, day - ONE_DAY)
    close(cast, day, day)
    with pytest.raises(ValidationError, match="è già chiuso"):
        close(cast, day + ONE_DAY, day + ONE_DAY)
    with pytest.raises(ValidationError, match="motivo"):
        period_close(
            classroom=cast.classroom_1a, start=day, end=day, reason=" ", holder="x",
            user=cast.principal,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="motivo della riapertura"):
        period_reopen(holder=HOLDER, user=cast.principal, reason="")
    assert ClosedPeriod.objects.count() == 1


def test_a_classroom_with_closed_days_cannot_be_deleted(cast: Cast) -> None:
    from django.db.models import ProtectedError

    close(cast)
    with pytest.raises(ProtectedError):
        cast.classroom_1a.delete()


BASE = datetime.date(2026, 9, 1)
WINDOW = 60


def days_of(span: tuple[int, datetime.date, datetime.date] | None) -> set[tuple[int, int]]:
    if span is None:
        return set()
    classroom, first, last = span
    return {
        (classroom, n)
        for n in range(WINDOW + 1)
        if first <= BASE + datetime.timedelta(days=n) <= last
    }


spans = st.one_of(
    st.none(),
    st.tuples(
        st.sampled_from([1, 2]),
        st.integers(0, WINDOW - 5).map(lambda n: BASE + datetime.timedelta(days=n)),
        st.one_of(st.just(None), st.integers(0, WINDOW - 5)),
    ).map(lambda t: (t[0], t[1], FOREVER if t[2] is None else max(t[1], BASE + ONE_DAY * t[2]))),
)


@given(before=spans, after=spans)
def test_membership_changes_are_exactly_the_days_gained_or_lost(before: Any, after: Any) -> None:
    changed = set().union(*(days_of(span) for span in membership_changes(before, after)))
    assert changed == days_of(before) ^ days_of(after)


# --- every service that writes what feeds a session ------------------------------------------

Action = Callable[[], object]
Case = Callable[[Cast, datetime.date], Action]


def slot(c: Cast, number: int = 1) -> Any:
    return c.school.hour_slots.get(number=number)


def absence(c: Cast, day: datetime.date) -> Absence:
    register.roll_call_save(
        user=c.teacher, classroom=c.classroom_1a, day=day, absent_ids=[c.child.pk]
    )
    return Absence.objects.get(student=c.child, date=day, cancelled_at__isnull=True)


def justification(c: Cast, day: datetime.date) -> Justification:
    absence(c, day)
    return register.justification_submit(
        user=c.guardian, student=c.child, kind="assenza", start=day, reason="Febbre"
    )


def grade(c: Cast, day: datetime.date) -> Grade:
    return grades.grade_add(
        user=c.teacher, classroom=c.classroom_1a, subject=c.maths, student=c.child, day=day,
        kind="scritto", text="6",
    )  # fmt: skip


def note(c: Cast, day: datetime.date) -> Any:
    return register.note_create(
        user=c.teacher, classroom=c.classroom_1a, day=day, text="Disturba", students=[c.child]
    )


def sign(c: Cast, day: datetime.date, topic: str = "Frazioni") -> Action:
    return lambda: register.lesson_sign(
        user=c.teacher, classroom=c.classroom_1a, day=day, slot=slot(c), subject=c.maths,
        topic=topic,
    )  # fmt: skip


def sign_again(c: Cast, day: datetime.date) -> Action:
    sign(c, day)()
    return sign(c, day, topic="Frazioni equivalenti")  # the topic of a signed lesson


def sign_after_a_grade(c: Cast, day: datetime.date) -> Action:
    grade(c, day)  # given before the lesson was signed: the signature links it
    return sign(c, day)


def decide(accept: bool) -> Case:
    def case(c: Cast, day: datetime.date) -> Action:
        pending = justification(c, day)
        return lambda: register.justification_decide(
            user=c.teacher, justification=pending, accept=accept, note="" if accept else "No"
        )

    return case


def waiver(c: Cast, day: datetime.date) -> Action:
    year = c.classroom_1a.school_year
    return lambda: register.waiver_grant(
        user=c.principal, student=c.child, year=year, hours=10, reason="Terapie"
    )


def second_term(c: Cast, day: datetime.date) -> Action:
    year = c.classroom_1a.school_year
    term = Term(
        school_year=year, school=c.school, number=2, kind=TermKind.FIVE_MONTHS,
        start_date=datetime.date(year.start_date.year, 12, 23), end_date=year.lessons_end,
    )  # fmt: skip
    return term.save


def term_shortened(c: Cast, day: datetime.date) -> Action:
    term = Term.objects.get(school=c.school)

    def act() -> None:
        term.end_date -= ONE_DAY
        term.save()

    return act


def enrollment_of(c: Cast) -> Enrollment:
    return Enrollment.objects.get(student=c.child)


def enrollment_closed(c: Cast, day: datetime.date) -> Action:
    enrollment = enrollment_of(c)

    def act() -> None:  # a command or the shell closing it: no service
        enrollment.exit_date = day
        enrollment.exit_reason = ExitReason.WITHDRAWAL
        enrollment.save()

    return act


def enrollment_added(c: Cast, day: datetime.date) -> Action:
    newcomer = f.StudentFactory(institute=c.institute)
    year = c.classroom_1a.school_year
    return lambda: Enrollment.objects.create(
        student=newcomer, school_year=year, classroom=c.classroom_1a, entry_date=day
    )


def a_closure(c: Cast, day: datetime.date) -> Closure:
    return closure_create(
        institute=c.institute, start_date=day, end_date=day, description="Elezioni"
    )


def closure_moved(c: Cast, day: datetime.date) -> Action:
    closure = a_closure(c, day)

    def act() -> None:
        closure.end_date += ONE_DAY
        closure.save()

    return act


SERVICES: dict[str, Case] = {
    "register.lesson_sign": sign,
    "register.lesson_sign (topic of a signed lesson)": sign_again,
    "register.lesson_sign (links the grades given earlier that day)": sign_after_a_grade,
    "register.roll_call_save": lambda c, d: (
        lambda: register.roll_call_save(
            user=c.teacher, classroom=c.classroom_1a, day=d, absent_ids=[c.child.pk]
        )
    ),
    "register.roll_call_save (correction cancels an absence)": lambda c, d: (
        absence(c, d),
        lambda: register.roll_call_save(
            user=c.teacher, classroom=c.classroom_1a, day=d, absent_ids=[]
        ),
    )[1],
    "register.hour_absences_save": lambda c, d: (
        lambda: register.hour_absences_save(
            user=c.teacher,
            classroom=c.classroom_1a,
            day=d,
            slot=slot(c, 2),
            absent_ids=[c.child.pk],
        )
    ),
    "register.off_site_record": lambda c, d: (
        lambda: register.off_site_record(
            user=c.teacher, classroom=c.classroom_1a, student=c.child, day=d, reason="Gara"
        )
    ),
    "register.late_entry_record": lambda c, d: (
        lambda: register.late_entry_record(
            user=c.teacher,
            classroom=c.classroom_1a,
            student=c.child,
            day=d,
            time=datetime.time(8, 10),
        )
    ),
    "register.early_exit_record": lambda c, d: (
        lambda: register.early_exit_record(
            user=c.teacher,
            classroom=c.classroom_1a,
            student=c.child,
            day=d,
            time=datetime.time(9, 30),
        )
    ),
    "register.attendance_cancel": lambda c, d: (
        lambda record: (
            lambda: register.attendance_cancel(user=c.teacher, record=record, reason="Era presente")
        )
    )(absence(c, d)),
    "register.waiver_grant": waiver,
    "register.justification_submit": lambda c, d: (
        absence(c, d),
        lambda: register.justification_submit(
            user=c.guardian, student=c.child, kind="assenza", start=d, reason="Febbre"
        ),
    )[1],
    "register.justification_submit (in advance)": lambda c, d: (
        lambda: register.justification_submit(
            user=c.guardian,
            student=c.child,
            kind="uscita",
            start=d + ONE_DAY,
            reason="Visita medica",
            time=datetime.time(11, 0),
            today=d,
        )
    ),
    "register.justification_edit": lambda c, d: (
        lambda j: lambda: register.justification_edit(user=c.guardian, justification=j, reason="X")
    )(justification(c, d)),
    "register.justification_withdraw": lambda c, d: (
        lambda j: lambda: register.justification_withdraw(user=c.guardian, justification=j)
    )(justification(c, d)),
    "register.justification_decide (accept)": decide(True),
    "register.justification_decide (reject: unlinks its events)": decide(False),
    "register.note_create": lambda c, d: lambda: note(c, d),
    "register.note_cancel": lambda c, d: (
        lambda n: lambda: register.note_cancel(user=c.teacher, note=n, reason="Errore")
    )(note(c, d)),
    "register.note_measure": lambda c, d: (
        lambda n: lambda: register.note_measure(user=c.principal, note=n, measure="Sospensione")
    )(note(c, d)),
    "register.annotation_create": lambda c, d: (
        lambda: register.annotation_create(
            user=c.teacher,
            classroom=c.classroom_1a,
            day=d,
            text="Uscita didattica",
            student=c.child,
        )
    ),
    "register.note_cancel (annotation)": lambda c, d: (
        lambda a: lambda: register.note_cancel(user=c.teacher, note=a, reason="Errore")
    )(register.annotation_create(user=c.teacher, classroom=c.classroom_1a, day=d, text="Gita")),
    "grades.grade_add": lambda c, d: lambda: grade(c, d),
    "grades.grade_change": lambda c, d: (
        lambda g: lambda: grades.grade_change(user=c.teacher, grade=g, text="7", reason="Errore")
    )(grade(c, d)),
    "grades.grade_details_change": lambda c, d: (
        lambda g: (
            lambda: grades.grade_details_change(
                user=c.teacher,
                grade=g,
                description="Verifica",
                comment="Bene",
                weight=Decimal(2),
                counts_in_average=True,
                visible_from=None,
                reason="Verifica di fine unità",
            )
        )
    )(grade(c, d)),
    "grades.grade_cancel": lambda c, d: (
        lambda g: lambda: grades.grade_cancel(user=c.teacher, grade=g, reason="Errore")
    )(grade(c, d)),
    "people.student_move": lambda c, d: (
        lambda: people.student_move(
            student_id=c.child.pk,
            institute_id=c.institute.pk,
            classroom_id=c.classroom_2b.pk,
            day=d,
            actor=c.office,
        )
    ),
    "people.student_leave (withdrawal)": lambda c, d: (
        lambda: people.student_leave(
            student_id=c.child.pk,
            institute_id=c.institute.pk,
            day=d,
            reason=ExitReason.WITHDRAWAL,
            actor=c.office,
        )
    ),
    "people.student_leave (transfer)": lambda c, d: (
        lambda: people.student_leave(
            student_id=c.child.pk,
            institute_id=c.institute.pk,
            day=d,
            reason=ExitReason.TRANSFER,
            school_name="Liceo Muratori",
            actor=c.office,
        )
    ),
    "school.closure_create (institute)": lambda c, d: lambda: a_closure(c, d),
    "school.closure_create (one school)": lambda c, d: (
        lambda: closure_create(
            institute=c.institute, start_date=d, end_date=d, description="Sciopero", school=c.school
        )
    ),
    "school.province_holidays_fill": lambda c, d: (
        lambda: province_holidays_fill(year=c.classroom_1a.school_year, province="RM")
    ),
    # Saves outside any service (a command, the shell): the model's own guard.
    "Closure.save (dates changed)": closure_moved,
    "Closure.delete": lambda c, d: a_closure(c, d).delete,
    "Enrollment.save (closed)": enrollment_closed,
    "Enrollment.save (new)": enrollment_added,
    "Enrollment.delete": lambda c, d: enrollment_of(c).delete,
    "Term.save (dates changed)": term_shortened,
    "Term.save (new)": second_term,
    "Term.delete": lambda c, d: Term.objects.get(school=c.school).delete,
}


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_write_refuses_a_closed_day_and_writes_nothing(cast: Cast, name: str) -> None:
    day = school_day(cast)
    act = SERVICES[name](cast, day)
    close(cast)
    before = fingerprint()
    with pytest.raises(DayClosed) as refused, transaction.atomic():
        act()  # in a savepoint of its own, as a request's transaction would be
    assert refused.value.code == "giorno_chiuso"
    assert says_closed(refused.value.message)
    assert fingerprint() == before, f"{name} wrote on a closed day"
    reopen(cast)
    reopened = fingerprint()
    act()
    assert fingerprint() != reopened, f"{name} writes nothing even on an open day"


def test_the_days_around_a_closed_day_stay_open(cast: Cast) -> None:
    day = school_day(cast)
    year = cast.classroom_1a.school_year
    close(cast, year.start_date, day - ONE_DAY, holder="before")
    close(cast, day + ONE_DAY, year.end_date, holder="after")
    close(cast, day, day, classroom=cast.classroom_2b, holder="2B")
    lesson = sign(cast, day)()
    assert isinstance(lesson, Lesson)
    absence(cast, day)
    assert grade(cast, day).date == day


def test_a_waiver_is_open_until_the_final_session_closes(cast: Cast) -> None:
    """An intermediate session closed before today leaves waivers open; a period reaching the
    end of lessons (the final session) closes them."""
    year = cast.classroom_1a.school_year
    today = datetime.date(2027, 3, 1)
    close(cast, year.start_date, datetime.date(2027, 1, 31), holder="first")
    register.waiver_grant(
        user=cast.principal, student=cast.child, year=year, hours=10, reason="Terapie",
        today=today,
    )  # fmt: skip
    close(cast, datetime.date(2027, 2, 1), year.lessons_end, holder="final")
    with pytest.raises(DayClosed):
        register.waiver_grant(
            user=cast.principal, student=cast.child, year=year, hours=5, reason="Terapie",
            today=datetime.date(2027, 6, 20),
        )  # fmt: skip


def test_a_refused_justification_leaves_its_events_and_status(cast: Cast) -> None:
    day = school_day(cast)
    pending = justification(cast, day)
    close(cast, day, day)
    with pytest.raises(DayClosed):
        register.justification_decide(
            user=cast.teacher, justification=pending, accept=False, note="Non valida"
        )
    pending.refresh_from_db()
    assert pending.status == JustificationStatus.PENDING
    assert Absence.objects.get(student=cast.child, date=day).justification == pending


def test_the_office_preview_already_tells_a_move_over_a_closed_day(cast: Cast) -> None:
    day = school_day(cast)
    close(cast, day, day, classroom=cast.classroom_2b, holder="2B")
    with pytest.raises(DayClosed, match="classe 2ª B"):
        people.student_move_preview(student=cast.child, classroom=cast.classroom_2b, day=day)
    people.student_leave_preview(student=cast.child, day=day - ONE_DAY)
    close(cast, day, day)
    with pytest.raises(DayClosed, match="classe 1ª A"):
        people.student_leave_preview(student=cast.child, day=day - ONE_DAY)
    people.student_leave_preview(student=cast.child, day=day)


# --- the office's admin ----------------------------------------------------------------------


def test_the_admin_refuses_term_dates_over_a_closed_day(cast: Cast) -> None:
    term = Term.objects.get(school=cast.school)
    url = reverse("admin:school_term_change", args=[term.pk])
    client = cast.client_for(cast.office)
    data = form_values(client.get(url).content.decode())
    data["end_date"] = (term.end_date - ONE_DAY).isoformat()
    close(cast, term.end_date - 5 * ONE_DAY, term.end_date - 5 * ONE_DAY)
    before = fingerprint()
    response = client.post(url, data)
    assert response.status_code == 200
    assert says_closed(response.content.decode())
    assert fingerprint() == before
    reopen(cast)
    assert client.post(url, data).status_code == 302
    term.refresh_from_db()
    assert term.end_date == datetime.date.fromisoformat(data["end_date"])


@pytest.mark.parametrize("model", ["term", "closure"])
def test_the_admin_does_not_delete_days_of_a_closed_period(cast: Cast, model: str) -> None:
    day = school_day(cast)
    record: Term | Closure = (
        Term.objects.get(school=cast.school) if model == "term" else a_closure(cast, day)
    )
    url = reverse(f"admin:school_{model}_delete", args=[record.pk])
    client = cast.client_for(cast.office)
    close(cast, day, day)
    before = fingerprint()
    response = client.post(url, {"post": "yes"}, follow=True)
    assert says_closed(response.content.decode())
    assert fingerprint() == before
    changelist = client.get(reverse(f"admin:school_{model}_changelist")).content.decode()
    assert "delete_selected" not in changelist
    reopen(cast)
    client.post(url, {"post": "yes"})
    assert not type(record).objects.filter(pk=record.pk).exists()


def test_the_admin_refuses_a_closure_over_a_closed_day(cast: Cast) -> None:
    day = school_day(cast)
    url = reverse("admin:school_closure_add")
    client = cast.client_for(cast.office)
    data = form_values(client.get(url).content.decode())
    data.update(start_date=day.isoformat(), end_date=day.isoformat(), description="Allerta meteo")
    close(cast, day, day)
    before = fingerprint()
    response = client.post(url, data)
    assert response.status_code == 200
    assert says_closed(response.content.decode())
    assert fingerprint() == before
    reopen(cast)
    assert client.post(url, data).status_code == 302
    assert Closure.objects.filter(description="Allerta meteo").exists()


def test_the_admin_refuses_an_enrolment_moved_over_a_closed_day(cast: Cast) -> None:
    """The student's page of the admin lists the enrolments to whoever holds Django's model
    permissions on them (the office's pages are the way to move a student): edited there, an
    enrolment is guarded too."""
    cast.office.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="people", codename__in=["view_enrollment", "change_enrollment"]
        )
    )
    url = reverse("admin:people_student_change", args=[cast.child.pk])
    client = cast.client_for(cast.office)
    data = form_values(client.get(url).content.decode())
    day = school_day(cast)
    exit_field = next(name for name in data if name.endswith("-exit_date"))
    data[exit_field] = day.isoformat()
    data[exit_field.replace("exit_date", "exit_reason")] = ExitReason.WITHDRAWAL
    close(cast, day + ONE_DAY, day + ONE_DAY)
    before = fingerprint()
    response = client.post(url, data)
    assert response.status_code == 200
    assert says_closed(response.content.decode())
    assert fingerprint() == before
    reopen(cast)
    assert client.post(url, data).status_code == 302
    assert enrollment_of(cast).exit_date == day


# --- the import ------------------------------------------------------------------------------


def child_row(cast: Cast, classe: str, entry: datetime.date) -> dict[str, str]:
    child = cast.child
    return People().student_row(
        classe=classe, guardians=0, cognome=child.surname, nome=child.name,
        codice_fiscale=child.codice_fiscale, data_nascita=child.birth_date.strftime("%d/%m/%Y"),
        sesso=child.sex, data_ingresso=entry.strftime("%d/%m/%Y"),
    )  # fmt: skip


IMPORTS: dict[str, Callable[[Cast], bytes]] = {
    # A student moved to 2B from the day: 1A's enrolment closes, 2B's opens.
    ImportKind.STUDENTS: lambda c: csv_bytes([child_row(c, "2B", school_day(c))]),
    ImportKind.GRADES: grade_file,  # the child's maths grade of the day
    ImportKind.ATTENDANCE: attendance_file,  # the child absent that day
}


@pytest.mark.parametrize("kind", sorted(IMPORTS))
def test_an_import_over_a_closed_day_is_refused_on_its_line(cast: Cast, kind: str) -> None:
    day = school_day(cast)
    batch = upload(cast, IMPORTS[kind](cast), kind)
    close(cast, day, day)
    before = fingerprint()
    result = import_apply(batch_id=batch.pk, institute_id=cast.institute.pk, user=cast.office)
    assert result.outcome == REFUSED
    assert result.plan is not None
    [problem] = result.plan.problems
    assert problem.line == 2
    assert says_closed(problem.message)
    assert fingerprint() == before
    reopen(cast)
    reopened = fingerprint()
    result = import_apply(batch_id=batch.pk, institute_id=cast.institute.pk, user=cast.office)
    assert result.applied, result.plan and result.plan.problems
    assert fingerprint() != reopened


def test_a_student_import_tells_the_entry_column(cast: Cast) -> None:
    day = school_day(cast)
    close(cast, day, day)
    plan = build_plan(
        kind=ImportKind.STUDENTS,
        content=csv_bytes([child_row(cast, "2B", day)]),
        institute_id=cast.institute.pk,
        today=day,
    )
    [problem] = plan.problems
    assert problem.message.startswith("«data_ingresso»: Il ")


def test_an_import_planned_before_a_close_is_refused_when_applied(cast: Cast) -> None:
    """The day closes between the preview and the apply: the writes check again, under lock."""
    day = school_day(cast)
    plan = build_plan(
        kind=ImportKind.STUDENTS,
        content=csv_bytes([child_row(cast, "2B", day)]),
        institute_id=cast.institute.pk,
        today=day,
    )
    assert plan.ok
    assert plan.writes is not None
    close(cast, day, day)
    before = fingerprint()
    with transaction.atomic(), pytest.raises(RowsRefused) as refused:
        plan.writes.apply()
    [problem] = refused.value.problems
    assert problem.line == 2
    assert says_closed(problem.message)
    assert fingerprint() == before
