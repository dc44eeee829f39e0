"""Campanella's roster and grade book as OneRoster 1.2 records (docs/oneroster.md, "Mapping").

One function per OneRoster collection yields its records as dicts keyed by the CSV binding's
column names (`columns.HEADERS`); the CSV bundle writes them, and the REST provider and the
import can read the same records and the same sourcedIds (`sourced_id_*`). Every query is scoped
to one institute, some of its schools and one school year (`Scope`); lists of a size that grows
with the school (users, enrollments, results) are read with `.iterator()`, never whole.

sourcedIds are the primary keys with a prefix naming the kind ("student-42", "class-7-3"), so
they are stable across exports and unique in the installation; nothing else (no codice fiscale)
goes into them.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import OuterRef, Q, Subquery

from campanella.audit.models import Change
from campanella.grades.models import Grade, GradeKind, ScaleKind
from campanella.lib.grades import DESCRIPTIVE_LEVELS, JUDGEMENTS, SYNTHETIC_JUDGEMENTS, format_grade
from campanella.people.models import (
    Enrollment,
    Guardian,
    Guardianship,
    Relation,
    Staff,
    Student,
)
from campanella.school.models import (
    Classroom,
    ClassroomSubject,
    Institute,
    School,
    SchoolKind,
    SchoolYear,
    Subject,
    Teaching,
    TeachingKind,
    Term,
)

Record = dict[str, str]
ACTIVE: Final = "active"
CHUNK: Final = 2000
RESULT_MIN: Final = "0"
RESULT_MAX: Final = "10"
_TEXT_OF: Final = dict((*DESCRIPTIVE_LEVELS, *JUDGEMENTS, *SYNTHETIC_JUDGEMENTS))
_CATEGORY_TITLES: Final = {
    GradeKind.WRITTEN: "Prove scritte",
    GradeKind.ORAL: "Prove orali",
    GradeKind.PRACTICAL: "Prove pratiche",
}
# The first grade (CEDS code, as OneRoster's `grades`) of each Italian school order.
_FIRST_GRADE: Final[dict[str, int]] = {
    SchoolKind.INFANCY: -1,
    SchoolKind.PRIMARY: 1,
    SchoolKind.LOWER_SECONDARY: 6,
    SchoolKind.UPPER_SECONDARY: 9,
}


# --- sourcedIds -------------------------------------------------------------------------------


def sourced_id_institute(pk: int) -> str:
    return f"institute-{pk}"


def sourced_id_school(pk: int) -> str:
    return f"school-{pk}"


def sourced_id_school_year(pk: int) -> str:
    return f"year-{pk}"


def sourced_id_term(pk: int) -> str:
    return f"term-{pk}"


def sourced_id_grading_period(term_pk: int) -> str:
    return f"period-{term_pk}"


def sourced_id_course(school_year: int, school: int, year: int, subject: int | None) -> str:
    """A course is a subject for one class year (homeroom: no subject) of one school and year."""
    return f"course-{school_year}-{school}-{year}-{subject if subject else 'homeroom'}"


def sourced_id_class(classroom: int, subject: int | None) -> str:
    """A class is a classroom × subject (scheduled), or the classroom itself (homeroom)."""
    return f"class-{classroom}-{subject if subject else 'homeroom'}"


def sourced_id_student(pk: int) -> str:
    return f"student-{pk}"


def sourced_id_staff(pk: int) -> str:
    return f"staff-{pk}"


def sourced_id_guardian(pk: int) -> str:
    return f"guardian-{pk}"


def sourced_id_category(kind: str) -> str:
    return f"category-{kind}"


def sourced_id_line_item(classroom: int, subject: int, day: datetime.date, kind: str) -> str:
    """An assessment: the grades of one classroom × subject × day × kind (written, oral…)."""
    return f"lineitem-{classroom}-{subject}-{day:%Y%m%d}-{kind}"


def sourced_id_result(grade_pk: int) -> str:
    return f"result-{grade_pk}"


# --- values -----------------------------------------------------------------------------------


def timestamp(moment: datetime.datetime | None) -> str:
    """dateLastModified: ISO 8601 in UTC with milliseconds; blank where nothing records it."""
    if moment is None:
        return ""
    utc = moment.astimezone(datetime.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def day(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


def ceds_grade(kind: str, class_year: int) -> str:
    """OneRoster's grade (CEDS Entry Grade Level) of a class year: 1ª secondaria di primo grado →
    "06", 5ª superiore → "13"; the scuola dell'infanzia is "PK"."""
    first = _FIRST_GRADE.get(kind, 1)
    if first < 0:
        return "PK"
    return f"{first + class_year - 1:02d}"


