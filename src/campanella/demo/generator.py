"""The demo institute, and the same shape at any size for benchmarks.

`generate(students=N, schools=M, seed=S)` builds an institute with M schools (plessi): with one
or two, an Istituto di Istruzione Superiore (a liceo scientifico, then an istituto tecnico with
tracks: upper secondary, so that adult students exist; the benchmarks' shape); from three on, an
Istituto Omnicomprensivo where the first three schools are one per level of school (the liceo, a
primary school, a lower secondary school), then the tecnico, then the cycle again. Classrooms of
about 22 students, shared among schools by the years each one has (5, 5, 3, 5); a curriculum
per level, a weekly timetable, teachers with their assignments, coordinators, an office and a
principal, guardians with their rights, and credentials in the usernames families know (primary
pupils get none: their families see everything). Everything random comes from one
`random.Random(seed)`: the same arguments give the same institute.

Writes go through bulk_create so that 1,500 students take seconds, not minutes; all of them share
one precomputed password hash (hashing argon2 thousands of times would dominate the run).
"""

from __future__ import annotations

import datetime
import math
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from campanella.demo.grade_history import generate_grades
from campanella.demo.interim_reports import generate_interim_reports
from campanella.demo.materials import generate_materials
from campanella.demo.meetings import generate_meetings
from campanella.demo.messages import generate_messages
from campanella.demo.notices import generate_notices
from campanella.demo.register_history import generate_history
from campanella.lib.fake_people import FakePerson, fake_person
from campanella.lib.usernames import FamilyRole, family_username, staff_username
from campanella.people.credentials import FAMILY_FLOOR, FAMILY_SERIES, allocate_numbers
from campanella.people.models import (
    Enrollment,
    Guardian,
    Guardianship,
    Relation,
    Staff,
    Student,
    User,
)
from campanella.school.models import (
    Classroom,
    ClassroomSubject,
    Closure,
    HourSlot,
    Institute,
    School,
    SchoolKind,
    SchoolYear,
    Subject,
    SubjectKind,
    Teaching,
    Term,
    TermKind,
    TimetableEntry,
)
from campanella.school.services import (
    closure_create,
    judgement_descriptions_fill,
    school_year_create,
)

DEMO_PASSWORD = "campanella-demo"  # noqa: S105 - printed on screen: it is a demo
# The institute `campanella demo` creates: every level of school, each with its full cycle of
# classrooms (18 classrooms of about 21), so that adult students exist in the 5th years.
DEMO_STUDENTS = 380
DEMO_SCHOOLS = 4
DEMO_SEED = 2026
CLASS_SIZE = 22
TEACHER_WEEKLY_HOURS = 18  # a full cattedra in secondary school
PRIMARY_TEACHER_WEEKLY_HOURS = 22  # a primary teacher's lessons (plus 2 of planning)

# (name, short name, kind); hours per track and biennio/triennio below.
SUBJECTS: dict[str, tuple[str, str]] = {
    "ITA": ("Lingua e letteratura italiana", SubjectKind.ORDINARY),
    "LAT": ("Lingua e cultura latina", SubjectKind.ORDINARY),
    "ING": ("Lingua e cultura inglese", SubjectKind.ORDINARY),
    "STG": ("Storia e geografia", SubjectKind.ORDINARY),
    "STO": ("Storia", SubjectKind.ORDINARY),
    "FIL": ("Filosofia", SubjectKind.ORDINARY),
    "MAT": ("Matematica", SubjectKind.ORDINARY),
    "FIS": ("Fisica", SubjectKind.ORDINARY),
    "SCI": ("Scienze naturali", SubjectKind.ORDINARY),
    "ART": ("Disegno e storia dell'arte", SubjectKind.ORDINARY),
    "MOT": ("Scienze motorie e sportive", SubjectKind.ORDINARY),
    "IRC": ("Religione cattolica", SubjectKind.RELIGION),
    "DIR": ("Diritto ed economia", SubjectKind.ORDINARY),
    "INF": ("Informatica", SubjectKind.ORDINARY),
    "SIS": ("Sistemi e reti", SubjectKind.ORDINARY),
    "TPS": ("Tecnologie e progettazione", SubjectKind.ORDINARY),
    "ECA": ("Economia aziendale", SubjectKind.ORDINARY),
    "CIV": ("Educazione civica", SubjectKind.CIVICS),
    "CON": ("Comportamento", SubjectKind.BEHAVIOUR),
    # Primary and lower secondary school.
    "ITAL": ("Italiano", SubjectKind.ORDINARY),
    "INGL": ("Lingua inglese", SubjectKind.ORDINARY),
    "FRA": ("Seconda lingua comunitaria (francese)", SubjectKind.ORDINARY),
    "GEO": ("Geografia", SubjectKind.ORDINARY),
    "SCIE": ("Scienze", SubjectKind.ORDINARY),
    "TEC": ("Tecnologia", SubjectKind.ORDINARY),
    "MUS": ("Musica", SubjectKind.ORDINARY),
    "ARTI": ("Arte e immagine", SubjectKind.ORDINARY),
    "EDF": ("Educazione fisica", SubjectKind.ORDINARY),
}

