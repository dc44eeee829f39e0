"""The demo / benchmark generator: realistic, valid, deterministic, and logins that work."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from campanella.audit.models import Change
from campanella.demo.generator import (
    DEMO_PASSWORD,
    DEMO_SCHOOLS,
    DEMO_SEED,
    DEMO_STUDENTS,
    generate,
    share,
)
from campanella.demo.logins import demo_logins
from campanella.grades.models import Grade, ScaleKind
from campanella.lib.italian import check_codice_fiscale
from campanella.lib.usernames import is_family_username, is_staff_username
from campanella.people.models import Enrollment, Guardian, Guardianship, Staff, Student, User
from campanella.register.models import Absence, Lesson, Signature
from campanella.school.models import (
    Classroom,
    ClassroomSubject,
    Institute,
    JudgementDescription,
    School,
    SchoolKind,
    SubjectKind,
    Teaching,
    Term,
    TermKind,
    TimetableEntry,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 23)


def fingerprint() -> list[tuple[str, str, str]]:
    return list(
        Student.objects.order_by("pk").values_list("user__username", "codice_fiscale", "surname")
    )


def test_same_seed_same_institute() -> None:
    generate(students=60, schools=2, seed=7, today=TODAY)
    first = fingerprint()
    second_counts = generate(students=60, schools=2, seed=7, today=TODAY)
    second = list(
        Student.objects.filter(institute_id=second_counts.institute_id)
        .order_by("pk")
        .values_list("codice_fiscale", "surname")
    )
    assert [(cf, s) for _u, cf, s in first[:60]] == second


def test_different_seed_different_people() -> None:
    a = generate(students=30, schools=1, seed=1, today=TODAY)
    b = generate(students=30, schools=1, seed=2, today=TODAY)
    names_a = set(
        Student.objects.filter(institute_id=a.institute_id).values_list("codice_fiscale", flat=True)
    )
    names_b = set(
        Student.objects.filter(institute_id=b.institute_id).values_list("codice_fiscale", flat=True)
    )
    assert names_a != names_b


def test_shape_of_a_generated_institute() -> None:
    counts = generate(students=230, schools=2, seed=2026, today=TODAY)
    assert counts.students == 230
    assert 10 <= counts.classrooms <= 11
    assert Enrollment.objects.count() == 230
    sizes = Counter(Enrollment.objects.values_list("classroom_id", flat=True))
    assert max(sizes.values()) - min(sizes.values()) <= 1
    per_student = Counter(Guardianship.objects.values_list("student_id", flat=True))
    assert set(per_student.values()) <= {1, 2}
    assert len(per_student) == 230
    assert (
        Guardian.objects.annotate().filter(guardianships__isnull=False).distinct().count() < 2 * 230
    )
    # Families with two children exist (the portfolio case).
    children = Counter(Guardianship.objects.values_list("guardian_id", flat=True))
    assert max(children.values()) >= 2
    # Every classroom has a coordinator who teaches there, a curriculum and a full timetable.
    for classroom in Classroom.objects.all():
        assert Teaching.objects.filter(classroom=classroom, teacher=classroom.coordinator).exists()
        hours = sum(
            ClassroomSubject.objects.filter(classroom=classroom).values_list(
                "weekly_hours", flat=True
            )
        )
        assert TimetableEntry.objects.filter(classroom=classroom).count() == hours
    assert Staff.objects.filter(is_office=True).count() == 1
    assert Staff.objects.filter(is_principal=True).count() == 1
    assert 20 <= Staff.objects.filter(is_teacher=True).count() <= 40
    assert Student.objects.filter(birth_date__lte=datetime.date(2008, 11, 23)).exists()  # adults


def test_generated_records_pass_model_validation() -> None:
    generate(students=40, schools=2, seed=3, today=TODAY)
    for model in (
        Student,
        Guardian,
        Staff,
        Enrollment,
        Guardianship,
        Classroom,
        Teaching,
        ClassroomSubject,
    ):
        for record in model.objects.all()[:60]:
            record.full_clean()
    for student in Student.objects.all():
        check_codice_fiscale(student.codice_fiscale)


def test_usernames_have_the_family_and_staff_forms() -> None:
    generate(students=25, schools=1, seed=4, today=TODAY)
    for student in Student.objects.select_related("user"):
        assert student.user is not None
        assert student.user.username.startswith("S")
        assert is_family_username(student.user.username)
    for guardian in Guardian.objects.select_related("user"):
        assert guardian.user is not None
        assert guardian.user.username[0] in "GX"
        assert is_family_username(guardian.user.username)
    for staff in Staff.objects.select_related("user"):
        assert staff.user is not None
        assert is_staff_username(staff.user.username)
    assert User.objects.values("username").distinct().count() == User.objects.count()


def demo_institute() -> None:
    """The institute `campanella demo` creates (without its register and grades)."""
    generate(students=DEMO_STUDENTS, schools=DEMO_SCHOOLS, seed=DEMO_SEED)


def test_printed_logins_work_with_the_demo_password() -> None:
    demo_institute()  # 5th-year adults exist
    logins = demo_logins()
    assert {
        "Segreteria",
        "Dirigente",
        "Genitore",
        "Studente minorenne",
        "Studente maggiorenne",
    } <= set(logins)
    for username in logins.values():
        client = Client()
        response = client.post("/accedi/", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        assert client.get("/").status_code == 200


def test_seed_command_prints_counts_and_logins(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("seed", students=20, schools=1, seed=5)
    out = capsys.readouterr().out
    assert "20 alunni" in out
    assert "Segreteria" in out


def test_refuses_nonsense_sizes() -> None:
    with pytest.raises(ValueError, match="almeno"):
        generate(students=0, schools=1, seed=1)


def test_readme_lists_the_logins_the_demo_prints() -> None:
    demo_institute()
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = dict(re.findall(r"^\| ([^|]+?) \| `([^`]+)` \|$", readme, flags=re.MULTILINE))
    printed = demo_logins()
    assert sorted(table.values()) == sorted(printed.values())


def test_demo_register_history_is_signed_and_traced() -> None:
    counts = generate(students=120, schools=2, seed=8, today=TODAY, history_days=5)
    lessons = Lesson.objects.filter(classroom__school__institute_id=counts.institute_id)
    assert lessons.count() > 0
    assert Signature.objects.filter(lesson__in=lessons).count() == lessons.count()
    assert lessons.values("date").distinct().count() == 5
    assert Absence.objects.exists()
    assert Absence.objects.filter(justification__status="accettata").exists()
    assert Change.objects.filter(reason="dati dimostrativi").count() >= lessons.count()
    # The history shows each absence as it is, linked to its justification (issue 10 #7),
    # and each justification's creation.
    justified = Absence.objects.filter(justification__isnull=False)
    created = {
        change.object_id: change.after["justification"]
        for change in Change.objects.filter(
            content_type__model="absence", action="create", object_id__in=justified.values("pk")
        )
    }
    assert created == dict(justified.values_list("pk", "justification_id"))
    justifications = Change.objects.filter(content_type__model="justification", action="create")
    assert justifications.count() == justified.count()


@pytest.mark.parametrize("schools", [3, 4, 7])
def test_from_three_schools_every_level_is_there(schools: int) -> None:
    counts = generate(students=30 * schools, schools=schools, seed=9, today=TODAY)
    kinds = set(
        School.objects.filter(institute_id=counts.institute_id).values_list("kind", flat=True)
    )
    assert kinds == {SchoolKind.PRIMARY, SchoolKind.LOWER_SECONDARY, SchoolKind.UPPER_SECONDARY}
    assert Institute.objects.get(pk=counts.institute_id).name.startswith("Istituto Omnicomprensivo")


@pytest.mark.parametrize("schools", [1, 2])
def test_one_or_two_schools_stay_upper_secondary(schools: int) -> None:
    counts = generate(students=40, schools=schools, seed=9, today=TODAY)
    kinds = set(
        School.objects.filter(institute_id=counts.institute_id).values_list("kind", flat=True)
    )
    assert kinds == {SchoolKind.UPPER_SECONDARY}


def test_the_demo_institute_has_every_level_with_its_years_and_curriculum() -> None:
    counts = generate(
        students=DEMO_STUDENTS, schools=DEMO_SCHOOLS, seed=DEMO_SEED, today=TODAY,
        grades_per_subject=2,
    )  # fmt: skip
    schools = {s.kind: s for s in School.objects.filter(institute_id=counts.institute_id)}
    assert counts.classrooms == 18
    years = {
        kind: sorted(Classroom.objects.filter(school__kind=kind).values_list("year", flat=True))
        for kind in schools
    }
    assert years[SchoolKind.PRIMARY] == [1, 2, 3, 4, 5]
    assert years[SchoolKind.LOWER_SECONDARY] == [1, 2, 3]
    assert years[SchoolKind.UPPER_SECONDARY] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    # Weekly hours as the ordinamenti have them (tempo normale, tempo ordinario).
    for classroom in Classroom.objects.filter(school__kind=SchoolKind.PRIMARY):
        hours = ClassroomSubject.objects.filter(classroom=classroom)
        assert sum(hours.values_list("weekly_hours", flat=True)) == 27
    for classroom in Classroom.objects.filter(school__kind=SchoolKind.LOWER_SECONDARY):
        hours = ClassroomSubject.objects.filter(classroom=classroom)
        assert sum(hours.values_list("weekly_hours", flat=True)) == 30
    # Primary and lower secondary divide the year in quadrimestri.
    assert set(
        Term.objects.filter(school=schools[SchoolKind.PRIMARY]).values_list("kind", flat=True)
    ) == {TermKind.FOUR_MONTHS}
    # Pupils' ages: 6 in 1ª primaria, 11 in 1ª media (in the calendar year the school year starts).
    first = Enrollment.objects.filter(classroom__school__kind=SchoolKind.PRIMARY, classroom__year=1)
    assert {2026 - e.student.birth_date.year for e in first.select_related("student")} == {6}
    first = Enrollment.objects.filter(
        classroom__school__kind=SchoolKind.LOWER_SECONDARY, classroom__year=1
    )
    assert {2026 - e.student.birth_date.year for e in first.select_related("student")} == {11}
    # Primary pupils have no login; everyone else has one.
    primary_pupils = Student.objects.filter(enrollments__classroom__school__kind=SchoolKind.PRIMARY)
    assert primary_pupils.exists()
    assert not primary_pupils.filter(user__isnull=False).exists()
    assert not Student.objects.exclude(pk__in=primary_pupils).filter(user__isnull=True).exists()
    # Primary classrooms are graded in giudizi sintetici, religion in judgements.
    primary_grades = Grade.objects.filter(classroom__school__kind=SchoolKind.PRIMARY)
    assert set(primary_grades.exclude(subject__kind=SubjectKind.RELIGION).values_list(
        "scale", flat=True
    )) == {ScaleKind.SYNTHETIC}  # fmt: skip
    assert len(set(primary_grades.values_list("level", flat=True)) - {""}) >= 4
    assert set(
        Grade.objects.filter(classroom__school__kind=SchoolKind.LOWER_SECONDARY)
        .exclude(subject__kind=SubjectKind.RELIGION)
        .values_list("scale", flat=True)
    ) == {ScaleKind.NUMERIC}
    # The primary school's giudizi come with descriptions the office edits.
    primary = schools[SchoolKind.PRIMARY]
    assert JudgementDescription.objects.filter(school=primary).count() == 12
    assert not JudgementDescription.objects.exclude(school=primary).exists()
    for record in list(School.objects.all()) + list(JudgementDescription.objects.all()):
        record.full_clean()


def test_share_splits_by_years_of_course() -> None:
    assert share(10, [5, 5]) == [5, 5]
    assert share(11, [5, 5]) == [6, 5]
    assert share(18, [5, 5, 3, 5]) == [5, 5, 3, 5]
    assert share(4, [5, 5, 3, 5]) == [1, 1, 1, 1]
    assert share(3, [5, 5, 3]) == [1, 1, 1]
    for total in range(4, 60):
        parts = share(total, [5, 5, 3, 5])
        assert sum(parts) == total and min(parts) >= 1