def score(value: Decimal | None) -> str:
    """The Italian mark as a decimal with a point: 7.25 → "7.25", 7 → "7"."""
    if value is None:
        return ""
    return format(value.normalize(), "f")


def _last_change(model: type[models.Model]) -> Subquery:
    """When the history (audit) last recorded a change of the row: one indexed look-up."""
    content_type = ContentType.objects.get_for_model(model)
    changes = Change.objects.filter(content_type=content_type, object_id=OuterRef("pk"))
    return Subquery(changes.order_by("-at").values("at")[:1])


def _latest(*moments: datetime.datetime | None) -> datetime.datetime | None:
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None


def _joined(values: list[str]) -> str:
    """A list field of the CSV binding: values separated by commas (the writer quotes it)."""
    return ",".join(values)


# --- scope ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What one export covers: schools (plessi) of one institute, in one school year."""

    institute_id: int
    school_ids: tuple[int, ...]
    school_year_id: int


@dataclass
class Roster:
    """The small tables every collection refers to, read once per export."""

    scope: Scope
    institute: Institute
    school_year: SchoolYear
    schools: dict[int, School]
    classrooms: dict[int, Classroom]
    subjects: dict[int, Subject]
    terms_of_school: dict[int, list[Term]]
    # scheduled classes: (classroom, subject) pairs taught or timetabled in the classrooms
    class_pairs: set[tuple[int, int]] = field(default_factory=set)

    def term_on(self, school_id: int, on: datetime.date) -> Term | None:
        for term in self.terms_of_school.get(school_id, []):
            if term.start_date <= on <= term.end_date:
                return term
        return None


def roster_for(scope: Scope) -> Roster:
    """The scope's institute, year, schools, classrooms, subjects, terms and classes."""
    institute = Institute.objects.get(pk=scope.institute_id)
    school_year = SchoolYear.objects.get(pk=scope.school_year_id, institute_id=institute.pk)
    schools = {
        school.pk: school
        for school in School.objects.filter(institute_id=institute.pk, pk__in=scope.school_ids)
    }
    classrooms = {
        classroom.pk: classroom
        for classroom in Classroom.objects.filter(
            school_id__in=schools, school_year_id=school_year.pk
        ).order_by("school_id", "year", "section", "track")
    }
    terms: dict[int, list[Term]] = defaultdict(list)
    for term in Term.objects.filter(school_year_id=school_year.pk, school_id__in=schools).order_by(
        "school_id", "number"
    ):
        terms[term.school_id].append(term)
    pairs = set(
        ClassroomSubject.objects.filter(classroom_id__in=classrooms).values_list(
            "classroom_id", "subject_id"
        )
    )
    pairs |= set(
        Teaching.objects.filter(classroom_id__in=classrooms).values_list(
            "classroom_id", "subject_id"
        )
    )
    subjects = {
        subject.pk: subject
        for subject in Subject.objects.filter(pk__in={subject for _, subject in pairs})
    }
    return Roster(
        scope=scope,
        institute=institute,
        school_year=school_year,
        schools=schools,
        classrooms=classrooms,
        subjects=subjects,
        terms_of_school=dict(terms),
        class_pairs=pairs,
    )


# --- rostering --------------------------------------------------------------------------------