# Weekly hours (27–32, as in the Italian ordinamenti, simplified).
CURRICULA: dict[tuple[str, bool], dict[str, int]] = {
    ("Liceo scientifico", False): {
        "ITA": 4, "LAT": 3, "ING": 3, "STG": 3, "MAT": 5, "FIS": 2, "SCI": 2, "ART": 2,
        "MOT": 2, "IRC": 1,
    },
    ("Liceo scientifico", True): {
        "ITA": 4, "LAT": 3, "ING": 3, "STO": 2, "FIL": 3, "MAT": 4, "FIS": 3, "SCI": 3,
        "ART": 2, "MOT": 2, "IRC": 1,
    },
    ("Informatica", False): {
        "ITA": 4, "STO": 2, "ING": 3, "MAT": 4, "DIR": 2, "SCI": 2, "FIS": 3, "INF": 3,
        "TPS": 3, "MOT": 2, "IRC": 1,
    },
    ("Informatica", True): {
        "ITA": 4, "STO": 2, "ING": 3, "MAT": 3, "INF": 6, "SIS": 4, "TPS": 4, "MOT": 2,
        "IRC": 1,
    },
    ("Amministrazione, finanza e marketing", False): {
        "ITA": 4, "STO": 2, "ING": 3, "MAT": 4, "DIR": 2, "SCI": 2, "INF": 2, "ECA": 4,
        "MOT": 2, "IRC": 1,
    },
    ("Amministrazione, finanza e marketing", True): {
        "ITA": 4, "STO": 2, "ING": 3, "MAT": 3, "DIR": 3, "INF": 2, "ECA": 7, "MOT": 2,
        "IRC": 1,
    },
    # Primary school, tempo normale (27 hours): years 1–2, then 3–5.
    ("Scuola primaria", False): {
        "ITAL": 7, "MAT": 6, "INGL": 2, "STO": 2, "GEO": 1, "SCIE": 2, "TEC": 1, "MUS": 1,
        "ARTI": 2, "EDF": 1, "IRC": 2,
    },
    ("Scuola primaria", True): {
        "ITAL": 6, "MAT": 5, "INGL": 3, "STO": 2, "GEO": 2, "SCIE": 2, "TEC": 1, "MUS": 1,
        "ARTI": 1, "EDF": 2, "IRC": 2,
    },
    # Lower secondary school, tempo ordinario (30 hours), the same in every year.
    ("Scuola secondaria di primo grado", False): {
        "ITAL": 6, "STO": 2, "GEO": 2, "MAT": 4, "SCIE": 2, "INGL": 3, "FRA": 2, "TEC": 2,
        "ARTI": 2, "MUS": 2, "EDF": 2, "IRC": 1,
    },
}  # fmt: skip
CURRICULA[("Scuola secondaria di primo grado", True)] = CURRICULA[
    ("Scuola secondaria di primo grado", False)
]


@dataclass(frozen=True)
class SchoolTemplate:
    """A kind of school the generator builds: its name, the two letters of its type in the
    codice meccanografico, its level, tracks ("" for none), years of course, the curriculum
    without a track, and the age a 1st-year pupil turns in the year the school year starts."""

    name: str
    code: str
    kind: str
    tracks: tuple[str, ...]
    years: int
    first_age: int
    curriculum: str = ""


