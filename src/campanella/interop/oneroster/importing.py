"""Import of a OneRoster 1.2 roster bundle (docs/oneroster.md, "Importazione"): the inverse of
the export's mapping, with the preview / all-or-nothing rules of the other imports.

Everything the records are checked against is loaded once; the plan lists one outcome per
record (new, changed, unchanged, refused) with its file and line, and the writes to perform.
Records are matched by sourcedId first — our own (`student-42`, when the manifest names
Campanella and this institute's code), else a link kept from an earlier bundle of the same
system (`RosterLink`) — then by natural keys: codice fiscale for people, meccanographic code
for schools, dates for school years and terms, name for subjects, year/section/track for
classrooms. School years and terms are matched, never invented; nothing is ever deleted:
`tobedeleted` (delta files) closes an enrolment or takes a person of the staff out of service.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Final

from django.db.models import Model
from django.utils.translation import gettext as _

from campanella.audit.services import changes_record_created, changes_record_updated, snapshot
from campanella.interop.models import ImportKind, RosterLink, RosterLinkKind
from campanella.interop.oneroster.importing_read import (
    TO_BE_DELETED,
    Bundle,
    Record,
    record_problem,
)
from campanella.interop.plan import (
    ACTIONS,
    CREATED,
    REJECTED,
    UNCHANGED,
    UPDATED,
    Plan,
    RowOutcome,
    RowsRefused,
    change,
    show,
)
from campanella.lib.italian import ItalianCodeError, check_codice_fiscale, decode_codice_fiscale
from campanella.people.models import (
    Enrollment,
    ExitReason,
    Guardian,
    Guardianship,
    Relation,
    Staff,
    Student,
    User,
)
from campanella.school.guard import FOREVER, Span, refusal, spans_refused
from campanella.school.models import (
    Classroom,
    ClassroomSubject,
    ClosedPeriod,
    Institute,
    School,
    SchoolKind,
    SchoolYear,
    Subject,
    SubjectKind,
    Teaching,
    TeachingKind,
    Term,
)

BATCH_SIZE: Final = 500
OUR_SYSTEM: Final = "Campanella"
PLACEHOLDER_HOURS: Final = 1  # OneRoster has no weekly hours: the office corrects them
FIRST_GRADE: Final[dict[str, int]] = {
    SchoolKind.PRIMARY: 1,
    SchoolKind.LOWER_SECONDARY: 6,
    SchoolKind.UPPER_SECONDARY: 9,
}
STUDENT_ROLES: Final = frozenset({"student"})
TEACHER_ROLES: Final = frozenset({"teacher", "aide"})
PRINCIPAL_ROLES: Final = frozenset({"principal"})
PARENT_ROLES: Final = frozenset({"parent", "relative"})
TUTOR_ROLES: Final = frozenset({"guardian"})
_CLASS_NAME: Final = re.compile(r"^(\d)\s*ª?\s*([A-Za-z]{1,10})(?:\s+(.+))?$")
_USER_ID: Final = re.compile(r"\{\s*([^:{}]+?)\s*:\s*([^{}]*?)\s*\}")
_CF_TYPES: Final = frozenset({"cf", "codicefiscale", "codice_fiscale", "codice fiscale"})
FILE_LABELS: Final = {
    "orgs": "orgs.csv",
    "academicSessions": "academicSessions.csv",
    "courses": "courses.csv",
    "classes": "classes.csv",
    "users": "users.csv",
    "roles": "roles.csv",
    "enrollments": "enrollments.csv",
}
Person = Student | Staff | Guardian
ClassroomKey = tuple[int, int, int, str, str]  # school, school year, year, section, track


def _own_pk(sourced_id: str, prefix: str) -> int | None:
    """The primary key inside one of our own sourcedIds ("student-42" → 42)."""
    head, _sep, tail = sourced_id.partition("-")
    return int(tail) if head == prefix and tail.isdigit() and len(tail) < 19 else None


@dataclass
class Course:
    year: SchoolYear
    school: School
    subject: Subject | None
    grade: str


@dataclass
class RosterClass:
    classroom: Classroom
    subject: Subject | None


@dataclass
class Entry:
    """One record's outcome, kept with its file (the preview counts per file)."""

    file: str
    outcome: RowOutcome