def orgs(roster: Roster) -> Iterator[Record]:
    """The institute (district) and its chosen schools (school), named by codice meccanografico."""
    institute = roster.institute
    yield {
        "sourcedId": sourced_id_institute(institute.pk),
        "status": ACTIVE,
        "name": institute.name,
        "type": "district",
        "identifier": institute.code,
    }
    for school in sorted(roster.schools.values(), key=lambda s: s.name):
        yield {
            "sourcedId": sourced_id_school(school.pk),
            "status": ACTIVE,
            "name": school.name,
            "type": "school",
            "identifier": school.code,
            "parentSourcedId": sourced_id_institute(institute.pk),
        }


def academic_sessions(roster: Roster) -> Iterator[Record]:
    """The school year, each school's terms (trimestre, quadrimestre…) as `term`, and under each
    term the same dates as its `gradingPeriod` (the period the grade book's line items fall in)."""
    year = roster.school_year
    ending_year = str(year.end_date.year)
    yield {
        "sourcedId": sourced_id_school_year(year.pk),
        "status": ACTIVE,
        "title": f"Anno scolastico {year.name}",
        "type": "schoolYear",
        "startDate": day(year.start_date),
        "endDate": day(year.end_date),
        "schoolYear": ending_year,
    }
    for school_id, terms in roster.terms_of_school.items():
        school = roster.schools[school_id]
        for term in terms:
            title = f"{term.number}° {term.get_kind_display()} {year.name} – {school.name}"
            common = {
                "status": ACTIVE,
                "startDate": day(term.start_date),
                "endDate": day(term.end_date),
                "schoolYear": ending_year,
            }
            yield {
                **common,
                "sourcedId": sourced_id_term(term.pk),
                "title": title,
                "type": "term",
                "parentSourcedId": sourced_id_school_year(year.pk),
            }
            yield {
                **common,
                "sourcedId": sourced_id_grading_period(term.pk),
                "title": f"Valutazioni del {title}",
                "type": "gradingPeriod",
                "parentSourcedId": sourced_id_term(term.pk),
            }


def _course_keys(roster: Roster) -> dict[str, tuple[School, int, Subject | None]]:
    keys: dict[str, tuple[School, int, Subject | None]] = {}
    year_pk = roster.school_year.pk
    for classroom in roster.classrooms.values():
        school = roster.schools[classroom.school_id]
        homeroom = sourced_id_course(year_pk, school.pk, classroom.year, None)
        keys[homeroom] = (school, classroom.year, None)
    for classroom_id, subject_id in roster.class_pairs:
        classroom = roster.classrooms[classroom_id]
        school = roster.schools[classroom.school_id]
        key = sourced_id_course(year_pk, school.pk, classroom.year, subject_id)
        keys[key] = (school, classroom.year, roster.subjects[subject_id])
    return keys


def courses(roster: Roster) -> Iterator[Record]:
    """A subject for a class year of a school in the year ("Matematica – classi 2ª"), and the
    homeroom course of each class year the homeroom classes belong to."""
    year = roster.school_year
    for key, (school, class_year, subject) in sorted(_course_keys(roster).items()):
        record = {
            "sourcedId": key,
            "status": ACTIVE,
            "schoolYearSourcedId": sourced_id_school_year(year.pk),
            "grades": ceds_grade(school.kind, class_year),
            "orgSourcedId": sourced_id_school(school.pk),
        }
        if subject is None:
            record["title"] = f"Classi {class_year}ª {year.name} – {school.name}"
            record["courseCode"] = f"{school.code}-{class_year}"
        else:
            record["title"] = f"{subject.name} – classi {class_year}ª {year.name} – {school.name}"
            record["courseCode"] = f"{school.code}-{class_year}-{subject.short_name}"
            record["subjects"] = subject.name
        yield record


def _class_title(classroom: Classroom) -> str:
    track = f" {classroom.track}" if classroom.track else ""
    return f"{classroom.year}{classroom.section}{track}"