LICEO = SchoolTemplate(
    "Liceo scientifico «Galileo Galilei»", "PS", SchoolKind.UPPER_SECONDARY,
    ("Liceo scientifico",), 5, 14,
)  # fmt: skip
TECNICO = SchoolTemplate(
    "Istituto tecnico «Enrico Fermi»", "TD", SchoolKind.UPPER_SECONDARY,
    ("Informatica", "Amministrazione, finanza e marketing"), 5, 14,
)  # fmt: skip
PRIMARIA = SchoolTemplate(
    "Scuola primaria «Gianni Rodari»", "EE", SchoolKind.PRIMARY, ("",), 5, 6, "Scuola primaria"
)
MEDIA = SchoolTemplate(
    "Scuola secondaria di primo grado «Ludovico Antonio Muratori»", "MM",
    SchoolKind.LOWER_SECONDARY, ("",), 3, 11, "Scuola secondaria di primo grado",
)  # fmt: skip


def school_templates(count: int) -> list[SchoolTemplate]:
    """The schools of an institute of `count`: one or two upper secondary schools (the
    benchmarks' institute); from three on every level first, then the tecnico, and again."""
    cycle = [LICEO, TECNICO] if count <= 2 else [LICEO, PRIMARIA, MEDIA, TECNICO]
    return [cycle[i % len(cycle)] for i in range(count)]


def curriculum_of(classroom: Classroom, template: SchoolTemplate) -> dict[str, int]:
    return CURRICULA[(classroom.track or template.curriculum, classroom.year >= 3)]


HOURS = [
    (datetime.time(8, 0), datetime.time(9, 0)),
    (datetime.time(9, 0), datetime.time(10, 0)),
    (datetime.time(10, 0), datetime.time(10, 50)),
    (datetime.time(11, 10), datetime.time(12, 0)),
    (datetime.time(12, 0), datetime.time(13, 0)),
    (datetime.time(13, 0), datetime.time(14, 0)),
]


@dataclass
class GeneratedCounts:
    schools: int = 0
    classrooms: int = 0
    students: int = 0
    guardians: int = 0
    staff: int = 0
    users: int = 0
    institute_id: int = 0


def school_year_start(today: datetime.date) -> int:
    return today.year if today.month >= 9 else today.year - 1


class Builder:
    """Holds the generator's state: the random source, counters and the shared password hash."""

    def __init__(self, seed: int, today: datetime.date) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.password_hash = make_password(DEMO_PASSWORD)
        self.family_numbers: Iterator[int] = iter(())
        self.used_codes: set[str] = set()

    def person(
        self, born_between: tuple[datetime.date, datetime.date], **kwargs: object
    ) -> FakePerson:
        # Redraw on the rare collision: codici fiscali are unique per institute.
        while True:
            candidate = fake_person(self.rng, born_between=born_between, **kwargs)  # type: ignore[arg-type]
            if candidate.codice_fiscale not in self.used_codes:
                self.used_codes.add(candidate.codice_fiscale)
                return candidate

    def user(self, username: str, person: FakePerson | None, email: str = "") -> User:
        return User(
            username=username,
            password=self.password_hash,
            first_name=person.name if person else "",
            last_name=person.surname if person else "",
            email=email,
        )


def create_institute(index: int, every_level: bool) -> Institute:
    suffix = f"{index:02d}"
    kind = "Istituto Omnicomprensivo" if every_level else "Istituto di Istruzione Superiore"
    return Institute.objects.create(
        name=f"{kind} «Galileo Galilei»" + ("" if index == 0 else f" {suffix}"),
        code=f"MOIS0{index:02d}00X",
        city="Modena",
        address="Via della Campanella 1",
        email="segreteria@example.org",
        username_code=f"GALI{index + 1:04d}",
    )


