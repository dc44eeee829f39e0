"""Recent class-register history for the demo: signed lessons with topics, some absences, late
entries and justifications, so that every page has something real to show."""

from __future__ import annotations

import datetime
import random

from django.db import transaction

from campanella.audit.services import changes_record_created
from campanella.people.models import Enrollment, Guardianship, Staff, User
from campanella.register.models import (
    Absence,
    Justification,
    JustificationKind,
    JustificationStatus,
    LateEntry,
    Lesson,
    Signature,
    SignatureKind,
)
from campanella.school.models import Classroom, SchoolYear, Teaching, TimetableEntry
from campanella.school.selectors import school_days

TOPICS = {
    "ITA": [
        "Il Dolce Stil Novo",
        "Analisi del testo poetico",
        "Dante, Inferno canto V",
        "Il testo argomentativo",
    ],
    "MAT": [
        "Equazioni di secondo grado",
        "Disequazioni",
        "Funzioni e grafici",
        "Esercizi di ripasso",
    ],
    "ING": ["Present perfect", "Reading comprehension", "Vocabulary: travel", "Listening practice"],
    "STO": ["La rivoluzione francese", "L'età napoleonica", "Il Risorgimento"],
    "FIS": ["Moto rettilineo uniforme", "Le forze", "Laboratorio: il pendolo"],
}
ABSENCE_RATE = 0.06
LATE_RATE = 0.02


def topic_for(short_name: str, rng: random.Random) -> str:
    return rng.choice(
        TOPICS.get(short_name, ["Spiegazione ed esercizi", "Verifica orale", "Ripasso"])
    )


@transaction.atomic
def generate_history(
    *, institute_id: int, year: SchoolYear, until: datetime.date, days: int, rng: random.Random
) -> int:
    """Lessons and attendance for the last `days` school days before `until`. Returns lessons."""
    classrooms = list(Classroom.objects.filter(school_year=year).select_related("school"))
    if not classrooms or days <= 0:
        return 0
    recorder = (
        Staff.objects.filter(institute_id=institute_id, is_office=True)
        .select_related("user")
        .first()
    )
    actor: User | None = recorder.user if recorder else None
    teacher_of = {
        (t.classroom_id, t.subject_id): t
        for t in Teaching.objects.filter(classroom__in=classrooms).select_related("teacher__user")
    }
    timetable: dict[tuple[int, int], list[TimetableEntry]] = {}
    for entry in TimetableEntry.objects.filter(classroom__in=classrooms).select_related(
        "slot", "subject"
    ):
        timetable.setdefault((entry.classroom_id, entry.weekday), []).append(entry)
    enrolled: dict[int, list[int]] = {}
    for enrollment in Enrollment.objects.filter(classroom__in=classrooms, exit_date__isnull=True):
        enrolled.setdefault(enrollment.classroom_id, []).append(enrollment.student_id)
    first_school = classrooms[0].school
    window = school_days(
        first_school,
        max(year.lessons_start, until - datetime.timedelta(days=days * 2)),
        until - datetime.timedelta(days=1),
    )
    dates = window[-days:]
    lessons: list[Lesson] = []
    signatures: list[Signature] = []
    absences: list[Absence] = []
    lates: list[LateEntry] = []
    for day in dates:
        for classroom in classrooms:
            for entry in timetable.get((classroom.pk, day.weekday()), []):
                lesson = Lesson(
                    classroom=classroom,
                    date=day,
                    slot=entry.slot,
                    subject=entry.subject,
                    topic=topic_for(entry.subject.short_name, rng),
                )
                lessons.append(lesson)
            for student_id in enrolled.get(classroom.pk, []):
                draw = rng.random()
                recorded_by = actor or (
                    teacher_of[
                        next(iter(k for k in teacher_of if k[0] == classroom.pk))
                    ].teacher.user
                )
                if draw < ABSENCE_RATE:
                    absences.append(
                        Absence(
                            student_id=student_id,
                            classroom=classroom,
                            date=day,
                            recorded_by=recorded_by,
                        )
                    )
                elif draw < ABSENCE_RATE + LATE_RATE:
                    entries = timetable.get((classroom.pk, day.weekday()), [])
                    if len(entries) > 1:
                        slot = entries[1].slot
                        lates.append(
                            LateEntry(
                                student_id=student_id,
                                classroom=classroom,
                                date=day,
                                time=slot.start_time,
                                slot=slot,
                                recorded_by=recorded_by,
                            )
                        )
    Lesson.objects.bulk_create(lessons, batch_size=2000)
    for lesson in lessons:
        teaching = teacher_of.get((lesson.classroom_id, lesson.subject_id))
        if teaching is not None:
            signatures.append(
                Signature(
                    lesson=lesson,
                    teacher=teaching.teacher,
                    teaching=teaching,
                    kind=SignatureKind.OWN,
                )
            )
    Signature.objects.bulk_create(signatures, batch_size=2000)
    justifications = justify_most(absences, rng)
    Absence.objects.bulk_create(absences, batch_size=2000)
    LateEntry.objects.bulk_create(lates, batch_size=2000)
    for rows in (lessons, signatures, absences, lates, justifications):
        changes_record_created(
            instances=rows, actor=actor, institute_id=institute_id, reason="dati dimostrativi"
        )
    return len(lessons)


def justify_most(absences: list[Absence], rng: random.Random) -> list[Justification]:
    """About two thirds of the absences (not yet written) are justified by a guardian and
    accepted: linked before the absences are written, so that their history shows the link."""
    guardians = {
        link.student_id: link.guardian.user
        for link in Guardianship.objects.filter(
            student_id__in={a.student_id for a in absences}, guardian__user__isnull=False
        ).select_related("guardian__user")
    }
    justifications: list[Justification] = []
    for absence in absences:
        submitter = guardians.get(absence.student_id)
        if submitter is None or rng.random() > 0.66:
            continue
        justification = Justification.objects.create(
            student_id=absence.student_id,
            kind=JustificationKind.ABSENCE,
            start_date=absence.date,
            end_date=absence.date,
            reason=rng.choice(["Motivi di salute", "Visita medica", "Motivi familiari"]),
            submitted_by=submitter,
            status=JustificationStatus.ACCEPTED,
            decided_by=absence.recorded_by,
        )
        absence.justification = justification
        justifications.append(justification)
    return justifications