def classes(roster: Roster) -> Iterator[Record]:
    """Each classroom as a homeroom class, and each classroom × subject as a scheduled class."""
    year_pk = roster.school_year.pk
    subjects_of: dict[int, list[Subject]] = defaultdict(list)
    for classroom_id, subject_id in roster.class_pairs:
        subjects_of[classroom_id].append(roster.subjects[subject_id])
    for classroom in roster.classrooms.values():
        school = roster.schools[classroom.school_id]
        common = {
            "status": ACTIVE,
            "grades": ceds_grade(school.kind, classroom.year),
            "schoolSourcedId": sourced_id_school(school.pk),
            "termSourcedIds": _joined(
                [sourced_id_term(term.pk) for term in roster.terms_of_school.get(school.pk, [])]
            ),
        }
        title = _class_title(classroom)
        yield {
            **common,
            "sourcedId": sourced_id_class(classroom.pk, None),
            "title": f"{title} – {school.name}",
            "courseSourcedId": sourced_id_course(year_pk, school.pk, classroom.year, None),
            "classCode": f"{school.code}-{title}",
            "classType": "homeroom",
        }
        for subject in sorted(subjects_of[classroom.pk], key=lambda s: s.name):
            yield {
                **common,
                "sourcedId": sourced_id_class(classroom.pk, subject.pk),
                "title": f"{subject.name} {title} – {school.name}",
                "courseSourcedId": sourced_id_course(
                    year_pk, school.pk, classroom.year, subject.pk
                ),
                "classCode": f"{school.code}-{title}-{subject.short_name}",
                "classType": "scheduled",
                "subjects": subject.name,
            }


def _enrollments(roster: Roster) -> models.QuerySet[Enrollment]:
    return Enrollment.objects.filter(
        classroom_id__in=roster.classrooms, school_year_id=roster.school_year.pk
    )


def _teachings(roster: Roster) -> models.QuerySet[Teaching]:
    return Teaching.objects.filter(classroom_id__in=roster.classrooms)


def _guardianships(roster: Roster) -> models.QuerySet[Guardianship]:
    """Links of the scope's students to their guardians, except those whose access was revoked."""
    return Guardianship.objects.filter(
        student__enrollments__in=_enrollments(roster), access_revoked_on__isnull=True
    ).distinct()


def _guardian_links(roster: Roster, students: list[int] | None = None
                    ) -> tuple[dict[int, list[int]], dict[int, list[int]]]:  # fmt: skip
    """Students' guardians and guardians' students (agentSourcedIds both ways); of `students`
    only when given (a page of the REST provider)."""
    of_student: dict[int, list[int]] = defaultdict(list)
    of_guardian: dict[int, list[int]] = defaultdict(list)
    links = _guardianships(roster)
    if students is not None:
        links = links.filter(student_id__in=students)
    pairs = links.values_list("student_id", "guardian_id").order_by("pk")
    for student_id, guardian_id in pairs.iterator(chunk_size=CHUNK):
        of_student[student_id].append(guardian_id)
        of_guardian[guardian_id].append(student_id)
    return of_student, of_guardian


def _student_homes(roster: Roster, students: list[int] | None = None) -> dict[int, int]:
    """Each student's classroom in the scope (the latest enrollment of the year); of `students`
    only when given (a page of the REST provider)."""
    homes: dict[int, int] = {}
    enrollments = _enrollments(roster)
    if students is not None:
        enrollments = enrollments.filter(student_id__in=students)
    rows = enrollments.order_by("entry_date", "pk").values_list("student_id", "classroom_id")
    for student_id, classroom_id in rows.iterator(chunk_size=CHUNK):
        homes[student_id] = classroom_id
    return homes


STUDENT_COLUMNS: Final = ("pk", "name", "surname", "user__username", "user__email", "changed_at")
STUDENT_ORDER: Final = ("surname", "name", "pk")


def student_rows(roster: Roster) -> models.QuerySet[Student]:
    """The scope's students, with `changed_at` (their last change), as `users` reads them."""
    enrolled = _enrollments(roster).values("student_id")
    return Student.objects.filter(pk__in=enrolled).annotate(changed_at=_last_change(Student))


def student_records(roster: Roster, rows: list[tuple[Any, ...]]
                    ) -> list[tuple[Record, Record]]:  # fmt: skip
    """`users` records of some `student_rows` (STUDENT_COLUMNS), each with its one `roles`
    record: a page of the REST provider."""
    pks = [row[0] for row in rows]
    homes = _student_homes(roster, pks)
    of_student, _ = _guardian_links(roster, pks)
    return [
        (
            _student_record(roster, row, homes[row[0]], of_student.get(row[0], [])),
            _student_role(roster, row[0], homes[row[0]]),
        )
        for row in rows
    ]