def create_calendar(institute: Institute, start_year: int) -> SchoolYear:
    """The year as a real one starts: national holidays from the library (school services),
    then the region's breaks (Emilia-Romagna's, as a Modena school has them) added by the office."""
    year = school_year_create(
        institute=institute,
        start_date=datetime.date(start_year, 9, 1),
        end_date=datetime.date(start_year + 1, 8, 31),
        lessons_start=datetime.date(start_year, 9, 15),
        lessons_end=datetime.date(start_year + 1, 6, 6),
    )
    easter = next(
        c for c in Closure.objects.filter(institute=institute) if "Pasqua" in c.description
    )
    breaks = [
        (
            datetime.date(start_year, 12, 24),
            datetime.date(start_year + 1, 1, 6),
            "Vacanze di Natale",
        ),
        (
            easter.start_date - datetime.timedelta(days=3),
            easter.end_date + datetime.timedelta(days=1),
            "Vacanze di Pasqua",
        ),
    ]
    for start, end, description in breaks:
        closure_create(institute=institute, start_date=start, end_date=end, description=description)
    return year


def create_subjects(institute: Institute) -> dict[str, Subject]:
    subjects = Subject.objects.bulk_create(
        Subject(institute=institute, name=name, short_name=short, kind=kind)
        for short, (name, kind) in SUBJECTS.items()
    )
    return {s.short_name: s for s in subjects}


