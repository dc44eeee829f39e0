"""API of the class register: the same scoping and services as the pages.

Refusals: something outside the caller's scope answers 404; a rule of the register (a holiday,
an exit before the entry, …) answers 400 `register_error` with the Italian message; a day closed
by a locked term-end evaluation answers 409 `giorno_chiuso` (api/api.py maps school.guard's
DayClosed once for every router).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictInt

from campanella.lib.api_errors import CONFLICT, ErrorOut
from campanella.lib.api_lists import PAGED, Paging, json_body, json_reply, page_of
from campanella.lib.api_types import ClockTime, Day, Flag, Text
from campanella.lib.ids import Id
from campanella.people.models import User
from campanella.people.selectors import (
    classrooms_for_user,
    current_enrollment,
    enrolled_students,
    own_students,
    students_for_user,
)
from campanella.register import selectors, services
from campanella.register.models import Justification
from campanella.register.views import seen_student
from campanella.school.models import Classroom, HourSlot, Subject

router = Router(tags=["registro di classe"])
MAX_WAIVER_HOURS = 2000  # more than a year of lessons (about 1,000 hours in upper secondary)
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def acting(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def classroom_for(request: HttpRequest, classroom_id: Id) -> Classroom:
    scoped = classrooms_for_user(request.user).select_related("school__institute", "school_year")
    return get_object_or_404(scoped, pk=classroom_id)


class SignatureOut(Schema):
    teacher: str
    kind: str
    late: bool


class HourOut(Schema):
    slot: int
    number: int
    start: ClockTime
    end: ClockTime
    planned_subject: str
    subject: str | None
    topic: str
    signatures: list[SignatureOut]


class AttendanceOut(Schema):
    student_id: int
    name: str
    absent: bool
    late_entry: ClockTime | None
    early_exit: ClockTime | None
    # The records' ids, to cancel one (register.api_corrections); None when there is none.
    absence_id: int | None = None
    late_entry_id: int | None = None
    early_exit_id: int | None = None


class ClassDayOut(Schema):
    classroom_id: Id
    date: datetime.date
    hours: list[HourOut]
    students: list[AttendanceOut]


def class_day_out(day: selectors.ClassDay) -> ClassDayOut:
    hours = [
        HourOut(
            slot=row.slot.pk,
            number=row.slot.number,
            start=row.slot.start_time,
            end=row.slot.end_time,
            planned_subject=row.planned_subject,
            subject=row.lesson.subject.name if row.lesson else None,
            topic=row.lesson.topic if row.lesson else "",
            signatures=[
                SignatureOut(teacher=s.teacher.full_name, kind=s.kind, late=s.late)
                for s in (row.lesson.signatures.all() if row.lesson else [])
            ],
        )
        for row in day.hours
    ]
    students = [
        AttendanceOut(
            student_id=row.student.pk,
            name=row.student.full_name,
            absent=row.absent is not None,
            late_entry=row.late.time if row.late else None,
            early_exit=row.exit.time if row.exit else None,
            absence_id=row.absent.pk if row.absent else None,
            late_entry_id=row.late.pk if row.late else None,
            early_exit_id=row.exit.pk if row.exit else None,
        )
        for row in day.students
    ]
    return ClassDayOut(classroom_id=day.classroom.pk, date=day.day, hours=hours, students=students)


@router.get(
    "/classrooms/{classroom_id}/register/{day}",
    response={200: ClassDayOut, **ERRORS},
    summary="Il registro di una classe in un giorno",
)
def class_day(request: HttpRequest, classroom_id: Id, day: Day) -> ClassDayOut:
    return class_day_out(selectors.class_day(classroom_for(request, classroom_id), day))


class SignIn(Schema):
    slot_id: Id
    subject_id: Id | None = None
    topic: Text = ""
    activities: Text = ""


@router.post(
    "/classrooms/{classroom_id}/register/{day}/signatures",
    response={200: ClassDayOut, **ERRORS, **CONFLICT},
    summary="Firma un'ora (argomento e attività)",
)
def sign(request: HttpRequest, classroom_id: Id, day: Day, payload: SignIn) -> ClassDayOut:
    classroom = classroom_for(request, classroom_id)
    slot = get_object_or_404(HourSlot, pk=payload.slot_id, school=classroom.school)
    if payload.subject_id is None:
        entry = (
            classroom.timetable.filter(weekday=day.weekday(), slot=slot)
            .select_related("subject")
            .first()
        )
        if entry is None:
            raise services.RegisterError(
                "In quest'ora la classe non ha lezione: indicare subject_id."
            )
        subject = entry.subject
    else:
        subject = get_object_or_404(
            Subject, pk=payload.subject_id, institute_id=classroom.school.institute_id
        )
    services.lesson_sign(
        user=acting(request), classroom=classroom, day=day, slot=slot, subject=subject,
        topic=payload.topic, activities=payload.activities,
    )  # fmt: skip
    return class_day_out(selectors.class_day(classroom, day))


class RollCallIn(Schema):
    absent: list[Id]


@router.put(
    "/classrooms/{classroom_id}/register/{day}/roll-call",
    response={200: ClassDayOut, **ERRORS, **CONFLICT},
    summary="Appello: gli assenti della giornata (gli altri presenti)",
)
def roll_call(request: HttpRequest, classroom_id: Id, day: Day, payload: RollCallIn) -> ClassDayOut:
    classroom = classroom_for(request, classroom_id)
    services.roll_call_save(
        user=acting(request), classroom=classroom, day=day, absent_ids=payload.absent
    )
    return class_day_out(selectors.class_day(classroom, day))


class TimeIn(Schema):
    student_id: Id
    time: ClockTime
    picked_up_by: Text = Field("", max_length=150)


def student_in(classroom: Classroom, student_id: Id, day: datetime.date) -> Any:
    student = enrolled_students(classroom, day).filter(pk=student_id).first()
    if student is None:
        raise Http404
    return student


@router.post(
    "/classrooms/{classroom_id}/register/{day}/late-entries",
    response={200: ClassDayOut, **ERRORS, **CONFLICT},
    summary="Entrata posticipata",
)
def late_entry(request: HttpRequest, classroom_id: Id, day: Day, payload: TimeIn) -> ClassDayOut:
    classroom = classroom_for(request, classroom_id)
    student = student_in(classroom, payload.student_id, day)
    services.late_entry_record(
        user=acting(request), classroom=classroom, student=student, day=day, time=payload.time
    )
    return class_day_out(selectors.class_day(classroom, day))


@router.post(
    "/classrooms/{classroom_id}/register/{day}/early-exits",
    response={200: ClassDayOut, **ERRORS, **CONFLICT},
    summary="Uscita anticipata",
)
def early_exit(request: HttpRequest, classroom_id: Id, day: Day, payload: TimeIn) -> ClassDayOut:
    classroom = classroom_for(request, classroom_id)
    student = student_in(classroom, payload.student_id, day)
    services.early_exit_record(
        user=acting(request), classroom=classroom, student=student, day=day, time=payload.time,
        picked_up_by=payload.picked_up_by,
    )  # fmt: skip
    return class_day_out(selectors.class_day(classroom, day))


class NoteIn(Schema):
    date: Day
    text: Text
    student_ids: list[Id] = []


class CreatedOut(Schema):
    id: int
    warnings: list[str] = []


@router.post(
    "/classrooms/{classroom_id}/notes",
    response={200: CreatedOut, **ERRORS, **CONFLICT},
    summary="Nota disciplinare (nessun alunno: tutta la classe)",
)
def note(request: HttpRequest, classroom_id: Id, payload: NoteIn) -> CreatedOut:
    classroom = classroom_for(request, classroom_id)
    students = list(enrolled_students(classroom, payload.date).filter(pk__in=payload.student_ids))
    if len(students) != len(set(payload.student_ids)):
        raise Http404
    created = services.note_create(
        user=acting(request),
        classroom=classroom,
        day=payload.date,
        text=payload.text,
        students=students,
    )
    return CreatedOut(id=created.pk)


class AgendaIn(Schema):
    kind: Text = Field(description="compiti o verifica")
    subject_id: Id
    date: Day
    text: Text


class AgendaOut(Schema):
    id: int
    kind: str
    subject: str
    date: datetime.date
    text: str


@router.post(
    "/classrooms/{classroom_id}/agenda",
    response={200: CreatedOut, **ERRORS, **CONFLICT},
    summary="Compiti o verifica in agenda (avvisa se c'è già una verifica)",
)
def agenda_add(request: HttpRequest, classroom_id: Id, payload: AgendaIn) -> CreatedOut:
    classroom = classroom_for(request, classroom_id)
    subject = get_object_or_404(
        Subject, pk=payload.subject_id, institute_id=classroom.school.institute_id
    )
    result = services.agenda_add(
        user=acting(request),
        classroom=classroom,
        subject=subject,
        kind=payload.kind,
        day=payload.date,
        text=payload.text,
    )
    return CreatedOut(id=result.item.pk, warnings=[str(w) for w in result.warnings])


class DecisionIn(Schema):
    accept: Flag
    note: Text = Field("", max_length=300)


class JustificationOut(Schema):
    id: int
    kind: str
    start_date: datetime.date
    end_date: datetime.date
    reason: str
    status: str
    in_advance: bool


def justification_out(j: Justification) -> JustificationOut:
    return JustificationOut(**justification_plain(j))


def justification_plain(j: Justification) -> dict[str, Any]:
    return {
        "id": j.pk, "kind": j.kind, "start_date": j.start_date, "end_date": j.end_date,
        "reason": j.reason, "status": j.status, "in_advance": j.in_advance,
    }  # fmt: skip


@router.post(
    "/justifications/{justification_id}/decision",
    response={200: JustificationOut, **ERRORS, **CONFLICT},
    summary="Il docente accetta o respinge una giustificazione",
)
def decide(request: HttpRequest, justification_id: Id, payload: DecisionIn) -> JustificationOut:
    justification = get_object_or_404(
        Justification.objects.filter(student__in=students_for_user(request.user)),
        pk=justification_id,
    )
    services.justification_decide(
        user=acting(request), justification=justification, accept=payload.accept, note=payload.note
    )
    return justification_out(justification)


def state(justification: Justification | selectors.EventJustification | None) -> str | None:
    return justification.status if justification else None


class EventOut(Schema):
    kind: str
    date: datetime.date
    time: ClockTime | None
    justification_status: str | None


class LessonOut(Schema):
    date: datetime.date
    hour: int
    subject: str
    topic: str


class FamilyRegisterOut(Schema):
    events: list[EventOut]
    lessons: list[LessonOut]
    justifications: list[JustificationOut]
    notes: list[str]
    agenda: list[AgendaOut]


@router.get(
    "/students/{student_id}/register",
    response={200: FamilyRegisterOut, **ERRORS},
    summary="Assenze, argomenti, note e agenda di un alunno (ultimi 30 giorni)",
)
def student_register(request: HttpRequest, student_id: Id) -> HttpResponse:
    # The page's own scoped read of the student (register.views), then the same selector.
    student = next(iter(seen_student(request.user, student_id)), None)
    enrollment = current_enrollment(student) if student is not None else None
    if student is None or enrollment is None:
        raise Http404
    today = timezone.localdate()
    since = max(enrollment.school_year.lessons_start, today - datetime.timedelta(days=30))
    data = selectors.family_register(student, enrollment.classroom, since=since, until=today)
    return json_reply(json_body(family_register_plain(data)))


def clock(value: datetime.time | None) -> str | None:
    return None if value is None else value.strftime("%H:%M:%S")  # as ClockTime answers


def family_register_plain(data: selectors.FamilyRegister) -> dict[str, Any]:
    """FamilyRegisterOut in plain values: the events newest first, then what the page lists."""
    events = (
        [
            {"kind": "assenza", "date": a.date, "time": None,
             "justification_status": state(a.justification)}
            for a in data.absences
        ]
        + [
            {"kind": "ritardo", "date": x.date, "time": clock(x.time),
             "justification_status": state(x.justification)}
            for x in data.lates
        ]
        + [
            {"kind": "uscita", "date": x.date, "time": clock(x.time),
             "justification_status": state(x.justification)}
            for x in data.exits
        ]
    )  # fmt: skip
    return {
        "events": sorted(events, key=lambda e: e["date"], reverse=True),
        "lessons": [
            {"date": x.date, "hour": x.hour, "subject": x.subject, "topic": x.topic}
            for x in data.lessons
        ],
        "justifications": [justification_plain(j) for j in data.justifications],
        "notes": [n.text for n in data.notes] + [a.text for a in data.annotations],
        "agenda": [
            {"id": i.pk, "kind": i.kind, "subject": i.subject.name, "date": i.date, "text": i.text}
            for i in data.agenda
        ],
    }


class JustifyIn(Schema):
    kind: Text = Field(description="assenza, ritardo o uscita")
    start_date: Day
    end_date: Day | None = None
    time: ClockTime | None = None
    reason: Text = Field(max_length=300)


@router.post(
    "/students/{student_id}/justifications",
    response={200: JustificationOut, **ERRORS, **CONFLICT},
    summary="Giustifica (o comunica in anticipo) un'assenza, un'entrata o un'uscita",
)
def justify(request: HttpRequest, student_id: Id, payload: JustifyIn) -> JustificationOut:
    student = get_object_or_404(own_students(request.user), pk=student_id)
    created = services.justification_submit(
        user=acting(request), student=student, kind=payload.kind, start=payload.start_date,
        end=payload.end_date, reason=payload.reason, time=payload.time,
    )  # fmt: skip
    return justification_out(created)


@router.delete(
    "/students/{student_id}/justifications/{justification_id}",
    response={204: None, **ERRORS, **CONFLICT},
    summary="Ritira una giustificazione non ancora valutata",
)
def withdraw(request: HttpRequest, student_id: Id, justification_id: Id) -> Status[None]:
    student = get_object_or_404(own_students(request.user), pk=student_id)
    justification = get_object_or_404(Justification, pk=justification_id, student=student)
    services.justification_withdraw(user=acting(request), justification=justification)
    return Status(204, None)


class ReasonIn(Schema):
    reason: Text = Field(max_length=300, description="nuova motivazione")


@router.put(
    "/students/{student_id}/justifications/{justification_id}",
    response={200: JustificationOut, **ERRORS, **CONFLICT},
    summary="Cambia la motivazione di una giustificazione non ancora valutata",
)
def justification_edit(
    request: HttpRequest, student_id: Id, justification_id: Id, payload: ReasonIn
) -> JustificationOut:
    student = get_object_or_404(own_students(request.user), pk=student_id)
    justification = get_object_or_404(Justification, pk=justification_id, student=student)
    changed = services.justification_edit(
        user=acting(request), justification=justification, reason=payload.reason
    )
    return justification_out(changed)


class HourRollCallIn(Schema):
    slot_id: Id
    absent: list[Id]


@router.put(
    "/classrooms/{classroom_id}/register/{day}/hour-absences",
    response={200: ClassDayOut, **ERRORS, **CONFLICT},
    summary="Assenti in una singola ora",
)
def hour_absences(
    request: HttpRequest, classroom_id: Id, day: Day, payload: HourRollCallIn
) -> ClassDayOut:
    classroom = classroom_for(request, classroom_id)
    slot = get_object_or_404(HourSlot, pk=payload.slot_id, school=classroom.school)
    services.hour_absences_save(
        user=acting(request), classroom=classroom, day=day, slot=slot, absent_ids=payload.absent
    )
    return class_day_out(selectors.class_day(classroom, day))


class OffSiteIn(Schema):
    student_id: Id
    reason: Text = Field(max_length=200)


@router.post(
    "/classrooms/{classroom_id}/register/{day}/off-site",
    response={200: CreatedOut, **ERRORS, **CONFLICT},
    summary="Fuori classe (conta come presenza)",
)
def off_site(request: HttpRequest, classroom_id: Id, day: Day, payload: OffSiteIn) -> CreatedOut:
    classroom = classroom_for(request, classroom_id)
    student = student_in(classroom, payload.student_id, day)
    created = services.off_site_record(
        user=acting(request), classroom=classroom, student=student, day=day, reason=payload.reason
    )
    return CreatedOut(id=created.pk)


class AnnotationIn(Schema):
    date: Day
    text: Text
    student_id: Id | None = None
    visible_to_family: Flag = False


@router.post(
    "/classrooms/{classroom_id}/annotations",
    response={200: CreatedOut, **ERRORS, **CONFLICT},
    summary="Annotazione (visibile o no alla famiglia)",
)
def annotation(request: HttpRequest, classroom_id: Id, payload: AnnotationIn) -> CreatedOut:
    classroom = classroom_for(request, classroom_id)
    student = (
        student_in(classroom, payload.student_id, payload.date) if payload.student_id else None
    )
    created = services.annotation_create(
        user=acting(request), classroom=classroom, day=payload.date, text=payload.text,
        student=student, visible_to_family=payload.visible_to_family,
    )  # fmt: skip
    return CreatedOut(id=created.pk)


class WaiverIn(Schema):
    student_id: Id
    hours: StrictInt = Field(ge=1, le=MAX_WAIVER_HOURS)
    reason: Text = Field(max_length=300)


@router.post(
    "/classrooms/{classroom_id}/waivers",
    response={200: CreatedOut, **ERRORS, **CONFLICT},
    summary="Deroga al limite di assenze (solo il dirigente)",
)
def waiver(request: HttpRequest, classroom_id: Id, payload: WaiverIn) -> CreatedOut:
    classroom = classroom_for(request, classroom_id)
    student = get_object_or_404(enrolled_students(classroom), pk=payload.student_id)
    created = services.waiver_grant(
        user=acting(request), student=student, year=classroom.school_year, hours=payload.hours,
        reason=payload.reason,
    )  # fmt: skip
    return CreatedOut(id=created.pk)


class AttendanceRowOut(Schema):
    student_id: int
    name: str
    annual_hours: int
    absent_hours: int
    waived_hours: int
    limit_hours: int
    over_limit: bool
    near_limit: bool


@router.get(
    "/classrooms/{classroom_id}/attendance",
    response={200: list[AttendanceRowOut], **ERRORS},
    summary="Ore di assenza rispetto al limite del 25%",
    openapi_extra=PAGED,
)
def attendance(
    request: HttpRequest, response: HttpResponse, classroom_id: Id, paging: Query[Paging]
) -> list[AttendanceRowOut]:
    classroom = classroom_for(request, classroom_id)
    summaries = selectors.attendance_summaries(classroom, until=timezone.localdate())
    return [
        AttendanceRowOut(
            student_id=s.student.pk,
            name=s.student.full_name,
            annual_hours=s.annual_hours,
            absent_hours=s.absent_hours,
            waived_hours=s.waived_hours,
            limit_hours=s.limit_hours,
            over_limit=s.over_limit,
            near_limit=s.near_limit,
        )
        for s in page_of(summaries, request, paging, response)
    ]