def _student_record(roster: Roster, row: tuple[Any, ...], home: int, guardians: list[int]
                    ) -> Record:  # fmt: skip
    pk, name, surname, username, email, changed_at = row
    classroom = roster.classrooms[home]
    school = roster.schools[classroom.school_id]
    return {
        "sourcedId": sourced_id_student(pk),
        "status": ACTIVE,
        "dateLastModified": timestamp(changed_at),
        "enabledUser": "true" if username else "false",
        "username": username or "",
        "givenName": name,
        "familyName": surname,
        "identifier": username or "",
        "email": email or "",
        "agentSourcedIds": _joined([sourced_id_guardian(g) for g in guardians]),
        "grades": ceds_grade(school.kind, classroom.year),
        "primaryOrgSourcedId": sourced_id_school(school.pk),
    }


def _student_role(roster: Roster, student_id: int, classroom_id: int) -> Record:
    school_id = roster.classrooms[classroom_id].school_id
    return {
        "sourcedId": f"role-student-{student_id}-{school_id}",
        "status": ACTIVE,
        "userSourcedId": sourced_id_student(student_id),
        "roleType": "primary",
        "role": "student",
        "orgSourcedId": sourced_id_school(school_id),
    }


def users(roster: Roster) -> Iterator[Record]:
    """Students, teachers (staff with a teaching in the scope) and guardians.

    Privacy (docs/oneroster.md): the codice fiscale, birth date, sex and phone numbers are not
    exported; `identifier` is the login name the school already gives each person."""
    of_student, of_guardian = _guardian_links(roster)
    homes = _student_homes(roster)
    students = (
        Student.objects.filter(pk__in=list(homes))
        .annotate(changed_at=_last_change(Student))
        .values_list(*STUDENT_COLUMNS)
        .order_by(*STUDENT_ORDER)
    )
    for row in students.iterator(chunk_size=CHUNK):
        yield _student_record(roster, row, homes[row[0]], of_student.get(row[0], []))
    first_school = _teacher_schools(roster)
    staff = (
        Staff.objects.filter(pk__in=list(first_school))
        .annotate(changed_at=_last_change(Staff))
        .values_list("pk", "name", "surname", "email", "user__username", "active", "changed_at")
        .order_by("surname", "name", "pk")
    )
    for pk, name, surname, email, username, active, changed_at in staff.iterator(chunk_size=CHUNK):
        yield {
            "sourcedId": sourced_id_staff(pk),
            "status": ACTIVE,
            "dateLastModified": timestamp(changed_at),
            "enabledUser": "true" if username and active else "false",
            "username": username or "",
            "givenName": name,
            "familyName": surname,
            "identifier": username or "",
            "email": email,
            "primaryOrgSourcedId": sourced_id_school(first_school[pk][0]),
        }
    guardian_school = {
        guardian: roster.classrooms[homes[children[0]]].school_id
        for guardian, children in of_guardian.items()
    }
    guardians = (
        Guardian.objects.filter(pk__in=list(of_guardian))
        .annotate(changed_at=_last_change(Guardian))
        .values_list("pk", "name", "surname", "email", "user__username", "changed_at")
        .order_by("surname", "name", "pk")
    )
    for pk, name, surname, email, username, changed_at in guardians.iterator(chunk_size=CHUNK):
        yield {
            "sourcedId": sourced_id_guardian(pk),
            "status": ACTIVE,
            "dateLastModified": timestamp(changed_at),
            "enabledUser": "true" if username else "false",
            "username": username or "",
            "givenName": name,
            "familyName": surname,
            "identifier": username or "",
            "email": email,
            "agentSourcedIds": _joined([sourced_id_student(s) for s in of_guardian[pk]]),
            "primaryOrgSourcedId": sourced_id_school(guardian_school[pk]),
        }