def share(total: int, weights: list[int]) -> list[int]:
    """`total` split in proportion to `weights`, at least 1 each (largest remainders first)."""
    count = len(weights)
    if len(set(weights)) == 1:
        return [total // count + (1 if i < total % count else 0) for i in range(count)]
    exact = [total * w / sum(weights) for w in weights]
    parts = [max(1, math.floor(x)) for x in exact]
    while sum(parts) < total:
        parts[max(range(count), key=lambda i: (exact[i] - parts[i], -i))] += 1
    while sum(parts) > total:
        parts[max(range(count), key=lambda i: (parts[i] - exact[i], i))] -= 1
    return parts


def split_into_classrooms(
    students: int, templates: list[SchoolTemplate]
) -> list[list[tuple[int, str, str]]]:
    """Per school, the classrooms as (year, section, track), about CLASS_SIZE students each,
    shared among schools by their years of course."""
    total_classrooms = max(len(templates), math.ceil(students / CLASS_SIZE))
    per_school = share(total_classrooms, [t.years for t in templates])
    plan = []
    for template, count in zip(templates, per_school, strict=True):
        tracks = template.tracks
        classrooms: list[tuple[int, str, str]] = []
        sections: dict[tuple[int, str], int] = defaultdict(int)
        for n in range(count):
            year = n % template.years + 1
            track = tracks[(n // template.years) % len(tracks)]
            section = "ABCDEFGHILMNOPQRSTUVZ"[sections[(year, track)] % 21]
            sections[(year, track)] += 1
            classrooms.append((year, section, track))
        plan.append(classrooms)
    return plan


def build_timetable(
    curriculum: dict[str, int],
    rng: random.Random,
    teacher_of: dict[str, int],
    busy: set[tuple[int, int, int]],
) -> list[list[str]]:
    """Five days of lessons: no teacher in two classrooms at once, at most 2 hours a day each.

    Greedy: each hour takes the subject with most hours left whose teacher is free; only when
    none is free does it accept a clash (rare, and only in huge generated schools).
    """
    left = dict(curriculum)
    total = sum(left.values())
    lengths = [total // 5 + (1 if d < total % 5 else 0) for d in range(5)]
    days: list[list[str]] = []
    for day, length in enumerate(lengths):
        today: list[str] = []
        for hour in range(length):
            open_codes = [c for c, h in left.items() if h > 0]
            rng.shuffle(open_codes)
            free = [c for c in open_codes if (teacher_of[c], day, hour) not in busy]
            spread = [c for c in free if today.count(c) < 2] or free or open_codes
            code = max(spread, key=lambda c: left[c])
            left[code] -= 1
            busy.add((teacher_of[code], day, hour))
            today.append(code)
        days.append(today)
    return days


def generate(
    *,
    students: int,
    schools: int,
    seed: int,
    today: datetime.date | None = None,
    history_days: int = 0,
    grades_per_subject: int = 0,
) -> GeneratedCounts:
    if students < 1 or schools < 1:
        raise ValueError("Servono almeno un alunno e una scuola.")
    if students < schools:
        raise ValueError("Servono almeno tanti alunni quante scuole (una classe per scuola).")
    today = today or timezone.localdate()
    with transaction.atomic():
        index = Institute.objects.count()
        builder = Builder(seed, today)
        counts = _generate(index, students, schools, builder)
        if history_days:
            year = SchoolYear.objects.get(institute_id=counts.institute_id)
            generate_history(
                institute_id=counts.institute_id, year=year, until=today, days=history_days,
                rng=builder.rng,
            )  # fmt: skip
        if grades_per_subject:
            # After the register history, so nobody is graded on a day they were absent.
            year = SchoolYear.objects.get(institute_id=counts.institute_id)
            generate_grades(
                institute_id=counts.institute_id, year=year, until=today,
                per_subject=grades_per_subject, rng=builder.rng,
            )  # fmt: skip
            generate_interim_reports(institute_id=counts.institute_id, year=year, today=today)
            generate_notices(institute_id=counts.institute_id, year=year, today=today)
            generate_messages(institute_id=counts.institute_id, year=year, today=today)
            generate_meetings(institute_id=counts.institute_id, today=today)
            generate_materials(institute_id=counts.institute_id, year=year)
        return counts


def _generate(index: int, students: int, schools: int, b: Builder) -> GeneratedCounts:
    counts = GeneratedCounts()
    # Usernames come from the same counters the office's issuing uses: never reused.
    b.family_numbers = iter(allocate_numbers(FAMILY_SERIES, students, floor=FAMILY_FLOOR))
    start_year = school_year_start(b.today)
    templates = school_templates(schools)
    institute = create_institute(index, every_level=len({t.kind for t in templates}) == 3)
    year = create_calendar(institute, start_year)
    subjects = create_subjects(institute)
    plan = split_into_classrooms(students, templates)

    school_objects: list[School] = []
    for i, template in enumerate(templates):
        earlier = templates[:i].count(template)
        label = template.name if earlier == 0 else f"{template.name} – sede {earlier + 1}"
        school = School(
            institute=institute,
            name=label,
            code=f"MO{template.code}0{index:02d}{i:02d}X",
            kind=template.kind,
            city="Modena",
        )
        school_objects.append(school)
    School.objects.bulk_create(school_objects)
    template_of: dict[int, SchoolTemplate] = {
        s.pk: t for s, t in zip(school_objects, templates, strict=True)
    }
    counts.schools = len(school_objects)
    for school in school_objects:
        judgement_descriptions_fill(school=school)  # primary schools: the giudizi to edit

    slots_by_school: dict[int, list[HourSlot]] = {}
    terms: list[Term] = []
    for school in school_objects:
        slots_by_school[school.pk] = HourSlot.objects.bulk_create(
            HourSlot(school=school, number=n + 1, start_time=s, end_time=e)
            for n, (s, e) in enumerate(HOURS)
        )
        if school.kind == SchoolKind.UPPER_SECONDARY:
            terms += [
                Term(school_year=year, school=school, number=1, kind=TermKind.TRIMESTER,
                     start_date=year.start_date, end_date=datetime.date(start_year, 12, 22)),
                Term(school_year=year, school=school, number=2, kind=TermKind.FIVE_MONTHS,
                     start_date=datetime.date(start_year, 12, 23), end_date=year.end_date),
            ]  # fmt: skip
        else:  # primary and lower secondary schools divide the year in two quadrimestri
            terms += [
                Term(school_year=year, school=school, number=1, kind=TermKind.FOUR_MONTHS,
                     start_date=year.start_date, end_date=datetime.date(start_year + 1, 1, 31)),
                Term(school_year=year, school=school, number=2, kind=TermKind.FOUR_MONTHS,
                     start_date=datetime.date(start_year + 1, 2, 1), end_date=year.end_date),
            ]  # fmt: skip
    Term.objects.bulk_create(terms)

    classrooms: list[Classroom] = []
    for school, school_plan in zip(school_objects, plan, strict=True):
        classrooms += [
            Classroom(school=school, school_year=year, year=y, section=s, track=t)
            for y, s, t in school_plan
        ]
    Classroom.objects.bulk_create(classrooms)
    counts.classrooms = len(classrooms)

    # Curriculum and the hours each subject needs, per classroom.
    classroom_subjects: list[ClassroomSubject] = []
    demand: dict[tuple[int, str], list[Classroom]] = defaultdict(list)  # (school, subject)
    for classroom in classrooms:
        curriculum = curriculum_of(classroom, template_of[classroom.school_id])
        for code, hours in curriculum.items():
            classroom_subjects.append(
                ClassroomSubject(classroom=classroom, subject=subjects[code], weekly_hours=hours)
            )
            demand[(classroom.school_id, code)].append(classroom)
    ClassroomSubject.objects.bulk_create(classroom_subjects)

    # Teachers: fill cattedre of about 18 hours per subject and school.
    born_staff = (datetime.date(1962, 1, 1), datetime.date(1994, 12, 31))
    staff_people: list[tuple[Staff, FakePerson]] = []
    teachings: list[Teaching] = []
    for (school_id, code), taught_in in sorted(
        demand.items(), key=lambda item: (item[0][0], item[0][1])
    ):
        template = template_of[school_id]
        full = (
            PRIMARY_TEACHER_WEEKLY_HOURS
            if template.kind == SchoolKind.PRIMARY
            else TEACHER_WEEKLY_HOURS
        )
        teacher: Staff | None = None
        load = 0
        for classroom in taught_in:
            hours = curriculum_of(classroom, template)[code]
            if teacher is None or load + hours > full:
                person = b.person(born_staff)
                teacher = Staff(institute=institute, surname=person.surname, name=person.name,
                                codice_fiscale=person.codice_fiscale, email=person.email,
                                is_teacher=True)  # fmt: skip
                staff_people.append((teacher, person))
                load = 0
            load += hours
            teachings.append(Teaching(teacher=teacher, classroom=classroom, subject=subjects[code]))

    teacher_of: dict[tuple[int, str], int] = {
        (t.classroom.pk, t.subject.short_name): id(t.teacher) for t in teachings
    }
    busy: set[tuple[int, int, int]] = set()
    entries: list[TimetableEntry] = []
    for classroom in classrooms:
        curriculum = curriculum_of(classroom, template_of[classroom.school_id])
        own = {code: teacher_of[(classroom.pk, code)] for code in curriculum}
        week = build_timetable(curriculum, b.rng, own, busy)
        slots = slots_by_school[classroom.school_id]
        for weekday, codes in enumerate(week):
            entries += [
                TimetableEntry(
                    classroom=classroom, weekday=weekday, slot=slots[h], subject=subjects[c]
                )
                for h, c in enumerate(codes)
            ]
    TimetableEntry.objects.bulk_create(entries)

    office_person = b.person(born_staff)
    office = Staff(institute=institute, surname=office_person.surname, name=office_person.name,
                   codice_fiscale=office_person.codice_fiscale, email=office_person.email,
                   is_office=True)  # fmt: skip
    principal_person = b.person(born_staff)
    principal = Staff(institute=institute, surname=principal_person.surname,
                      name=principal_person.name, codice_fiscale=principal_person.codice_fiscale,
                      email=principal_person.email, is_principal=True)  # fmt: skip
    staff_people += [(office, office_person), (principal, principal_person)]

    staff_users = [
        b.user(staff_username(institute.username_code, number), person, person.email)
        for (_staff, person), number in zip(
            staff_people,
            allocate_numbers(f"staff:{institute.username_code}", len(staff_people), floor=1000000),
            strict=True,
        )
    ]
    User.objects.bulk_create(staff_users)
    for (staff, _person), user in zip(staff_people, staff_users, strict=True):
        staff.user = user
    Staff.objects.bulk_create([staff for staff, _ in staff_people])
    for teaching in teachings:
        teaching.teacher_id = teaching.teacher.pk
    Teaching.objects.bulk_create(teachings)
    counts.staff = len(staff_people)

    # Coordinators: a teacher of the classroom, preferring one who coordinates nothing yet.
    coordinating: set[int] = set()
    by_classroom: dict[int, list[Staff]] = defaultdict(list)
    for teaching in teachings:
        by_classroom[teaching.classroom_id].append(teaching.teacher)
    for classroom in classrooms:
        candidates = sorted(by_classroom[classroom.pk], key=lambda s: (s.pk in coordinating, s.pk))
        classroom.coordinator = candidates[0]
        coordinating.add(candidates[0].pk)
    Classroom.objects.bulk_update(classrooms, ["coordinator"])

    # Students with guardians, spread over the classrooms.
    student_rows: list[Student] = []
    enrollments: list[Enrollment] = []
    guardians: list[Guardian] = []
    links: list[
        tuple[int, int, str, bool]
    ] = []  # student index, guardian index, relation, may justify
    users: list[User] = []
    student_users: list[tuple[int, User]] = []
    guardian_users: list[tuple[int, User]] = []
    per_classroom = [students // len(classrooms) + (1 if i < students % len(classrooms) else 0)
                     for i in range(len(classrooms))]  # fmt: skip
    previous_family: tuple[str, list[int]] | None = None  # surname, guardian indices
    for classroom, size in zip(classrooms, per_classroom, strict=True):
        # A 1st-year student turns 14 (6 in primary, 11 in lower secondary) in the calendar
        # year the school year starts.
        template = template_of[classroom.school_id]
        birth_year = start_year - template.first_age + 1 - classroom.year
        has_login = template.kind != SchoolKind.PRIMARY
        born = (datetime.date(birth_year, 1, 1), datetime.date(birth_year, 12, 31))
        family_for_sibling = previous_family
        for position in range(size):
            number = next(b.family_numbers)
            s_index = len(student_rows)
            # The first student of each classroom is a younger/older sibling of a student of the
            # previous classroom: families with two children at school are the norm.
            sibling_of = family_for_sibling if position == 0 else None
            if sibling_of is not None:
                child = b.person(born, surname=sibling_of[0])
                family: list[tuple[int, str | None]] = [(g, None) for g in sibling_of[1]]
            else:
                parent_born = (
                    datetime.date(birth_year - 50, 1, 1),
                    datetime.date(birth_year - 24, 12, 31),
                )
                father = b.person(parent_born, sex="M")
                child = b.person(born, surname=father.surname)
                parents: list[tuple[FakePerson, str, FamilyRole]] = [
                    (father, Relation.PARENT_1, "guardian1")
                ]
                if b.rng.random() < 0.8:
                    parents.append((b.person(parent_born, sex="F"), Relation.PARENT_2, "guardian2"))
                family = []
                for parent, relation, role in parents:
                    g_index = len(guardians)
                    guardians.append(Guardian(
                        institute=institute, surname=parent.surname, name=parent.name,
                        codice_fiscale=parent.codice_fiscale, email=parent.email,
                        phone=parent.phone,
                    ))  # fmt: skip
                    username = family_username(role, number)
                    guardian_user = b.user(username, parent, parent.email)
                    users.append(guardian_user)
                    guardian_users.append((g_index, guardian_user))
                    family.append((g_index, relation))
                previous_family = (father.surname, [g for g, _ in family])
            student_rows.append(Student(
                institute=institute, surname=child.surname, name=child.name,
                codice_fiscale=child.codice_fiscale, birth_date=child.birth_date, sex=child.sex,
                birth_place=child.birth_place,
            ))  # fmt: skip
            enrollments.append(Enrollment(school_year=year, classroom=classroom,
                                          entry_date=year.start_date))  # fmt: skip
            if has_login:
                student_user = b.user(family_username("student", number), child)
                users.append(student_user)
                student_users.append((s_index, student_user))
            for rank, (g_index, given) in enumerate(family):
                rel: str = given or (Relation.PARENT_1 if rank == 0 else Relation.PARENT_2)
                links.append((s_index, g_index, rel, True))

    User.objects.bulk_create(users, batch_size=1000)
    for s_index, user in student_users:
        student_rows[s_index].user = user
    for g_index, user in guardian_users:
        guardians[g_index].user = user
    Student.objects.bulk_create(student_rows, batch_size=1000)
    Guardian.objects.bulk_create(guardians, batch_size=1000)
    for enrollment, student in zip(enrollments, student_rows, strict=True):
        enrollment.student = student
    Enrollment.objects.bulk_create(enrollments, batch_size=1000)
    Guardianship.objects.bulk_create(
        (
            Guardianship(student=student_rows[s], guardian=guardians[g], relation=r, may_justify=j)
            for s, g, r, j in links
        ),
        batch_size=1000,
    )
    counts.students = len(student_rows)
    counts.guardians = len(guardians)
    counts.users = len(users) + len(staff_users)
    counts.institute_id = institute.pk
    return counts