class BundlePlan(Plan):
    """A plan whose rows come from several files: counts per file too."""

    entries: list[Entry]

    def __init__(self) -> None:
        super().__init__(kind=ImportKind.ONEROSTER)
        self.entries = []

    def file_counts(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {
            name: dict.fromkeys(ACTIONS, 0) for name in FILE_LABELS
        }
        for entry in self.entries:
            counts[entry.file][entry.outcome.action] += 1
        return counts

    def summary(self) -> dict[str, object]:
        return {**super().summary(), "files": self.file_counts()}


@dataclass
class BundleWrites:
    """Everything the bundle changes, written in bulk in dependency order, each record's
    creation and change kept in the history (audit) with the batch named as the reason."""

    institute_id: int
    actor: User | None
    reason: str = ""
    new_subjects: list[Subject] = field(default_factory=list)
    new_staff: list[Staff] = field(default_factory=list)
    changed_staff: list[tuple[Staff, dict[str, Any]]] = field(default_factory=list)
    new_classrooms: list[Classroom] = field(default_factory=list)
    changed_classrooms: list[tuple[Classroom, dict[str, Any]]] = field(default_factory=list)
    new_classroom_subjects: list[ClassroomSubject] = field(default_factory=list)
    new_students: list[Student] = field(default_factory=list)
    changed_students: list[tuple[Student, dict[str, Any]]] = field(default_factory=list)
    new_guardians: list[Guardian] = field(default_factory=list)
    changed_guardians: list[tuple[Guardian, dict[str, Any]]] = field(default_factory=list)
    new_links: list[Guardianship] = field(default_factory=list)
    new_enrollments: list[Enrollment] = field(default_factory=list)
    changed_enrollments: list[tuple[Enrollment, dict[str, Any]]] = field(default_factory=list)
    new_teachings: list[Teaching] = field(default_factory=list)
    roster_links: list[tuple[str, str, Model]] = field(default_factory=list)
    stale_links: list[tuple[str, str]] = field(default_factory=list)
    touched: list[tuple[Record, Span]] = field(default_factory=list)

    def guard(self) -> None:
        """Lock the classrooms whose enrolments change and refuse the records touching a day
        closed by a locked evaluation since the preview: RowsRefused, nothing written."""
        refusals = spans_refused([span for _record, span in self.touched])
        problems = [
            record_problem(record, problem.message)
            for (record, _span), problem in zip(self.touched, refusals, strict=True)
            if problem is not None
        ]
        if problems:
            raise RowsRefused(problems)

    def _created(self, model: type[Model], rows: list[Any]) -> None:
        if rows:
            model.objects.bulk_create(rows, batch_size=BATCH_SIZE)  # type: ignore[attr-defined]
            changes_record_created(
                instances=rows, actor=self.actor, institute_id=self.institute_id,
                reason=self.reason,
            )  # fmt: skip

    def _updated(self, model: type[Model], rows: list[tuple[Any, dict[str, Any]]],
                 fields: list[str]) -> None:  # fmt: skip
        if rows:
            model.objects.bulk_update(  # type: ignore[attr-defined]
                [row for row, _before in rows], fields, batch_size=BATCH_SIZE
            )
            changes_record_updated(
                changed=rows, actor=self.actor, institute_id=self.institute_id,
                reason=self.reason,
            )  # fmt: skip

    def apply(self) -> dict[str, int]:
        self.guard()
        self._created(Subject, self.new_subjects)
        self._created(Staff, self.new_staff)
        self._updated(Staff, self.changed_staff, ["surname", "name", "email", "is_teacher",
                                                  "is_principal", "active"])  # fmt: skip
        self._created(Classroom, self.new_classrooms)
        self._updated(Classroom, self.changed_classrooms, ["coordinator"])
        self._created(ClassroomSubject, self.new_classroom_subjects)
        self._created(Student, self.new_students)
        self._updated(Student, self.changed_students, ["surname", "name"])
        self._created(Guardian, self.new_guardians)
        self._updated(Guardian, self.changed_guardians, ["surname", "name", "email", "phone"])
        self._created(Guardianship, self.new_links)
        self._created(Enrollment, self.new_enrollments)
        self._updated(Enrollment, self.changed_enrollments,
                      ["entry_date", "exit_date", "exit_reason", "exit_note"])  # fmt: skip
        self._created(Teaching, self.new_teachings)
        for kind, sourced_id in self.stale_links:
            RosterLink.objects.filter(
                institute_id=self.institute_id, kind=kind, sourced_id=sourced_id
            ).delete()
        RosterLink.objects.bulk_create(
            [
                RosterLink(
                    institute_id=self.institute_id,
                    kind=kind,
                    sourced_id=sourced_id,
                    object_id=obj.pk,
                )
                for kind, sourced_id, obj in self.roster_links
            ],
            batch_size=BATCH_SIZE,
        )
        return {
            "subjects_created": len(self.new_subjects),
            "classrooms_created": len(self.new_classrooms),
            "classrooms_updated": len(self.changed_classrooms),
            "classroom_subjects_created": len(self.new_classroom_subjects),
            "staff_created": len(self.new_staff),
            "staff_updated": len(self.changed_staff),
            "students_created": len(self.new_students),
            "students_updated": len(self.changed_students),
            "guardians_created": len(self.new_guardians),
            "guardians_updated": len(self.changed_guardians),
            "links_created": len(self.new_links),
            "enrollments_created": len(self.new_enrollments),
            "enrollments_closed": len(self.changed_enrollments),
            "teachings_created": len(self.new_teachings),
        }


@dataclass
class RosterContext:
    """The institute's data the records are checked against, loaded in a few queries."""

    institute: Institute
    today: datetime.date
    own: bool
    schools: dict[str, School]
    years: list[SchoolYear]
    terms: list[Term]
    subjects: dict[str, Subject]
    classrooms: dict[ClassroomKey, Classroom]
    classroom_subjects: set[tuple[int, int]]
    teachings: set[tuple[int, int, int]]
    students: dict[int, Student]
    students_by_cf: dict[str, Student]
    staff: dict[int, Staff]
    staff_by_cf: dict[str, Staff]
    guardians: dict[int, Guardian]
    guardians_by_cf: dict[str, Guardian]
    links: dict[tuple[str, str], int]
    guardianships: dict[int, dict[int, str]]
    enrollments: dict[int, list[Enrollment]]
    closed: dict[int, list[ClosedPeriod]]

    @classmethod
    def load(cls, institute_id: int, today: datetime.date, bundle: Bundle) -> RosterContext:
        institute = Institute.objects.get(pk=institute_id)
        years = list(SchoolYear.objects.filter(institute_id=institute_id))
        classrooms = Classroom.objects.filter(school__institute_id=institute_id).select_related(
            "school", "school_year"
        )
        students = list(Student.objects.filter(institute_id=institute_id))
        staff = list(Staff.objects.filter(institute_id=institute_id))
        guardians = list(Guardian.objects.filter(institute_id=institute_id))
        guardianships: dict[int, dict[int, str]] = defaultdict(dict)
        for student_id, guardian_id, relation in Guardianship.objects.filter(
            student__institute_id=institute_id
        ).values_list("student_id", "guardian_id", "relation"):
            guardianships[student_id][guardian_id] = relation
        enrollments: dict[int, list[Enrollment]] = defaultdict(list)
        for enrollment in (
            Enrollment.objects.filter(student__institute_id=institute_id)
            .select_related("classroom", "school_year")
            .order_by("entry_date", "pk")
        ):
            enrollments[enrollment.student_id].append(enrollment)
        closed: dict[int, list[ClosedPeriod]] = defaultdict(list)
        for period in ClosedPeriod.objects.filter(classroom__school__institute_id=institute_id):
            closed[period.classroom_id].append(period)
        return cls(
            institute=institute,
            today=today,
            own=bundle.source_system == (OUR_SYSTEM, institute.code),
            schools={s.code.upper(): s for s in School.objects.filter(institute_id=institute_id)},
            years=years,
            terms=list(Term.objects.filter(school_year__institute_id=institute_id)),
            subjects={
                s.name.casefold(): s for s in Subject.objects.filter(institute_id=institute_id)
            },
            classrooms={_classroom_key(c): c for c in classrooms},
            classroom_subjects=set(
                ClassroomSubject.objects.filter(
                    classroom__school__institute_id=institute_id
                ).values_list("classroom_id", "subject_id")
            ),
            teachings=set(
                Teaching.objects.filter(classroom__school__institute_id=institute_id).values_list(
                    "teacher_id", "classroom_id", "subject_id"
                )
            ),
            students={s.pk: s for s in students},
            students_by_cf={s.codice_fiscale: s for s in students},
            staff={s.pk: s for s in staff},
            staff_by_cf={s.codice_fiscale: s for s in staff if s.codice_fiscale},
            guardians={g.pk: g for g in guardians},
            guardians_by_cf={g.codice_fiscale: g for g in guardians if g.codice_fiscale},
            links={
                (kind, sourced_id): object_id
                for kind, sourced_id, object_id in RosterLink.objects.filter(
                    institute_id=institute_id
                ).values_list("kind", "sourced_id", "object_id")
            },
            guardianships=guardianships,
            enrollments=enrollments,
            closed=closed,
        )


def _classroom_key(classroom: Classroom) -> ClassroomKey:
    return (
        classroom.school_id,
        classroom.school_year_id,
        classroom.year,
        classroom.section.upper(),
        classroom.track.casefold(),
    )


def class_year(kind: str, grade: str) -> int | None:
    """The inverse of the export's CEDS grade: "06" in a secondaria di primo grado → 1ª."""
    first = FIRST_GRADE.get(kind)
    if first is None or not grade.strip().isdigit():
        return None
    year = int(grade) - first + 1
    last = 3 if kind == SchoolKind.LOWER_SECONDARY else 5
    return year if 1 <= year <= last else None


def codice_fiscale_of(record: Record) -> str:
    """The codice fiscale in `userIds` ({CF:…}) or, failing that, in `identifier`."""
    candidates = [
        value
        for kind, value in _USER_ID.findall(record.get("userIds"))
        if kind.strip().casefold() in _CF_TYPES
    ]
    candidates.append(record.get("identifier"))
    for candidate in candidates:
        try:
            return check_codice_fiscale(candidate.strip())
        except ItalianCodeError:
            continue
    return ""


def _birth_from_code(code: str, today: datetime.date) -> tuple[datetime.date, str] | None:
    info = decode_codice_fiscale(code)
    for century in (2000, 1900):
        try:
            born = datetime.date(
                century + info.birth_year_two_digits, info.birth_month, info.birth_day
            )
        except ValueError:
            return None
        if born <= today:
            return born, info.sex
    return None


class RosterPlanner:
    def __init__(self, bundle: Bundle, ctx: RosterContext, writes: BundleWrites) -> None:
        self.bundle = bundle
        self.ctx = ctx
        self.writes = writes
        self.plan = BundlePlan()
        self.org_schools: dict[str, School | None] = {}  # None: the district
        self.years: dict[str, SchoolYear] = {}
        self.sessions: set[str] = set()
        self.courses: dict[str, Course] = {}
        self.classes: dict[str, RosterClass] = {}
        self.people: dict[str, Person] = {}
        self.outcomes: dict[str, RowOutcome] = {}
        self.new_pairs: set[tuple[int, int]] = set()
        self.new_teachings: set[tuple[int, int, int]] = set()
        self.planned_links: dict[int, dict[int, str]] = defaultdict(dict)
        self.coordinators: dict[int, Staff] = {}
        self.changed: dict[int, dict[str, Any]] = {}
        self.skipped_roles: set[str] = set()
        self.support_skipped = 0

    # --- helpers ------------------------------------------------------------------------------

    def row(self, record: Record, action: str, label: str, details: list[str] | None = None
            ) -> RowOutcome:  # fmt: skip
        outcome = RowOutcome(record.line, action, f"{record.file}.csv – {label}", details or [])
        self.plan.entries.append(Entry(record.file, outcome))
        self.plan.rows.append(outcome)
        return outcome

    def refuse(self, record: Record, label: str, *messages: str) -> None:
        self.row(record, REJECTED, label or record.sourced_id, list(messages))
        self.plan.problems.extend(record_problem(record, message) for message in messages)

    def before(self, obj: Model) -> dict[str, Any] | None:
        """The snapshot of a stored record the first time the plan changes it (None after)."""
        if obj.pk is None or id(obj) in self.changed:
            return None
        self.changed[id(obj)] = snapshot(obj)
        return self.changed[id(obj)]

    def unknown(self, column: str, value: str) -> str:
        return _("%(column)s «%(value)s» non è nell'archivio (o è stato rifiutato).") % {
            "column": column,
            "value": value,
        }

    # --- orgs and academic sessions -----------------------------------------------------------

    def orgs(self) -> None:
        for record in self.bundle.records("orgs"):
            kind, code = record.get("type"), record.get("identifier").upper()
            label = f"{record.get('name')} ({code})"
            if kind == "district":
                if code != self.ctx.institute.code.upper():
                    self.refuse(record, label, _(
                        "l'istituto %(code)s non è il vostro (%(ours)s): si importa solo "
                        "l'anagrafica del proprio istituto."
                    ) % {"code": code, "ours": self.ctx.institute.code})  # fmt: skip
                    continue
                self.org_schools[record.sourced_id] = None
                self.row(record, UNCHANGED, label, [_("l'istituto")])
            elif kind == "school":
                school = self.ctx.schools.get(code)
                if school is None:
                    self.refuse(record, label, _(
                        "nessuna scuola dell'istituto ha il codice meccanografico «%(code)s»: "
                        "le scuole si creano in Gestione."
                    ) % {"code": code})  # fmt: skip
                    continue
                self.org_schools[record.sourced_id] = school
                self.row(record, UNCHANGED, label)
            else:
                self.refuse(record, label, _(
                    "tipo «%(kind)s» non previsto: ammessi district (l'istituto) e school "
                    "(le scuole)."
                ) % {"kind": kind})  # fmt: skip

    def academic_sessions(self) -> None:
        records = self.bundle.records("academicSessions")
        for record in (r for r in records if r.get("type") == "schoolYear"):
            self._school_year(record)
        for record in (r for r in records if r.get("type") != "schoolYear"):
            self._term(record)

    def _dates(self, record: Record) -> tuple[datetime.date, datetime.date] | None:
        try:
            return (
                datetime.date.fromisoformat(record.get("startDate")),
                datetime.date.fromisoformat(record.get("endDate")),
            )
        except ValueError:
            self.refuse(record, record.get("title"), _(
                "startDate ed endDate devono essere date aaaa-mm-gg."
            ))  # fmt: skip
            return None

    def _school_year(self, record: Record) -> None:
        dates = self._dates(record)
        if dates is None:
            return
        found = [y for y in self.ctx.years if (y.start_date, y.end_date) == dates]
        if not found:
            ending = record.get("schoolYear")
            found = [y for y in self.ctx.years if str(y.end_date.year) == ending]
        if not found:
            self.refuse(record, record.get("title"), _(
                "l'anno scolastico dal %(start)s al %(end)s non esiste: crearlo in Gestione "
                "(con le sue scuole e i periodi) prima di importare."
            ) % {"start": show(dates[0]), "end": show(dates[1])})  # fmt: skip
            return
        self.years[record.sourced_id] = found[0]
        self.sessions.add(record.sourced_id)
        self.row(record, UNCHANGED, f"{record.get('title')} ({found[0].name})")

    def _term(self, record: Record) -> None:
        kind, parent = record.get("type"), record.get("parentSourcedId")
        if kind not in ("term", "semester", "gradingPeriod"):
            self.refuse(record, record.get("title"), _(
                "tipo «%(kind)s» non previsto: schoolYear, term, semester o gradingPeriod."
            ) % {"kind": kind})  # fmt: skip
            return
        if parent not in self.sessions:
            self.refuse(record, record.get("title"), self.unknown("parentSourcedId", parent))
            return
        dates = self._dates(record)
        if dates is None:
            return
        if kind != "gradingPeriod" and not any(
            (t.start_date, t.end_date) == dates for t in self.ctx.terms
        ):
            self.refuse(record, record.get("title"), _(
                "nessun periodo (trimestre, quadrimestre…) dell'istituto va dal %(start)s al "
                "%(end)s: crearlo in Gestione prima di importare."
            ) % {"start": show(dates[0]), "end": show(dates[1])})  # fmt: skip
            return
        self.sessions.add(record.sourced_id)
        self.row(record, UNCHANGED, record.get("title"))

    # --- courses and classes ------------------------------------------------------------------

    def courses_(self) -> None:
        for record in self.bundle.records("courses"):
            label = record.get("title")
            year = self.years.get(record.get("schoolYearSourcedId"))
            school = self.org_schools.get(record.get("orgSourcedId"))
            if year is None or school is None:
                column = "schoolYearSourcedId" if year is None else "orgSourcedId"
                self.refuse(record, label, self.unknown(column, record.get(column)))
                continue
            name = record.get("subjects").split(",")[0].strip()
            subject, details = (None, []) if not name else self._subject(record, name)
            self.courses[record.sourced_id] = Course(year, school, subject, record.get("grades"))
            self.row(record, CREATED if details else UNCHANGED, label, details)

    def _subject(self, record: Record, name: str) -> tuple[Subject, list[str]]:
        found = self.ctx.subjects.get(name.casefold())
        if found is not None:
            return found, []
        code = record.get("courseCode").rsplit("-", 1)[-1].strip()
        subject = Subject(
            institute=self.ctx.institute, name=name[:100], short_name=(code or name)[:20],
            kind=SubjectKind.ORDINARY,
        )  # fmt: skip
        self.ctx.subjects[name.casefold()] = subject
        self.writes.new_subjects.append(subject)
        return subject, [_("nuova materia: %(name)s") % {"name": subject.name}]

    def classes_(self) -> None:
        for record in self.bundle.records("classes"):
            label = record.get("title")
            course = self.courses.get(record.get("courseSourcedId"))
            if course is None:
                self.refuse(record, label, self.unknown("courseSourcedId", record.get(
                    "courseSourcedId")))  # fmt: skip
                continue
            school = self.org_schools.get(record.get("schoolSourcedId")) or course.school
            homeroom = record.get("classType") == "homeroom"
            if not homeroom and course.subject is None:
                self.refuse(record, label, _(
                    "una classe scheduled deve appartenere a un corso con la materia (subjects)."
                ))  # fmt: skip
                continue
            found = self._classroom(record, school, course)
            if found is None:
                continue
            classroom, details = found
            subject = None if homeroom else course.subject
            if subject is not None:
                details += self._classroom_subject(classroom, subject)
            self.classes[record.sourced_id] = RosterClass(classroom, subject)
            action = CREATED if classroom.pk is None and details else UNCHANGED
            if details and action == UNCHANGED:
                action = UPDATED
            self.row(record, action, label, details)

    def _class_name(self, record: Record, school: School, course: Course) -> str:
        """The classroom's "2A Liceo" inside the class's code or title (as the export writes
        them: "<school code>-2A Liceo[-<subject>]", "[<subject> ]2A Liceo – <school>")."""
        title = record.get("title").split(" – ")[0].strip()
        subject = course.subject.name if course.subject is not None else ""
        if subject and title.casefold().startswith(subject.casefold() + " "):
            return title[len(subject) + 1 :].strip()
        return title

    def _classroom(self, record: Record, school: School, course: Course
                   ) -> tuple[Classroom, list[str]] | None:  # fmt: skip
        name = self._class_name(record, school, course)
        match = _CLASS_NAME.match(name)
        grade = record.get("grades").split(",")[0].strip() or course.grade
        year = class_year(school.kind, grade) if grade else None
        if match is None:
            self.refuse(record, record.get("title"), _(
                "dal titolo «%(title)s» non si ricava la classe (anno e sezione, es. «2A» o "
                "«3B Liceo scientifico»)."
            ) % {"title": record.get("title")})  # fmt: skip
            return None
        named_year = int(match.group(1))
        if (grade and year is None) or (year is not None and year != named_year):
            self.refuse(record, record.get("title"), _(
                "l'anno di corso non è valido per %(school)s: grades «%(grade)s», classe "
                "«%(name)s»."
            ) % {"school": school.name, "grade": grade, "name": name})  # fmt: skip
            return None
        section, track = match.group(2).upper(), (match.group(3) or "").strip()
        key = (school.pk, course.year.pk, named_year, section, track.casefold())
        existing = self.ctx.classrooms.get(key)
        if existing is not None:
            return existing, []
        classroom = Classroom(school=school, school_year=course.year, year=named_year,
                              section=section, track=track[:100])  # fmt: skip
        self.ctx.classrooms[key] = classroom
        self.writes.new_classrooms.append(classroom)
        return classroom, [_("nuova classe: %(name)s, %(school)s") % {
            "name": classroom.name, "school": school.name}]  # fmt: skip

    def _classroom_subject(self, classroom: Classroom, subject: Subject) -> list[str]:
        if subject.kind == SubjectKind.SUPPORT:
            return []  # support teachings need no subject in the classroom's plan
        if (
            classroom.pk
            and subject.pk
            and (classroom.pk, subject.pk) in self.ctx.classroom_subjects
        ):
            return []
        pair = (id(classroom), id(subject))
        if pair in self.new_pairs:
            return []
        self.new_pairs.add(pair)
        self.writes.new_classroom_subjects.append(
            ClassroomSubject(classroom=classroom, subject=subject, weekly_hours=PLACEHOLDER_HOURS)
        )
        return [_(
            "materia %(subject)s aggiunta al quadro orario con %(hours)s ora settimanale "
            "(OneRoster non indica le ore: correggerle in Gestione)."
        ) % {"subject": subject.name, "hours": PLACEHOLDER_HOURS}]  # fmt: skip

    # --- users and roles ----------------------------------------------------------------------

    def roles(self) -> dict[str, set[str]]:
        users = {record.sourced_id for record in self.bundle.records("users")}
        found: dict[str, set[str]] = defaultdict(set)
        for record in self.bundle.records("roles"):
            user, org = record.get("userSourcedId"), record.get("orgSourcedId")
            label = f"{user}: {record.get('role')}"
            if user not in users:
                self.refuse(record, label, self.unknown("userSourcedId", user))
            elif org not in self.org_schools:
                self.refuse(record, label, self.unknown("orgSourcedId", org))
            else:
                if record.status != TO_BE_DELETED:
                    found[user].add(record.get("role"))
                self.row(record, UNCHANGED, label)
        return found

    def users(self, roles_of: dict[str, set[str]]) -> None:
        demographics = {r.sourced_id: r for r in self.bundle.records("demographics")}
        taken: dict[int, str] = {}
        for record in self.bundle.records("users"):
            roles = roles_of.get(record.sourced_id, set())
            label = f"{record.get('familyName')} {record.get('givenName')}".strip()
            kinds = [
                kind
                for kind, accepted in (
                    ("student", STUDENT_ROLES),
                    ("staff", TEACHER_ROLES | PRINCIPAL_ROLES),
                    ("guardian", PARENT_ROLES | TUTOR_ROLES),
                )
                if roles & accepted
            ]
            if len(kinds) > 1:
                self.refuse(record, label, _(
                    "la stessa persona non può essere alunno, personale e genitore insieme "
                    "(ruoli: %(roles)s)."
                ) % {"roles": ", ".join(sorted(roles))})  # fmt: skip
                continue
            if not kinds:
                if roles:
                    self.skipped_roles |= roles
                    self.row(record, UNCHANGED, label, [_("ruolo non importato: %(roles)s") % {
                        "roles": ", ".join(sorted(roles))}])  # fmt: skip
                else:
                    self.refuse(record, label, _("la persona non ha alcun ruolo in roles.csv."))
                continue
            if not record.get("familyName") or not record.get("givenName"):
                self.refuse(record, label, _("mancano givenName o familyName."))
                continue
            person: Person | None
            if kinds[0] == "student":
                person = self._student(record, demographics.get(record.sourced_id))
            elif kinds[0] == "staff":
                person = self._staff(record, roles)
            else:
                person = self._guardian(record)
            if person is None:
                continue
            key = id(person)
            if key in taken:
                self.outcomes.pop(record.sourced_id, None)
                self.plan.rows.remove(self.plan.entries.pop().outcome)
                self.refuse(record, label, _(
                    "è la stessa persona di %(other)s (stesso sourcedId collegato o stesso "
                    "codice fiscale)."
                ) % {"other": taken[key]})  # fmt: skip
                continue
            taken[key] = record.where()
            self.people[record.sourced_id] = person

    def _find(self, record: Record, prefix: str, link_kind: str, by_pk: dict[int, Any],
              by_cf: dict[str, Any], code: str) -> Any:  # fmt: skip
        sourced_id = record.sourced_id
        if self.ctx.own:
            pk = _own_pk(sourced_id, prefix)
            if pk is not None and pk in by_pk:
                return by_pk[pk]
        linked = self.ctx.links.get((link_kind, sourced_id))
        found = by_pk.get(linked) if linked is not None else None
        if found is None and code:
            found = by_cf.get(code)
        if linked is None or found is None:
            # a link to a person removed since is replaced by the person found or created now
            self.link_later = (link_kind, sourced_id)
            if linked is not None:
                self.writes.stale_links.append((link_kind, sourced_id))
        return found

    link_later: tuple[str, str] | None = None

    def _remember(self, obj: Model) -> None:
        if self.link_later is not None:
            kind, sourced_id = self.link_later
            self.writes.roster_links.append((kind, sourced_id, obj))
            self.link_later = None

    def _update(self, obj: Model, values: dict[str, str], labels: dict[str, str]) -> list[str]:
        details: list[str] = []
        for name, new in values.items():
            old = getattr(obj, name)
            if not new or new == old:
                continue
            self.before(obj)
            details.append(change(labels[name], old, new))
            setattr(obj, name, new)
        return details

    def _student(self, record: Record, demographics: Record | None) -> Student | None:
        code = codice_fiscale_of(record)
        label = f"{record.get('familyName')} {record.get('givenName')} ({_('alunno')})"
        self.link_later = None
        student = self._find(record, "student", RosterLinkKind.STUDENT, self.ctx.students,
                             self.ctx.students_by_cf, code)  # fmt: skip
        names = {"surname": record.get("familyName")[:100], "name": record.get("givenName")[:100]}
        if student is not None:
            first = id(student) not in self.changed
            details = self._update(student, names, {"surname": _("cognome"), "name": _("nome")})
            if details and first:
                self.writes.changed_students.append((student, self.changed[id(student)]))
            if record.status == TO_BE_DELETED:
                details.append(_("l'alunno non si cancella: le iscrizioni si chiudono da "
                                 "enrollments.csv"))  # fmt: skip
            self._remember(student)
            self.outcomes[record.sourced_id] = self.row(
                record, UPDATED if len(details) > (record.status == TO_BE_DELETED) else UNCHANGED,
                label, details,
            )  # fmt: skip
            return student
        if record.status == TO_BE_DELETED:
            self.row(record, UNCHANGED, label, [_("non è nel registro: nulla da fare")])
            return None
        if not code:
            self.refuse(record, label, _(
                "manca il codice fiscale, necessario per creare l'alunno: indicarlo in userIds "
                "come {CF:…} oppure in identifier."
            ))  # fmt: skip
            return None
        born = self._birth(record, demographics, code)
        if born is None:
            return None
        student = Student(institute=self.ctx.institute, codice_fiscale=code, birth_date=born[0],
                          sex=born[1], **names)  # fmt: skip
        self.ctx.students_by_cf[code] = student
        self.writes.new_students.append(student)
        self._remember(student)
        self.outcomes[record.sourced_id] = self.row(record, CREATED, label, [
            _("codice fiscale %(cf)s, nato/a il %(born)s") % {"cf": code, "born": show(born[0])}
        ])  # fmt: skip
        return student

    def _birth(self, record: Record, demographics: Record | None, code: str
               ) -> tuple[datetime.date, str] | None:  # fmt: skip
        """Birth date and sex from demographics.csv, else from the codice fiscale."""
        if demographics is not None and demographics.get("birthDate"):
            sex = {"male": "M", "female": "F"}.get(demographics.get("sex").lower())
            try:
                born = datetime.date.fromisoformat(demographics.get("birthDate"))
            except ValueError:
                born = None
            if born is not None and sex is not None and born <= self.ctx.today:
                return born, sex
        decoded = _birth_from_code(code, self.ctx.today)
        if decoded is None:
            self.refuse(record, record.get("familyName"), _(
                "data di nascita e sesso non si ricavano né da demographics.csv né dal codice "
                "fiscale."
            ))  # fmt: skip
        return decoded

    def _staff(self, record: Record, roles: set[str]) -> Staff | None:
        code = codice_fiscale_of(record)
        label = f"{record.get('familyName')} {record.get('givenName')} ({_('personale')})"
        self.link_later = None
        staff = self._find(record, "staff", RosterLinkKind.STAFF, self.ctx.staff,
                           self.ctx.staff_by_cf, code)  # fmt: skip
        flags = {
            "is_teacher": bool(roles & TEACHER_ROLES),
            "is_principal": bool(roles & PRINCIPAL_ROLES),
        }
        values = {"surname": record.get("familyName")[:100], "name": record.get("givenName")[:100],
                  "email": self._email(record)}  # fmt: skip
        if staff is None:
            if record.status == TO_BE_DELETED:
                self.row(record, UNCHANGED, label, [_("non è nel registro: nulla da fare")])
                return None
            staff = Staff(institute=self.ctx.institute, codice_fiscale=code, **values, **flags)
            if code:
                self.ctx.staff_by_cf[code] = staff
            self.writes.new_staff.append(staff)
            self._remember(staff)
            self.outcomes[record.sourced_id] = self.row(record, CREATED, label)
            return staff
        first = id(staff) not in self.changed
        details = self._update(staff, values, {"surname": _("cognome"), "name": _("nome"),
                                               "email": _("e-mail")})  # fmt: skip
        for name, wanted in flags.items():
            if wanted and not getattr(staff, name):
                self.before(staff)
                setattr(staff, name, True)
                role = _("docente") if name == "is_teacher" else _("dirigente")
                details.append(change(role, False, True))
        active = record.status != TO_BE_DELETED
        if staff.active != active:
            self.before(staff)
            details.append(change(_("in servizio"), staff.active, active))
            staff.active = active
        if details and first:
            self.writes.changed_staff.append((staff, self.changed[id(staff)]))
        self._remember(staff)
        self.outcomes[record.sourced_id] = self.row(
            record, UPDATED if details else UNCHANGED, label, details
        )
        return staff

    def _email(self, record: Record) -> str:
        from django.core.exceptions import ValidationError
        from django.core.validators import validate_email

        value = record.get("email")
        try:
            validate_email(value)
        except ValidationError:
            return ""
        return value[:254]

    def _guardian(self, record: Record) -> Guardian | None:
        code = codice_fiscale_of(record)
        label = f"{record.get('familyName')} {record.get('givenName')} ({_('genitore')})"
        self.link_later = None
        guardian = self._find(record, "guardian", RosterLinkKind.GUARDIAN, self.ctx.guardians,
                              self.ctx.guardians_by_cf, code)  # fmt: skip
        values = {"surname": record.get("familyName")[:100], "name": record.get("givenName")[:100],
                  "email": self._email(record),
                  "phone": (record.get("phone") or record.get("sms"))[:30]}  # fmt: skip
        if guardian is None:
            if record.status == TO_BE_DELETED:
                self.row(record, UNCHANGED, label, [_("non è nel registro: nulla da fare")])
                return None
            guardian = Guardian(institute=self.ctx.institute, codice_fiscale=code, **values)
            if code:
                self.ctx.guardians_by_cf[code] = guardian
            self.writes.new_guardians.append(guardian)
            self._remember(guardian)
            self.outcomes[record.sourced_id] = self.row(record, CREATED, label)
            return guardian
        first = id(guardian) not in self.changed
        details = self._update(guardian, values, {
            "surname": _("cognome"), "name": _("nome"), "email": _("e-mail"),
            "phone": _("telefono")})  # fmt: skip
        if details and first:
            self.writes.changed_guardians.append((guardian, self.changed[id(guardian)]))
        self._remember(guardian)
        self.outcomes[record.sourced_id] = self.row(
            record, UPDATED if details else UNCHANGED, label, details
        )
        return guardian

    # --- guardians' links ---------------------------------------------------------------------

    def guardianships(self, roles_of: dict[str, set[str]]) -> None:
        """Each student linked to the guardians in its agentSourcedIds (and in theirs)."""
        agents: dict[str, list[str]] = defaultdict(list)
        for record in self.bundle.records("users"):
            for agent in filter(
                None, (a.strip() for a in record.get("agentSourcedIds").split(","))
            ):
                if isinstance(self.people.get(record.sourced_id), Student):
                    agents[record.sourced_id].append(agent)
                elif isinstance(self.people.get(record.sourced_id), Guardian):
                    agents[agent].append(record.sourced_id)
        records = {record.sourced_id: record for record in self.bundle.records("users")}
        for student_sid, guardian_sids in agents.items():
            student = self.people.get(student_sid)
            if not isinstance(student, Student) or student_sid not in self.outcomes:
                continue
            for guardian_sid in dict.fromkeys(guardian_sids):
                self._link(records[student_sid], student, guardian_sid, roles_of)

    def _link(self, record: Record, student: Student, guardian_sid: str,
              roles_of: dict[str, set[str]]) -> None:  # fmt: skip
        outcome = self.outcomes[record.sourced_id]
        guardian = self.people.get(guardian_sid)
        if not isinstance(guardian, Guardian):
            self._link_problem(record, outcome, _(
                "agentSourcedIds: «%(id)s» non è un genitore o tutore dell'archivio."
            ) % {"id": guardian_sid})  # fmt: skip
            return
        existing = self.ctx.guardianships.get(student.pk, {}) if student.pk else {}
        if guardian.pk is not None and guardian.pk in existing:
            return
        planned = self.planned_links[id(student)]
        if id(guardian) in planned:
            return
        roles = roles_of.get(guardian_sid, set())
        if roles & TUTOR_ROLES and not roles & PARENT_ROLES:
            relation = Relation.TUTOR
        else:
            used = set(existing.values()) | set(planned.values())
            free = [r for r in (Relation.PARENT_1, Relation.PARENT_2) if r not in used]
            if not free:
                self._link_problem(record, outcome, _(
                    "l'alunno ha già genitore 1 e genitore 2: %(name)s non si può aggiungere "
                    "(per sostituirne uno usare la gestione)."
                ) % {"name": guardian.full_name})  # fmt: skip
                return
            relation = free[0]
        planned[id(guardian)] = relation
        self.writes.new_links.append(
            Guardianship(student=student, guardian=guardian, relation=relation)
        )
        outcome.details.append(_("collegato a %(who)s %(name)s") % {
            "who": Relation(relation).label, "name": guardian.full_name})  # fmt: skip
        if outcome.action == UNCHANGED:
            outcome.action = UPDATED

    def _link_problem(self, record: Record, outcome: RowOutcome, message: str) -> None:
        outcome.action = REJECTED
        outcome.details.append(message)
        self.plan.problems.append(record_problem(record, message))

    # --- enrollments --------------------------------------------------------------------------

    def enrollments(self) -> None:
        records = self.bundle.records("enrollments")
        begins: dict[str, list[datetime.date]] = defaultdict(list)
        for record in records:
            with_date = _iso(record.get("beginDate"))
            if with_date is not None:
                begins[record.get("userSourcedId")].append(with_date)
        for record in records:
            roster_class = self.classes.get(record.get("classSourcedId"))
            person = self.people.get(record.get("userSourcedId"))
            label = f"{record.get('userSourcedId')} → {record.get('classSourcedId')}"
            if roster_class is None:
                self.refuse(record, label, self.unknown("classSourcedId",
                                                        record.get("classSourcedId")))  # fmt: skip
                continue
            if person is None:
                self.refuse(record, label, self.unknown("userSourcedId",
                                                        record.get("userSourcedId")))  # fmt: skip
                continue
            label = f"{person.full_name} → {roster_class.classroom.name}" + (
                f" {roster_class.subject.name}" if roster_class.subject else ""
            )
            role = record.get("role")
            if role in STUDENT_ROLES and isinstance(person, Student):
                if roster_class.subject is not None:
                    self.row(record, UNCHANGED, label, [_("compresa nell'iscrizione alla classe")])
                else:
                    self._enrollment(record, label, person, roster_class.classroom, begins)
            elif role in TEACHER_ROLES and isinstance(person, Staff):
                if record.status == TO_BE_DELETED:
                    self.row(
                        record,
                        UNCHANGED,
                        label,
                        [_("le cattedre non si tolgono con l'importazione: usare la gestione")],
                    )
                elif roster_class.subject is None:
                    self._coordinator(record, label, person, roster_class.classroom)
                else:
                    self._teaching(record, label, person, roster_class.classroom,
                                   roster_class.subject)  # fmt: skip
            elif role in STUDENT_ROLES | TEACHER_ROLES:
                self.refuse(record, label, _(
                    "il ruolo «%(role)s» non corrisponde a quello della persona in roles.csv."
                ) % {"role": role})  # fmt: skip
            else:
                self.row(record, UNCHANGED, label, [_("ruolo non importato: %(role)s") % {
                    "role": role}])  # fmt: skip

    def _enrollment(self, record: Record, label: str, student: Student, classroom: Classroom,
                    begins: dict[str, list[datetime.date]]) -> None:  # fmt: skip
        begin, end = _iso(record.get("beginDate")), _iso(record.get("endDate"))
        if (record.get("beginDate") and begin is None) or (record.get("endDate") and end is None):
            self.refuse(record, label, _("beginDate ed endDate devono essere date aaaa-mm-gg."))
            return
        history = self.ctx.enrollments.get(student.pk, []) if student.pk else []
        here = [e for e in history if e.classroom_id == classroom.pk and classroom.pk]
        found = next((e for e in here if begin is None or e.entry_date == begin), None)
        later = [b for b in begins[record.get("userSourcedId")] if end and b > end]
        reason = ExitReason.CLASS_CHANGE if later else ExitReason.WITHDRAWAL
        if record.status == TO_BE_DELETED:
            open_here = next((e for e in here if e.exit_date is None), None)
            if open_here is None:
                self.row(record, UNCHANGED, label, [_("nessuna iscrizione aperta da chiudere")])
                return
            self._close(record, label, open_here, end or self.ctx.today, ExitReason.WITHDRAWAL)
            return
        if found is not None:
            if found.exit_date == end:
                self.row(record, UNCHANGED, label)
            elif found.exit_date is None and end is not None:
                self._close(record, label, found, end, reason)
            else:
                self.refuse(record, label, _(
                    "l'iscrizione in %(classroom)s è chiusa il %(date)s: correggerla in Gestione."
                ) % {"classroom": classroom.name, "date": show(found.exit_date)})  # fmt: skip
            return
        year = classroom.school_year
        entry = begin or min(max(year.lessons_start, self.ctx.today), year.end_date)
        if not year.contains(entry) or (end is not None and not entry <= end):
            self.refuse(
                record,
                label,
                _(
                    "le date dell'iscrizione (%(start)s–%(end)s) non sono nell'anno scolastico "
                    "%(year)s o l'uscita precede l'ingresso."
                )
                % {"start": show(entry), "end": show(end) if end else "…", "year": year.name},
            )
            return
        last = end or FOREVER
        planned = [e for e in self.writes.new_enrollments if e.student is student]
        if any(
            e.entry_date <= last and (e.exit_date or FOREVER) >= entry for e in [*history, *planned]
        ):
            self.refuse(record, label, _(
                "L'alunno è già iscritto in un'altra classe in queste date: chiudere prima "
                "l'iscrizione precedente."
            ))  # fmt: skip
            return
        if classroom.pk is not None:
            closed = refusal(self.ctx.closed.get(classroom.pk, []), entry, last)
            if closed is not None:
                self.refuse(record, label, closed.message)
                return
            self.writes.touched.append((record, (classroom.pk, entry, last)))
        self.writes.new_enrollments.append(Enrollment(
            student=student, school_year=year, classroom=classroom, entry_date=entry,
            exit_date=end, exit_reason=reason if end else "",
            exit_note=_("Uscita indicata dall'archivio OneRoster.") if end else "",
        ))  # fmt: skip
        details = [_("iscrizione in %(classroom)s dal %(date)s") % {
            "classroom": classroom.name, "date": show(entry)}]  # fmt: skip
        if end:
            details.append(_("uscita il %(date)s") % {"date": show(end)})
        self.row(record, CREATED, label, details)

    def _close(self, record: Record, label: str, enrollment: Enrollment, day: datetime.date,
               reason: str) -> None:  # fmt: skip
        if day < enrollment.entry_date:
            self.refuse(record, label, _("L'uscita non può precedere l'ingresso."))
            return
        closed = refusal(self.ctx.closed.get(enrollment.classroom_id, []), day, FOREVER)
        if closed is not None:
            self.refuse(record, label, closed.message)
            return
        before = self.before(enrollment)
        if before is None:
            self.refuse(record, label, _("l'iscrizione compare più volte nell'archivio."))
            return
        enrollment.exit_date = day
        enrollment.exit_reason = reason
        enrollment.exit_note = _("Uscita indicata dall'archivio OneRoster.")
        self.writes.changed_enrollments.append((enrollment, before))
        self.writes.touched.append((record, (enrollment.classroom_id, day, FOREVER)))
        self.row(record, UPDATED, label, [_("iscrizione chiusa il %(date)s (%(reason)s)") % {
            "date": show(day), "reason": ExitReason(reason).label}])  # fmt: skip

    def _coordinator(self, record: Record, label: str, staff: Staff, classroom: Classroom
                     ) -> None:  # fmt: skip
        planned = self.coordinators.get(id(classroom))
        if planned is not None and planned is not staff:
            self.refuse(record, label, _(
                "la classe %(classroom)s ha già come coordinatore %(name)s in questo archivio."
            ) % {"classroom": classroom.name, "name": planned.full_name})  # fmt: skip
            return
        self.coordinators[id(classroom)] = staff
        if classroom.coordinator_id is not None and classroom.coordinator_id == staff.pk:
            self.row(record, UNCHANGED, label, [_("coordinatore")])
            return
        old = self.ctx.staff.get(classroom.coordinator_id or 0)
        before = self.before(classroom)
        classroom.coordinator = staff
        if before is not None:
            self.writes.changed_classrooms.append((classroom, before))
        self.row(
            record,
            UPDATED if classroom.pk else CREATED,
            label,
            [change(_("coordinatore"), old.full_name if old else "—", staff.full_name)],
        )

    def _teaching(self, record: Record, label: str, staff: Staff, classroom: Classroom,
                  subject: Subject) -> None:  # fmt: skip
        if (
            staff.pk
            and classroom.pk
            and subject.pk
            and ((staff.pk, classroom.pk, subject.pk) in self.ctx.teachings)
        ):
            self.row(record, UNCHANGED, label)
            return
        primary = record.get("primary").lower() == "true"
        if subject.kind == SubjectKind.SUPPORT:
            self.support_skipped += 1
            self.row(record, UNCHANGED, label, [_(
                "sostegno non importato: OneRoster non indica l'alunno seguito"
            )])  # fmt: skip
            return
        key = (id(staff), id(classroom), id(subject))
        if key in self.new_teachings:
            self.row(record, UNCHANGED, label)
            return
        if not staff.is_teacher:
            self.refuse(record, label, _("Questa persona non ha il ruolo di docente."))
            return
        self.new_teachings.add(key)
        kind = TeachingKind.NORMAL if primary else TeachingKind.CO_TEACHING
        self.writes.new_teachings.append(
            Teaching(teacher=staff, classroom=classroom, subject=subject, kind=kind)
        )
        self.row(record, CREATED, label, [str(TeachingKind(kind).label)])


def _iso(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value.strip()[:10]) if value.strip() else None
    except ValueError:
        return None


def plan_bundle(
    bundle: Bundle,
    *,
    institute_id: int,
    today: datetime.date,
    user: User | None = None,
    reason: str = "",
) -> BundlePlan:
    """What importing the bundle would do now. Reads only."""
    if bundle.problems:
        plan = BundlePlan()
        plan.problems.extend(bundle.problems)
        return plan
    writes = BundleWrites(institute_id=institute_id, actor=user, reason=reason)
    planner = RosterPlanner(bundle, RosterContext.load(institute_id, today, bundle), writes)
    planner.orgs()
    planner.academic_sessions()
    planner.courses_()
    planner.classes_()
    roles_of = planner.roles()
    planner.users(roles_of)
    planner.guardianships(roles_of)
    planner.enrollments()
    plan = planner.plan
    if any(bundle.modes.get(name) not in (None, "absent") for name in ("lineItems", "results")):
        plan.notices.append(_(
            "Il registro dei voti dell'archivio (lineItems.csv, results.csv) non è importato: "
            "i voti si registrano nel registro."
        ))  # fmt: skip
    if planner.skipped_roles:
        plan.notices.append(_("Persone con ruoli non importati (%(roles)s): nessun dato scritto.")
                            % {"roles": ", ".join(sorted(planner.skipped_roles))})  # fmt: skip
    if planner.support_skipped:
        plan.notices.append(_(
            "%(n)s cattedre di sostegno non importate: OneRoster non indica l'alunno seguito; "
            "assegnarle in Gestione."
        ) % {"n": planner.support_skipped})  # fmt: skip
    plan.writes = writes
    return plan