def _teacher_schools(roster: Roster) -> dict[int, list[int]]:
    """Each teacher (or coordinator) of the scope with the schools where they teach, sorted."""
    schools: dict[int, set[int]] = defaultdict(set)
    for teacher_id, classroom_id in _teachings(roster).values_list("teacher_id", "classroom_id"):
        schools[teacher_id].add(roster.classrooms[classroom_id].school_id)
    for classroom in roster.classrooms.values():  # a coordinator is in the homeroom class
        if classroom.coordinator_id is not None:
            schools[classroom.coordinator_id].add(classroom.school_id)
    return {teacher: sorted(found) for teacher, found in schools.items()}


def roles(roster: Roster) -> Iterator[Record]:
    """One role per user and school: student; teacher (primary in the first school, secondary
    in the others); parent (genitore 1 e 2) or guardian (tutore) in the school of each child."""
    homes = _student_homes(roster)
    for student_id, classroom_id in sorted(homes.items()):
        yield _student_role(roster, student_id, classroom_id)
    for teacher_id, school_ids in sorted(_teacher_schools(roster).items()):
        for position, school_id in enumerate(school_ids):
            yield {
                "sourcedId": f"role-staff-{teacher_id}-{school_id}",
                "status": ACTIVE,
                "userSourcedId": sourced_id_staff(teacher_id),
                "roleType": "primary" if position == 0 else "secondary",
                "role": "teacher",
                "orgSourcedId": sourced_id_school(school_id),
            }
    links = _guardianships(roster).values_list("guardian_id", "student_id", "relation")
    schools_of: dict[int, dict[int, str]] = defaultdict(dict)
    for guardian_id, student_id, relation in links.iterator(chunk_size=CHUNK):
        school_id = roster.classrooms[homes[student_id]].school_id
        role = "guardian" if relation == Relation.TUTOR else "parent"
        schools_of[guardian_id].setdefault(school_id, role)
    for guardian_id, by_school in sorted(schools_of.items()):
        for position, (school_id, role) in enumerate(sorted(by_school.items())):
            yield {
                "sourcedId": f"role-guardian-{guardian_id}-{school_id}",
                "status": ACTIVE,
                "userSourcedId": sourced_id_guardian(guardian_id),
                "roleType": "primary" if position == 0 else "secondary",
                "role": role,
                "orgSourcedId": sourced_id_school(school_id),
            }


def enrollments(roster: Roster) -> Iterator[Record]:
    """Students in their homeroom class and in every scheduled class of their classroom;
    teachers in the classes they teach (primary for the curricular teaching, not for support or
    co-teaching); the coordinator in the homeroom class."""
    subjects_of: dict[int, list[int]] = defaultdict(list)
    for classroom_id, subject_id in sorted(roster.class_pairs):
        subjects_of[classroom_id].append(subject_id)
    rows = (
        _enrollments(roster)
        .annotate(changed_at=_last_change(Enrollment))
        .values_list("pk", "student_id", "classroom_id", "entry_date", "exit_date", "changed_at")
        .order_by("classroom_id", "pk")
    )
    for pk, student_id, classroom_id, entry, exit_, changed_at in rows.iterator(chunk_size=CHUNK):
        school = sourced_id_school(roster.classrooms[classroom_id].school_id)
        common = {
            "status": ACTIVE,
            "dateLastModified": timestamp(changed_at),
            "schoolSourcedId": school,
            "userSourcedId": sourced_id_student(student_id),
            "role": "student",
            "primary": "false",
            "beginDate": day(entry),
            "endDate": day(exit_),
        }
        yield {
            **common,
            "sourcedId": f"enrollment-{pk}-homeroom",
            "classSourcedId": sourced_id_class(classroom_id, None),
        }
        for subject_id in subjects_of[classroom_id]:
            yield {
                **common,
                "sourcedId": f"enrollment-{pk}-{subject_id}",
                "classSourcedId": sourced_id_class(classroom_id, subject_id),
            }
    teachings = (
        _teachings(roster)
        .values_list("pk", "teacher_id", "classroom_id", "subject_id", "kind")
        .order_by("classroom_id", "subject_id", "pk")
    )
    for pk, teacher_id, classroom_id, subject_id, kind in teachings:
        yield {
            "sourcedId": f"teaching-{pk}",
            "status": ACTIVE,
            "classSourcedId": sourced_id_class(classroom_id, subject_id),
            "schoolSourcedId": sourced_id_school(roster.classrooms[classroom_id].school_id),
            "userSourcedId": sourced_id_staff(teacher_id),
            "role": "teacher",
            "primary": "true" if kind == TeachingKind.NORMAL else "false",
        }
    for classroom in roster.classrooms.values():
        if classroom.coordinator_id is None:
            continue
        yield {
            "sourcedId": f"coordinator-{classroom.pk}",
            "status": ACTIVE,
            "classSourcedId": sourced_id_class(classroom.pk, None),
            "schoolSourcedId": sourced_id_school(classroom.school_id),
            "userSourcedId": sourced_id_staff(classroom.coordinator_id),
            "role": "teacher",
            "primary": "true",
        }


