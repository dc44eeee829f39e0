"""The class register end to end through the pages: sign, roll call, late and early, family
view and justification, validation, coordinator's views, notes, agenda, history."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from campanella.audit.models import Change
from campanella.people.models import Student
from campanella.register.models import (
    Absence,
    AgendaItem,
    Annotation,
    DisciplinaryNote,
    EarlyExit,
    Justification,
    LateEntry,
    Lesson,
    Signature,
)
from campanella.register.selectors import attendance_summaries
from campanella.school.models import Closure
from campanella.school.selectors import is_school_day
from tests import factories as f
from tests.conftest import Cast, school_day

pytestmark = pytest.mark.django_db


def day_url(cast: Cast, name: str, day: datetime.date) -> str:
    return reverse(f"register:{name}", args=[cast.classroom_1a.pk, day.isoformat()])


def messages_of(response: object) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""  # type: ignore[attr-defined]


def test_teacher_signs_the_first_hour_and_a_colleague_joins(cast: Cast) -> None:
    day = school_day(cast)
    slot = cast.school.hour_slots.get(number=1)
    teacher = cast.client_for(cast.teacher)
    response = teacher.post(
        day_url(cast, "sign", day), {"slot": slot.pk, "topic": "Equazioni di primo grado"}
    )
    assert response.status_code == 302
    lesson = Lesson.objects.get(classroom=cast.classroom_1a, date=day, slot=slot)
    assert lesson.subject == cast.maths
    assert lesson.topic == "Equazioni di primo grado"
    cast.client_for(cast.coordinator).post(day_url(cast, "sign", day), {"slot": slot.pk})
    kinds = dict(
        Signature.objects.filter(lesson=lesson).values_list("teacher__user__username", "kind")
    )
    assert kinds == {"teacher": "propria", "coordinator": "supplenza"}
    assert Change.objects.filter(object_id=lesson.pk, action="create").exists()
    page = teacher.get(day_url(cast, "class_day", day)).content.decode()
    assert "Equazioni di primo grado" in page


def test_signing_a_holiday_the_future_or_too_late_is_refused(cast: Cast) -> None:
    teacher = cast.client_for(cast.teacher)
    slot = cast.school.hour_slots.get(number=1)
    day = school_day(cast)
    Closure.objects.create(
        institute=cast.institute, start_date=day, end_date=day, description="Santo patrono"
    )
    response = teacher.post(
        day_url(cast, "sign", day),
        {"slot": slot.pk, "back": day_url(cast, "class_day", day)},
        follow=True,
    )
    assert "non è un giorno di lezione" in messages_of(response)
    future = school_day(cast, timezone.localdate() + datetime.timedelta(days=7))
    response = teacher.post(day_url(cast, "sign", future), {"slot": slot.pk}, follow=True)
    assert "giornata futura" in messages_of(response)
    old = school_day(cast, day - datetime.timedelta(days=10))
    response = teacher.post(day_url(cast, "sign", old), {"slot": slot.pk}, follow=True)
    assert "al massimo 3 giorni" in messages_of(response)
    assert not Lesson.objects.exists()


def test_roll_call_then_late_entry_and_corrections_keep_history(cast: Cast) -> None:
    day = school_day(cast)
    teacher = cast.client_for(cast.teacher)
    absent = [cast.child.pk, cast.other_child.pk]
    assert teacher.post(day_url(cast, "roll_call", day), {"absent": absent}).status_code == 302
    assert set(
        Absence.objects.filter(date=day, cancelled_at__isnull=True).values_list(
            "student_id", flat=True
        )
    ) == set(absent)
    # The other child turns up at the second hour: the day absence becomes a late entry.
    slot2 = cast.school.hour_slots.get(number=2)
    teacher.post(
        day_url(cast, "late", day),
        {"student": cast.other_child.pk, "time": slot2.start_time.strftime("%H:%M")},
    )
    assert LateEntry.objects.get(student=cast.other_child, date=day).slot == slot2
    cancelled = Absence.objects.get(student=cast.other_child, date=day)
    assert cancelled.cancelled_at is not None and cancelled.cancel_reason == "entrata posticipata"
    assert Change.objects.filter(object_id=cancelled.pk, action="cancel").exists()
    # Saving the roll call again with nobody absent cancels, never deletes.
    teacher.post(day_url(cast, "roll_call", day), {})
    assert Absence.objects.filter(date=day).count() == 2
    assert not Absence.objects.filter(date=day, cancelled_at__isnull=True).exists()


def test_late_entry_before_school_and_exit_before_entry_are_refused(cast: Cast) -> None:
    day = school_day(cast)
    teacher = cast.client_for(cast.teacher)
    back = day_url(cast, "class_day", day)
    early = teacher.post(
        day_url(cast, "late", day),
        {"student": cast.child.pk, "time": "07:30", "back": back},
        follow=True,
    )
    assert "prima dell'inizio delle lezioni" in messages_of(early)
    teacher.post(day_url(cast, "late", day), {"student": cast.child.pk, "time": "09:10"})
    wrong = teacher.post(
        day_url(cast, "early_exit", day),
        {"student": cast.child.pk, "time": "09:00", "back": back},
        follow=True,
    )
    assert "non può precedere l'entrata delle 09:10" in messages_of(wrong)
    assert not EarlyExit.objects.exists()
    teacher.post(
        day_url(cast, "early_exit", day),
        {"student": cast.child.pk, "time": "09:40", "picked_up_by": "la madre"},
    )
    assert EarlyExit.objects.get(student=cast.child).picked_up_by == "la madre"


def test_ritardo_breve_is_marked(cast: Cast) -> None:
    day = school_day(cast)
    cast.client_for(cast.teacher).post(
        day_url(cast, "late", day), {"student": cast.child.pk, "time": "08:05"}
    )
    assert LateEntry.objects.get(student=cast.child).short


def test_family_sees_justifies_teacher_validates_coordinator_sees_the_rest(cast: Cast) -> None:
    day = school_day(cast)
    teacher = cast.client_for(cast.teacher)
    teacher.post(day_url(cast, "roll_call", day), {"absent": [cast.child.pk]})
    teacher.post(day_url(cast, "late", day), {"student": cast.adult_student.pk, "time": "09:30"})
    guardian = cast.client_for(cast.guardian)
    page = guardian.get(reverse("register:student", args=[cast.child.pk])).content.decode()
    assert "da giustificare" in page
    response = guardian.post(
        reverse("register:justify", args=[cast.child.pk]),
        {"kind": "assenza", "start": day.isoformat(), "reason": "Febbre"},
    )
    assert response.status_code == 302
    justification = Justification.objects.get(student=cast.child)
    assert justification.submitted_by == cast.guardian
    assert Absence.objects.get(student=cast.child, date=day).justification == justification
    teacher.post(
        reverse("register:decide", args=[cast.classroom_1a.pk, justification.pk]),
        {"decision": "accept"},
    )
    justification.refresh_from_db()
    assert justification.status == "accettata" and justification.decided_by == cast.teacher
    # The coordinator sees the adult's late entry still unjustified.
    cast.institute.unjustified_alert_days = 0
    cast.institute.save()
    coordinator = (
        cast.client_for(cast.coordinator)
        .get(reverse("register:attendance", args=[cast.classroom_1a.pk]))
        .content.decode()
    )
    unjustified = coordinator.split('data-testid="unjustified"')[1]
    assert escape(cast.adult_student.surname) in unjustified
    assert escape(cast.child.surname) not in unjustified


def test_family_can_edit_or_withdraw_until_validated(cast: Cast) -> None:
    day = school_day(cast)
    cast.client_for(cast.teacher).post(day_url(cast, "roll_call", day), {"absent": [cast.child.pk]})
    guardian = cast.client_for(cast.guardian)
    guardian.post(
        reverse("register:justify", args=[cast.child.pk]),
        {"kind": "assenza", "start": day.isoformat(), "reason": "Visita"},
    )
    justification = Justification.objects.get()
    guardian.post(
        reverse("register:justification_withdraw", args=[cast.child.pk, justification.pk])
    )
    justification.refresh_from_db()
    assert justification.status == "ritirata"
    assert Absence.objects.get(student=cast.child).justification is None


def test_announcing_a_future_absence_links_it_when_recorded(cast: Cast) -> None:
    day = school_day(cast)
    guardian = cast.client_for(cast.guardian)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    guardian.post(
        reverse("register:justify", args=[cast.child.pk]),
        {"kind": "assenza", "start": tomorrow.isoformat(), "reason": "Gara"},
    )
    justification = Justification.objects.get()
    assert justification.in_advance
    # When the absence is recorded on that day it is already justified (pending validation).
    Justification.objects.filter(pk=justification.pk).update(start_date=day, end_date=day)
    cast.client_for(cast.teacher).post(day_url(cast, "roll_call", day), {"absent": [cast.child.pk]})
    assert Absence.objects.get(student=cast.child).justification_id == justification.pk


@pytest.mark.parametrize(
    "who", ["other_guardian", "teacher", "child_user", "outsider", "other_teacher"]
)
def test_justifying_another_familys_child_is_404(cast: Cast, who: str) -> None:
    day = school_day(cast)
    cast.client_for(cast.teacher).post(day_url(cast, "roll_call", day), {"absent": [cast.child.pk]})
    client = cast.client_for(getattr(cast, who))
    response = client.post(
        reverse("register:justify", args=[cast.child.pk]),
        {"kind": "assenza", "start": day.isoformat(), "reason": "x"},
    )
    assert response.status_code == 404
    assert not Justification.objects.exists()


def test_adult_student_justifies_only_if_the_school_allows(cast: Cast) -> None:
    day = school_day(cast)
    cast.client_for(cast.teacher).post(
        day_url(cast, "roll_call", day), {"absent": [cast.adult_student.pk]}
    )
    adult = cast.client_for(cast.adult_user)
    data = {"kind": "assenza", "start": day.isoformat(), "reason": "Motivi personali"}
    cast.institute.adult_students_may_justify = False
    cast.institute.save()
    assert (
        adult.post(reverse("register:justify", args=[cast.adult_student.pk]), data).status_code
        == 404
    )
    assert not Justification.objects.exists()  # no right to justify: refused as missing
    cast.institute.adult_students_may_justify = True
    cast.institute.save()
    adult.post(reverse("register:justify", args=[cast.adult_student.pk]), data)
    assert Justification.objects.filter(student=cast.adult_student).exists()


def test_a_minor_student_never_justifies(cast: Cast) -> None:
    day = school_day(cast)
    cast.client_for(cast.teacher).post(day_url(cast, "roll_call", day), {"absent": [cast.child.pk]})
    cast.client_for(cast.child_user).post(
        reverse("register:justify", args=[cast.child.pk]),
        {"kind": "assenza", "start": day.isoformat(), "reason": "x"},
    )
    assert not Justification.objects.exists()


def test_second_test_on_the_same_day_is_warned_or_refused(cast: Cast) -> None:
    day = school_day(cast, timezone.localdate() + datetime.timedelta(days=7))
    teacher = cast.client_for(cast.teacher)
    data = {
        "kind": "verifica",
        "subject": cast.maths.pk,
        "date": day.isoformat(),
        "text": "Verifica",
    }
    teacher.post(day_url(cast, "agenda", school_day(cast)), data)
    second = cast.client_for(cast.coordinator).post(
        day_url(cast, "agenda", school_day(cast)), {**data, "subject": cast.italian.pk}, follow=True
    )
    assert "ha già una verifica" in messages_of(second)
    assert AgendaItem.objects.count() == 2
    cast.institute.one_test_per_day = True
    cast.institute.save()
    third = teacher.post(
        day_url(cast, "agenda", school_day(cast)), {**data, "back": "/"}, follow=True
    )
    assert "ha già una verifica" in messages_of(third)
    assert AgendaItem.objects.count() == 2


def test_notes_for_students_or_the_class_cancelled_never_deleted(cast: Cast) -> None:
    day = school_day(cast)
    teacher = cast.client_for(cast.teacher)
    teacher.post(
        day_url(cast, "note", day),
        {"text": "Disturba la lezione", "students": [cast.other_child.pk]},
    )
    teacher.post(day_url(cast, "note", day), {"text": "Classe rumorosa"})
    individual = DisciplinaryNote.objects.get(text="Disturba la lezione")
    family = (
        cast.client_for(cast.guardian)
        .get(reverse("register:student", args=[cast.child.pk]))
        .content.decode()
    )
    assert "Classe rumorosa" in family and "Disturba la lezione" not in family
    refused = teacher.post(
        reverse("register:note_cancel", args=[cast.classroom_1a.pk, individual.pk]), {"reason": ""}
    )
    assert refused.status_code == 302
    individual.refresh_from_db()
    assert individual.cancelled_at is None
    teacher.post(
        reverse("register:note_cancel", args=[cast.classroom_1a.pk, individual.pk]),
        {"reason": "Alunno sbagliato"},
    )
    individual.refresh_from_db()
    assert individual.cancelled_at is not None
    assert DisciplinaryNote.objects.count() == 2


def test_student_near_the_limit_shows_for_the_coordinator(cast: Cast) -> None:
    year = cast.classroom_1a.school_year
    day = year.lessons_start
    days = []
    while len(days) < 70 and day <= timezone.localdate():
        if is_school_day(cast.school, day):
            days.append(day)
        day += datetime.timedelta(days=1)
    Absence.objects.bulk_create(
        Absence(
            student=cast.other_child, classroom=cast.classroom_1a, date=d, recorded_by=cast.teacher
        )
        for d in days
    )
    page = (
        cast.client_for(cast.coordinator)
        .get(reverse("register:attendance", args=[cast.classroom_1a.pk]))
        .content.decode()
    )
    row = page.split(escape(cast.other_child.full_name))[1].split("</tr>")[0]
    assert "vicino al limite" in row or "oltre il limite" in row


@pytest.mark.parametrize(
    "who", ["other_teacher", "guardian", "child_user", "outsider", "foreign_office"]
)
def test_register_pages_and_writes_refuse_outsiders(cast: Cast, who: str) -> None:
    day = school_day(cast)
    client = cast.client_for(getattr(cast, who))
    assert client.get(day_url(cast, "class_day", day)).status_code == 404
    assert (
        client.get(reverse("register:attendance", args=[cast.classroom_1a.pk])).status_code == 404
    )
    assert (
        client.post(day_url(cast, "roll_call", day), {"absent": [cast.child.pk]}).status_code == 404
    )
    slot = cast.school.hour_slots.get(number=1)
    assert client.post(day_url(cast, "sign", day), {"slot": slot.pk}).status_code == 404
    assert not Absence.objects.exists() and not Lesson.objects.exists()


def test_office_reads_the_register_but_does_not_write(cast: Cast) -> None:
    day = school_day(cast)
    office = cast.client_for(cast.office)
    page = office.get(day_url(cast, "class_day", day)).content.decode()
    assert "Salva l'appello" not in page
    assert (
        office.post(day_url(cast, "roll_call", day), {"absent": [cast.child.pk]}).status_code == 404
    )


def count(client: object, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200  # type: ignore[attr-defined]
    return len(queries)


def test_register_pages_queries_do_not_grow(cast: Cast) -> None:
    day = school_day(cast)
    teacher = cast.client_for(cast.teacher)
    guardian = cast.client_for(cast.guardian)
    urls = [
        (teacher, day_url(cast, "class_day", day)),
        (guardian, reverse("register:student", args=[cast.child.pk])),
    ]
    teacher.post(day_url(cast, "roll_call", day), {"absent": [cast.child.pk]})
    teacher.post(day_url(cast, "note", day), {"text": "Prima nota"})  # prefetches run from one row
    before = [count(c, u) for c, u in urls]
    extra: list[Student] = [
        f.EnrollmentFactory(classroom=cast.classroom_1a).student for _ in range(6)
    ]
    teacher.post(
        day_url(cast, "roll_call", day), {"absent": [cast.child.pk] + [s.pk for s in extra]}
    )
    earlier = school_day(cast, day - datetime.timedelta(days=1))
    teacher.post(day_url(cast, "roll_call", earlier), {"absent": [cast.child.pk]})
    teacher.post(day_url(cast, "note", day), {"text": "Nota"})
    assert [count(c, u) for c, u in urls] == before


def test_office_sees_corrections_with_before_after_and_why(cast: Cast) -> None:
    day = school_day(cast)
    teacher = cast.client_for(cast.teacher)
    teacher.post(day_url(cast, "roll_call", day), {"absent": [cast.child.pk]})
    teacher.post(day_url(cast, "roll_call", day), {})
    page = cast.client_for(cast.office).get(reverse("register:history")).content.decode()
    assert "annullamento" in page and "correzione dell&#x27;appello" in page
    assert "inserimento" in page
    for who in ("teacher", "principal", "guardian", "foreign_office"):
        response = cast.client_for(getattr(cast, who)).get(reverse("register:history"))
        if who == "foreign_office":
            assert "correzione dell&#x27;appello" not in response.content.decode()
        else:
            assert response.status_code == 404


def test_single_hour_absence_counts_one_hour_and_off_site_counts_as_present(cast: Cast) -> None:
    day = school_day(cast)
    teacher = cast.client_for(cast.teacher)
    slot2 = cast.school.hour_slots.get(number=2)
    teacher.post(day_url(cast, "hour_absence", day), {"student": cast.child.pk, "slot": slot2.pk})
    teacher.post(
        day_url(cast, "off_site", day),
        {"student": cast.other_child.pk, "reason": "Gara di atletica"},
    )
    summaries = {s.student.pk: s for s in attendance_summaries(cast.classroom_1a, until=day)}
    assert summaries[cast.child.pk].absent_hours == 1
    assert summaries[cast.child.pk].by_subject == {"Italiano": 1}
    assert summaries[cast.other_child.pk].absent_hours == 0
    # A day absence and hourly ones do not mix.
    teacher.post(day_url(cast, "roll_call", day), {"absent": [cast.other_child.pk]})
    mixed = teacher.post(
        day_url(cast, "hour_absence", day),
        {"student": cast.other_child.pk, "slot": slot2.pk, "back": "/"},
        follow=True,
    )
    assert "intera giornata" in messages_of(mixed)


def test_principal_grants_a_waiver_and_a_measure(cast: Cast) -> None:
    day = school_day(cast)
    cast.client_for(cast.teacher).post(
        day_url(cast, "note", day), {"text": "Uso del telefono", "students": [cast.child.pk]}
    )
    note = DisciplinaryNote.objects.get()
    principal = cast.client_for(cast.principal)
    principal.post(
        reverse("register:measure", args=[cast.classroom_1a.pk, note.pk]),
        {"measure": "Convocazione dei genitori"},
    )
    note.refresh_from_db()
    assert note.measure == "Convocazione dei genitori" and note.measure_by == cast.principal
    principal.post(
        reverse("register:waiver", args=[cast.classroom_1a.pk]),
        {"student": cast.child.pk, "hours": 20, "reason": "Ricovero"},
    )
    page = principal.get(
        reverse("register:attendance", args=[cast.classroom_1a.pk])
    ).content.decode()
    assert "Convocazione dei genitori" in page
    # Teachers may not grant waivers or measures.
    teacher = cast.client_for(cast.coordinator)
    assert (
        teacher.post(
            reverse("register:waiver", args=[cast.classroom_1a.pk]),
            {"student": cast.child.pk, "hours": 5, "reason": "x"},
        ).status_code
        == 404
    )


def test_annotations_visible_to_family_only_when_chosen(cast: Cast) -> None:
    day = school_day(cast)
    teacher = cast.client_for(cast.teacher)
    teacher.post(
        day_url(cast, "annotation", day),
        {"text": "Uscita didattica domani", "visible_to_family": "on"},
    )
    teacher.post(day_url(cast, "annotation", day), {"text": "Solo per i docenti"})
    family = (
        cast.client_for(cast.guardian)
        .get(reverse("register:student", args=[cast.child.pk]))
        .content.decode()
    )
    assert "Uscita didattica domani" in family
    assert "Solo per i docenti" not in family


def test_family_edits_a_pending_justification_other_families_cannot(cast: Cast) -> None:
    day = school_day(cast)
    cast.client_for(cast.teacher).post(day_url(cast, "roll_call", day), {"absent": [cast.child.pk]})
    guardian = cast.client_for(cast.guardian)
    guardian.post(
        reverse("register:justify", args=[cast.child.pk]),
        {"kind": "assenza", "start": day.isoformat(), "reason": "Febre"},
    )
    justification = Justification.objects.get()
    url = reverse("register:justification_edit", args=[cast.child.pk, justification.pk])
    assert cast.client_for(cast.other_guardian).post(url, {"reason": "Altro"}).status_code == 404
    guardian.post(url, {"reason": "Febbre"})
    justification.refresh_from_db()
    assert justification.reason == "Febbre"
    cast.client_for(cast.teacher).post(
        reverse("register:decide", args=[cast.classroom_1a.pk, justification.pk]),
        {"decision": "accept"},
    )
    guardian.post(url, {"reason": "Cambiato dopo"})
    justification.refresh_from_db()
    assert justification.reason == "Febbre"  # validated: no longer editable


def test_annotation_is_cancelled_with_a_reason(cast: Cast) -> None:
    day = school_day(cast)
    teacher = cast.client_for(cast.teacher)
    teacher.post(
        day_url(cast, "annotation", day), {"text": "Compiti non svolti", "visible_to_family": "on"}
    )
    annotation = Annotation.objects.get()
    url = reverse("register:annotation_cancel", args=[cast.classroom_1a.pk, annotation.pk])
    assert cast.client_for(cast.other_teacher).post(url, {"reason": "x"}).status_code == 404
    teacher.post(url, {"reason": "Annotazione sbagliata"})
    annotation.refresh_from_db()
    assert annotation.cancelled_at is not None
    family = (
        cast.client_for(cast.guardian)
        .get(reverse("register:student", args=[cast.child.pk]))
        .content.decode()
    )
    assert "Compiti non svolti" not in family
