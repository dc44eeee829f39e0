"""A realistic year of grades for the demo and the benchmarks (issue 5).

For every classroom of the year and every subject of its curriculum taught by a curricular
(normal) teacher, each student gets about `per_subject` grades between the first day of lessons
and `until`, on days the subject is in the classroom's timetable:

* written tests ("compito in classe") and practical tests are class events: one date and one
  description for every student enrolled that day, at most one written test a day per classroom;
* oral checks are individual, on the student's own dates; about one in five is a short check
  ("interrogazione breve") with weight 0.5;
* nobody is graded on a day the register says they were absent (whole-day absences);
* a few grades do not count in the average: some classrooms' entry test (test d'ingresso) and a
  few oral exercises;
* values follow a per-student ability plus a per-subject bent, on the Italian scale 3–10 in
  quarter steps (6, 6+, 6½, 7-, 7 …); religion gets judgements (insufficiente … ottimo) and a
  primary school giudizi sintetici (ottimo … non sufficiente; the 2020 descriptive levels in a
  year before 2024/25), as `grades.services.scale_for` decides.

Everything random comes from the `rng` passed in, drawn in a fixed order (classrooms, subjects
and students by primary key), so the same data and seed give the same grades. Writes are bulk
inserts (5,000 rows a statement), history included: each teacher is the author of the creation
records of their grades (`changes_record_created`, reason "dati dimostrativi").
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from campanella.audit.services import changes_record_created
from campanella.grades.models import Grade, GradeKind, ScaleKind
from campanella.grades.services import grades_changed, scale_for
from campanella.lib.grades import DESCRIPTIVE_LEVELS, JUDGEMENTS, SYNTHETIC_JUDGEMENTS
from campanella.people.models import Enrollment, Staff, User
from campanella.register.models import Absence
from campanella.school.models import (
    Classroom,
    ClassroomSubject,
    Institute,
    SchoolYear,
    SubjectKind,
    Teaching,
    TeachingKind,
    TimetableEntry,
)
from campanella.school.selectors import school_days

BATCH_SIZE = 5000
REASON = "dati dimostrativi"
ROME = ZoneInfo("Europe/Rome")

# Share of a subject's grades by kind: (written, practical); the rest are oral.
KIND_SHARES: dict[str, tuple[float, float]] = {
    "ITA": (0.45, 0.0), "LAT": (0.5, 0.0), "ING": (0.45, 0.0), "MAT": (0.5, 0.0),
    "FIS": (0.35, 0.1), "SCI": (0.3, 0.0), "ECA": (0.45, 0.0), "INF": (0.3, 0.35),
    "SIS": (0.3, 0.3), "TPS": (0.25, 0.4), "ART": (0.0, 0.5), "MOT": (0.0, 0.75),
    "STO": (0.2, 0.0), "STG": (0.2, 0.0), "FIL": (0.2, 0.0), "DIR": (0.2, 0.0),
    "ITAL": (0.45, 0.0), "INGL": (0.4, 0.0), "FRA": (0.4, 0.0), "TEC": (0.2, 0.3),
    "ARTI": (0.0, 0.5), "MUS": (0.0, 0.4), "EDF": (0.0, 0.75),
}  # fmt: skip
DEFAULT_SHARES = (0.25, 0.0)
TOPICS: dict[str, list[str]] = {
    "ITA": ["Analisi del testo", "Tema argomentativo", "Il Dolce Stil Novo", "Dante, Inferno"],
    "LAT": ["Versione dal latino", "La terza declinazione", "Cesare, De bello Gallico"],
    "ING": ["Present perfect", "Reading comprehension", "Writing: an e-mail", "Past tenses"],
    "MAT": ["Equazioni di secondo grado", "Disequazioni", "Funzioni e grafici", "Geometria"],
    "FIS": ["Moto rettilineo uniforme", "Le forze", "Il pendolo", "Energia e lavoro"],
    "SCI": ["La cellula", "Chimica: la mole", "Il sistema solare"],
    "STO": ["La rivoluzione francese", "L'età napoleonica", "Il Risorgimento"],
    "STG": ["Le civiltà mesopotamiche", "La Grecia classica", "Roma repubblicana"],
    "FIL": ["I presocratici", "Platone", "Aristotele"],
    "DIR": ["La Costituzione", "Il mercato", "Le fonti del diritto"],
    "INF": ["Algoritmi e diagrammi di flusso", "Programmazione in Python", "Fogli di calcolo"],
    "SIS": ["Il modello ISO/OSI", "Indirizzi IP", "Configurazione di una rete"],
    "TPS": ["Sistemi operativi", "Processi e thread", "Progetto di laboratorio"],
    "ECA": ["Il bilancio", "La partita doppia", "Calcoli percentuali"],
    "ART": ["Proiezioni ortogonali", "L'arte greca", "Prospettiva"],
    "MOT": ["Pallavolo", "Atletica: velocità", "Circuito a stazioni", "Pallacanestro"],
    "IRC": ["Le religioni del mondo", "Etica e scelte", "Il dialogo interreligioso"],
    "ITAL": ["Dettato", "Comprensione del testo", "Il riassunto", "Grammatica: il verbo"],
    "INGL": ["Colours and numbers", "My family", "Daily routine", "Reading comprehension"],
    "FRA": ["Se présenter", "Les nombres", "La famille"],
    "GEO": ["Orientarsi con le carte", "I paesaggi italiani", "Le regioni d'Italia"],
    "SCIE": ["Gli stati della materia", "Le piante", "Il corpo umano", "Gli ecosistemi"],
    "TEC": ["I materiali", "Il disegno tecnico", "Il coding"],
    "MUS": ["Il ritmo", "Il flauto dolce", "Ascolto guidato"],
    "ARTI": ["I colori primari", "Il paesaggio", "Il ritratto"],
    "EDF": ["Giochi di squadra", "Percorso motorio", "Equilibrio e coordinazione"],
}
DEFAULT_TOPICS = ["Verifica", "Ripasso", "Esercitazione"]
QUARTER = Decimal("0.25")
CENT = Decimal("0.01")
LOWEST, HIGHEST = 3.0, 10.0


@dataclass
class Unit:
    """One subject in one classroom: who teaches it, when it meets, who attends."""

    classroom: Classroom
    subject_id: int
    short_name: str
    scale: str
    teacher: Staff
    recorder: User
    days: list[datetime.date]
    students: list[tuple[int, datetime.date, datetime.date | None]]  # id, entry, exit
    test_days: set[datetime.date] = field(default_factory=set)  # the classroom's, shared
    absent: set[tuple[int, datetime.date]] = field(default_factory=set)  # whole days, shared


QUARTERS = {q: (Decimal(q) * QUARTER).quantize(CENT) for q in range(12, 41)}  # 3.00 … 10.00


def quarter_value(raw: float) -> Decimal:
    """A grade on the scale 3–10 in quarter steps, with 2 decimals (7.25 is "7+")."""
    return QUARTERS[round(min(HIGHEST, max(LOWEST, raw)) * 4)]


def level_of(value: Decimal) -> str:
    """The descriptive level (primary school) a numeric performance stands for."""
    codes = [code for code, _label in DESCRIPTIVE_LEVELS]
    if value < 5.5:
        return codes[0]
    if value < 6.75:
        return codes[1]
    if value < 8.25:
        return codes[2]
    return codes[3]


def synthetic_of(value: Decimal) -> str:
    """The giudizio sintetico (primary school) a numeric performance stands for."""
    codes = [code for code, _label in SYNTHETIC_JUDGEMENTS]  # non sufficiente … ottimo
    for rank, top in enumerate((Decimal(5), Decimal(6), Decimal(7), Decimal(8))):
        if value < top:
            return codes[rank]
    return codes[4] if value < 9 else codes[5]


def judgement_of(value: Decimal) -> str:
    """The judgement (religion) for a performance: mostly buono or distinto, rarely below."""
    codes = [code for code, _label in JUDGEMENTS]
    rank = round(float(value) - 3.5)
    return codes[min(len(codes) - 1, max(0, rank))]


def spread_days(
    days: Sequence[datetime.date], count: int, rng: random.Random
) -> list[datetime.date]:
    """`count` days from `days`, one from each of `count` equal stretches of the period."""
    if not days or count <= 0:
        return []
    chosen = []
    for i in range(count):
        low = i * len(days) // count
        high = max(low + 1, (i + 1) * len(days) // count)
        chosen.append(days[rng.randrange(low, high)])
    return chosen


def present_on(unit: Unit, day: datetime.date) -> list[int]:
    """The students of the classroom that day, minus those absent all day (register history)."""
    return [
        s
        for s, entry, exit_ in unit.students
        if entry <= day and (exit_ is None or day <= exit_) and (s, day) not in unit.absent
    ]


def recorded_moment(
    day: datetime.date, delay_days: int, rng: random.Random, latest: datetime.datetime
) -> datetime.datetime:
    """When the teacher typed the grade: during the lesson, or days later (written tests)."""
    hour = rng.randint(8, 13) if delay_days == 0 else rng.randint(15, 21)
    moment = datetime.datetime.combine(
        day + datetime.timedelta(days=delay_days), datetime.time(hour, rng.randrange(60)), ROME
    )
    return min(moment, latest)


class GradeWriter:
    """Collects grades and writes them, with their history, 5,000 at a time."""

    def __init__(self, institute_id: int, visible_after: int) -> None:
        self.institute_id = institute_id
        self.visible_after = visible_after
        self.pending: list[Grade] = []
        self.actors: dict[int, User] = {}
        self.written = 0

    def add(self, unit: Unit, student_id: int, **values: object) -> None:
        day = values["date"]
        assert isinstance(day, datetime.date)
        visible = day + datetime.timedelta(days=self.visible_after) if self.visible_after else None
        self.actors[unit.recorder.pk] = unit.recorder
        self.pending.append(
            Grade(
                student_id=student_id, classroom_id=unit.classroom.pk, subject_id=unit.subject_id,
                teacher_id=unit.teacher.pk, recorded_by_id=unit.recorder.pk, scale=unit.scale,
                visible_from=visible, **values,
            )
        )  # fmt: skip

    def flush(self, *, at_least: int = 1) -> None:
        if len(self.pending) < at_least:
            return
        Grade.objects.bulk_create(self.pending, batch_size=BATCH_SIZE)
        by_actor: dict[int, list[Grade]] = defaultdict(list)
        for grade in self.pending:
            by_actor[grade.recorded_by_id].append(grade)
        for actor_id, grades in by_actor.items():
            for start in range(0, len(grades), BATCH_SIZE):
                changes_record_created(
                    instances=grades[start : start + BATCH_SIZE],
                    actor=self.actors[actor_id],
                    institute_id=self.institute_id,
                    reason=REASON,
                )
        grades_changed(grade.classroom_id for grade in self.pending)
        self.written += len(self.pending)
        self.pending = []


def load_units(institute_id: int, year: SchoolYear, until: datetime.date) -> list[Unit]:
    """The subjects to grade, in a fixed order (classroom, subject), with what they need."""
    classrooms = list(
        Classroom.objects.filter(school_year=year, school__institute_id=institute_id)
        .select_related("school", "school_year")
        .order_by("pk")
    )
    by_pk = {c.pk: c for c in classrooms}
    end = min(until, year.lessons_end)
    days_of_school: dict[int, list[datetime.date]] = {}
    for classroom in classrooms:
        if classroom.school_id not in days_of_school:
            days_of_school[classroom.school_id] = school_days(
                classroom.school, year.lessons_start, end
            )
    teachers: dict[tuple[int, int], Teaching] = {}
    for teaching in (
        Teaching.objects.filter(classroom__in=classrooms, kind=TeachingKind.NORMAL)
        .select_related("teacher__user")
        .order_by("pk")
    ):
        teachers.setdefault((teaching.classroom_id, teaching.subject_id), teaching)
    weekdays: dict[tuple[int, int], set[int]] = defaultdict(set)
    for classroom_id, subject_id, weekday in TimetableEntry.objects.filter(
        classroom__in=classrooms
    ).values_list("classroom_id", "subject_id", "weekday"):
        weekdays[(classroom_id, subject_id)].add(weekday)
    students: dict[int, list[tuple[int, datetime.date, datetime.date | None]]] = defaultdict(list)
    for row in (
        Enrollment.objects.filter(classroom__in=classrooms, school_year=year)
        .order_by("classroom_id", "student_id", "entry_date")
        .values_list("classroom_id", "student_id", "entry_date", "exit_date")
    ):
        students[row[0]].append(row[1:])
    absent = set(
        Absence.objects.filter(
            classroom__in=classrooms, slot__isnull=True, cancelled_at__isnull=True,
            date__gte=year.lessons_start, date__lte=end,
        ).values_list("student_id", "date")
    )  # fmt: skip
    test_days: dict[int, set[datetime.date]] = defaultdict(set)
    units = []
    for link in (
        ClassroomSubject.objects.filter(classroom__in=classrooms)
        .exclude(subject__kind__in=[SubjectKind.BEHAVIOUR, SubjectKind.SUPPORT])
        .select_related("subject")
        .order_by("classroom_id", "subject_id")
    ):
        classroom = by_pk[link.classroom_id]
        own = teachers.get((classroom.pk, link.subject_id))
        if own is None or own.teacher.user is None:
            continue  # nobody who may grade it (or nobody with a login to record it)
        school = days_of_school[classroom.school_id]
        meets = weekdays.get((classroom.pk, link.subject_id))
        days = [d for d in school if d.weekday() in meets] if meets else []
        subject = link.subject
        scale = scale_for(classroom, subject)
        units.append(
            Unit(
                classroom=classroom, subject_id=link.subject_id, short_name=subject.short_name,
                scale=scale, teacher=own.teacher, recorder=own.teacher.user,
                days=days or school, students=students.get(classroom.pk, []),
                test_days=test_days[classroom.pk], absent=absent,
            )
        )  # fmt: skip
    return units


@transaction.atomic
def generate_grades(
    *,
    institute_id: int,
    year: SchoolYear,
    until: datetime.date,
    per_subject: int,
    rng: random.Random,
) -> int:
    """About `per_subject` grades per student and subject, from the first day of lessons to
    `until` (included, never after the last day of lessons). Returns the grades created."""
    if per_subject <= 0:
        return 0
    units = load_units(institute_id, year, until)
    if not units:
        return 0
    visible_after = (
        Institute.objects.filter(pk=institute_id)
        .values_list("grades_visible_after_days", flat=True)
        .get()
    )
    writer = GradeWriter(institute_id, visible_after)
    # Grades are typed in at the lesson or, for tests, days later: never after `until` (nor in
    # the future, when `until` is today).
    latest = datetime.datetime.combine(until, datetime.time(23, 59), ROME)
    if until <= timezone.localdate():
        latest = min(latest, timezone.now())
    ability: dict[int, float] = {}
    bent: dict[tuple[int, int], float] = {}
    for unit in units:
        for student_id, _entry, _exit in unit.students:
            if student_id not in ability:
                ability[student_id] = min(9.3, max(4.2, rng.gauss(6.7, 0.95)))
            bent[(student_id, unit.subject_id)] = rng.gauss(0.0, 0.55)
        grade_unit(unit, per_subject, rng, writer, ability, bent, latest)
        writer.flush(at_least=BATCH_SIZE)
    writer.flush()
    return writer.written


def grade_unit(
    unit: Unit,
    per_subject: int,
    rng: random.Random,
    writer: GradeWriter,
    ability: dict[int, float],
    bent: dict[tuple[int, int], float],
    latest: datetime.datetime,
) -> None:
    """The grades of one subject in one classroom: class tests first, then oral checks."""
    if not unit.students or not unit.days:
        return
    written_share, practical_share = KIND_SHARES.get(unit.short_name, DEFAULT_SHARES)
    if unit.scale == ScaleKind.JUDGEMENT:
        written_share, practical_share = 0.0, 0.0
    written = round(per_subject * written_share)
    practical = round(per_subject * practical_share)
    topics = TOPICS.get(unit.short_name, DEFAULT_TOPICS)

    def performance(student_id: int, difficulty: float, spread: float) -> Decimal:
        mean = ability[student_id] + bent[(student_id, unit.subject_id)] + difficulty
        raw = rng.gauss(mean, spread)
        if rng.random() < 0.6:  # teachers favour whole and half grades
            raw = round(raw * 2) / 2
        return quarter_value(raw)

    def values_of(value: Decimal) -> dict[str, object]:
        if unit.scale == ScaleKind.JUDGEMENT:
            return {"value": None, "judgement": judgement_of(value)}
        if unit.scale == ScaleKind.SYNTHETIC:
            return {"value": None, "level": synthetic_of(value)}
        if unit.scale == ScaleKind.LEVEL:
            return {"value": None, "level": level_of(value)}
        return {"value": value}

    # Class tests: written ones on distinct days of the classroom, spread over the period.
    entry_test = written > 0 and rng.random() < 0.3
    events: list[tuple[str, datetime.date, str, bool]] = []
    for number, day in enumerate(spread_days(unit.days, written, rng), start=1):
        if day in unit.test_days:
            free = [d for d in unit.days if d not in unit.test_days and abs((d - day).days) <= 14]
            day = rng.choice(free) if free else day
        unit.test_days.add(day)
        if number == 1 and entry_test:
            events.append((GradeKind.WRITTEN, day, "Test d'ingresso", False))
        else:
            topic = rng.choice(topics)
            events.append((GradeKind.WRITTEN, day, f"Compito in classe n. {number}: {topic}", True))
    for day in spread_days(unit.days, practical, rng):
        events.append((GradeKind.PRACTICAL, day, f"Prova pratica: {rng.choice(topics)}", True))
    for kind, day, description, counts in sorted(events, key=lambda e: e[1]):
        difficulty = rng.gauss(0.0, 0.45)
        delay = rng.randint(2, 10) if kind == GradeKind.WRITTEN else 0
        moment = recorded_moment(day, delay, rng, latest)
        for student_id in present_on(unit, day):
            writer.add(
                unit, student_id, date=day, kind=kind, description=description, weight=Decimal(1),
                counts_in_average=counts, recorded_at=moment,
                **values_of(performance(student_id, difficulty, 0.8)),
            )  # fmt: skip

    # Oral checks: each student on their own days, about per_subject grades in all.
    oral = max(0, per_subject - written - practical)
    for student_id, entry, exit_ in unit.students:
        count = max(0, oral + rng.choice((-1, 0, 0, 1))) if oral else 0
        days = [
            d
            for d in unit.days
            if entry <= d and (exit_ is None or d <= exit_) and (student_id, d) not in unit.absent
        ]
        for day in spread_days(days, count, rng):
            short = rng.random() < 0.2
            counts = rng.random() >= 0.03
            if not counts:
                description = "Esercizio alla lavagna"
            elif short:
                description = "Interrogazione breve"
            else:
                description = f"Interrogazione: {rng.choice(topics)}"
            writer.add(
                unit, student_id, date=day, kind=GradeKind.ORAL, description=description,
                weight=Decimal("0.5") if short else Decimal(1), counts_in_average=counts,
                recorded_at=recorded_moment(day, 0, rng, latest),
                **values_of(performance(student_id, 0.0, 0.9)),
            )  # fmt: skip