# --- grade book -------------------------------------------------------------------------------


def categories(roster: Roster) -> Iterator[Record]:
    """The kinds of grade (scritto, orale, pratico) as the categories of the line items."""
    for kind in GradeKind:
        yield {
            "sourcedId": sourced_id_category(kind.value),
            "status": ACTIVE,
            "title": _CATEGORY_TITLES[kind],
        }


def _grades(roster: Roster) -> models.QuerySet[Grade]:
    """The grades of the scope that stand: a cancelled grade is no result."""
    return Grade.objects.filter(classroom_id__in=roster.classrooms, cancelled_at__isnull=True)


def line_items(roster: Roster, *, since: datetime.datetime | None = None) -> Iterator[Record]:
    """One line item per assessment: the grades of a classroom × subject × day × kind. Its title
    is the first description given (or the kind and the day), its period the term of the day.
    `since`: only those modified after it (the REST provider's incremental reads)."""
    assessments = _assessments(_grades(roster)).order_by(*LINE_ITEM_ORDER)
    if since is not None:
        assessments = assessments.filter(changed_at__gt=since)
    for row in assessments.iterator(chunk_size=CHUNK):
        if (row["classroom_id"], row["subject_id"]) in roster.class_pairs:
            yield line_item_record(roster, row)


LINE_ITEM_ORDER: Final = ("classroom_id", "subject_id", "date", "kind")


def _assessments(grades: models.QuerySet[Grade]) -> models.QuerySet[Any, dict[str, Any]]:
    """Grades grouped by classroom × subject × day × kind, with the first description and the
    last recording moment (`changed_at`)."""
    return grades.values("classroom_id", "subject_id", "date", "kind").annotate(
        description=models.Min("description"), changed_at=models.Max("recorded_at")
    )


def _of_scope_classes(roster: Roster, grades: models.QuerySet[Grade]) -> models.QuerySet[Grade]:
    """Grades given in a class of the scope (`class_pairs`: a classroom × subject taught or
    timetabled), as one condition per classroom (a plain filter, no subquery per row)."""
    subjects_of: dict[int, list[int]] = defaultdict(list)
    for classroom_id, subject_id in roster.class_pairs:
        subjects_of[classroom_id].append(subject_id)
    condition = Q(pk__in=[])
    for classroom_id, subjects in sorted(subjects_of.items()):
        condition |= Q(classroom_id=classroom_id, subject_id__in=sorted(subjects))
    return grades.filter(condition)


def line_item_rows(roster: Roster) -> models.QuerySet[Any, dict[str, Any]]:
    """The assessments `line_items` yields, chosen in the database: what the REST provider
    pages (dicts with classroom_id, subject_id, date, kind, description, changed_at)."""
    return _assessments(_of_scope_classes(roster, _grades(roster)))


def line_item_record(roster: Roster, row: dict[str, Any]) -> Record:
    """One `lineItems` record from an assessment row."""
    classroom_id, subject_id = row["classroom_id"], row["subject_id"]
    classroom = roster.classrooms[classroom_id]
    subject = roster.subjects[subject_id]
    on: datetime.date = row["date"]
    term = roster.term_on(classroom.school_id, on)
    kind_label = GradeKind(row["kind"]).label
    title = row["description"] or f"{subject.name}: prova {kind_label} del {on:%d/%m/%Y}"
    return {
        "sourcedId": sourced_id_line_item(classroom_id, subject_id, on, row["kind"]),
        "status": ACTIVE,
        "dateLastModified": timestamp(row["changed_at"]),
        "title": title,
        "description": f"{subject.name}, {_class_title(classroom)}, prova {kind_label}",
        "assignDate": day(on),
        "dueDate": day(on),
        "classSourcedId": sourced_id_class(classroom_id, subject_id),
        "categorySourcedId": sourced_id_category(row["kind"]),
        "academicSessionSourcedId": sourced_id_grading_period(term.pk) if term else "",
        "resultValueMin": RESULT_MIN,
        "resultValueMax": RESULT_MAX,
        "schoolSourcedId": sourced_id_school(classroom.school_id),
    }


def results(roster: Roster, *, since: datetime.datetime | None = None) -> Iterator[Record]:
    """Each standing grade of a student enrolled in the scope: `score` the decimal value of the
    Italian mark, `textScore` its displayed form ("7+", "6½") or the judgement / level (then no
    score). The teacher's comment to the family stays in the register. `since`: only those
    modified (recorded or changed) after it (the REST provider's incremental reads)."""
    homes = _student_homes(roster)
    changed = _grades(roster).annotate(changed_at=_last_change(Grade))
    if since is not None:
        changed = changed.filter(Q(recorded_at__gt=since) | Q(changed_at__gt=since))
    grades = changed.values_list(*RESULT_COLUMNS).order_by(*RESULT_ORDER)
    for row in grades.iterator(chunk_size=CHUNK):
        _pk, student_id, classroom_id, subject_id, *_rest = row
        if student_id not in homes or (classroom_id, subject_id) not in roster.class_pairs:
            continue
        yield result_record(row)


RESULT_COLUMNS: Final = (
    "pk", "student_id", "classroom_id", "subject_id", "date", "kind", "scale", "value", "level",
    "judgement", "recorded_at", "changed_at",
)  # fmt: skip
RESULT_ORDER: Final = ("classroom_id", "subject_id", "date", "kind", "pk")


def result_rows(roster: Roster) -> models.QuerySet[Grade]:
    """The grades `results` yields, chosen in the database (a student enrolled in the scope, a
    class of the scope), with `changed_at`: what the REST provider pages."""
    enrolled = _enrollments(roster).values("student_id")
    chosen = _of_scope_classes(roster, _grades(roster)).filter(student_id__in=enrolled)
    return chosen.annotate(changed_at=_last_change(Grade))


def result_record(row: tuple[Any, ...]) -> Record:
    """One `results` record from a row of RESULT_COLUMNS."""
    (
        pk, student_id, classroom_id, subject_id, on, kind, scale, value, level, judgement,
        recorded_at, changed_at,
    ) = row  # fmt: skip
    if scale == ScaleKind.NUMERIC and value is not None:
        shown = format_grade(value)
    else:
        shown = str(_TEXT_OF.get(level or judgement, level or judgement))
    return {
        "sourcedId": sourced_id_result(pk),
        "status": ACTIVE,
        "dateLastModified": timestamp(_latest(recorded_at, changed_at)),
        "lineItemSourcedId": sourced_id_line_item(classroom_id, subject_id, on, kind),
        "studentSourcedId": sourced_id_student(student_id),
        "scoreStatus": "fully graded",
        "score": score(value) if scale == ScaleKind.NUMERIC else "",
        "scoreDate": day(on),
        "textScore": shown,
        "classSourcedId": sourced_id_class(classroom_id, subject_id),
    }


COLLECTIONS: Final[dict[str, Callable[[Roster], Iterator[Record]]]] = {
    "orgs": orgs,
    "academicSessions": academic_sessions,
    "courses": courses,
    "classes": classes,
    "users": users,
    "roles": roles,
    "enrollments": enrollments,
    "categories": categories,
    "lineItems": line_items,
    "results": results,
}
