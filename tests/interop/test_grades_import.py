"""The office's import of grades: each row a grade written by grades.services.grade_add for the
teacher named on the row (the office recorded it), all or nothing with Italian line errors."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campanella.audit.models import Change
from campanella.grades.models import Grade
from campanella.interop.models import ImportBatch, ImportKind, ImportStatus
from campanella.interop.services import import_apply, import_preview
from campanella.people.models import Staff
from campanella.school.models import SubjectKind
from tests import factories as f
from tests.conftest import Cast, school_day
from tests.interop.helpers import GRADE_HEADER, csv_bytes, messages, upload, xlsx_bytes

pytestmark = pytest.mark.django_db
GRADES = ImportKind.GRADES


def row(cast: Cast, **overrides: Any) -> dict[str, str]:
    values = {
        "codice_fiscale": cast.child.codice_fiscale,
        "classe": "1A",
        "materia": "Matematica",
        "data": school_day(cast).strftime("%d/%m/%Y"),
        "tipo": "orale",
        "voto": "6½",
        "docente": "teacher",
    }
    values.update(overrides)
    return values


def apply(cast: Cast, rows: list[dict[str, str]]) -> Any:
    batch = upload(cast, csv_bytes(rows, GRADE_HEADER), GRADES)
    return import_apply(batch_id=batch.pk, institute_id=cast.institute.pk, user=cast.office)


def test_each_row_is_a_grade_of_its_teacher_recorded_by_the_office(cast: Cast) -> None:
    day = school_day(cast)
    rows = [
        row(cast),
        row(
            cast,
            codice_fiscale=cast.adult_student.codice_fiscale,
            voto="7-",
            peso="0,5",
            fa_media="no",
            descrizione="Verifica sulle frazioni",
            tipo="scritto",
            classe="",
        ),
        row(cast, materia="ITA", voto="8+", docente="coordinator"),
    ]
    result = apply(cast, rows)
    assert result.applied, messages(result)
    grades = {(g.student_id, g.subject_id): g for g in Grade.objects.all()}
    assert len(grades) == 3
    first = grades[(cast.child.pk, cast.maths.pk)]
    assert (first.value, first.kind, first.date, first.recorded_by) == (
        Decimal("6.50"), "orale", day, cast.office,
    )  # fmt: skip
    assert first.teacher == Staff.objects.get(user=cast.teacher)
    second = grades[(cast.adult_student.pk, cast.maths.pk)]
    assert (second.value, second.weight, second.counts_in_average, second.description) == (
        Decimal("6.75"), Decimal("0.50"), False, "Verifica sulle frazioni",
    )  # fmt: skip
    assert grades[(cast.child.pk, cast.italian.pk)].value == Decimal("8.25")
    creations = Change.objects.filter(
        action="create", object_id__in=[g.pk for g in grades.values()]
    )
    assert {c.actor_id for c in creations} == {cast.office.pk}
    assert ImportBatch.objects.get().summary["written"] == {"grades_created": 3}


def test_the_same_file_again_adds_nothing(cast: Cast) -> None:
    rows = [row(cast), row(cast, voto="7", tipo="scritto")]
    assert apply(cast, rows).applied
    changes = Change.objects.count()
    again = upload(cast, csv_bytes(rows, GRADE_HEADER), GRADES)
    plan = import_preview(batch=again, user=cast.office)
    assert plan.counts()["unchanged"] == 2 and plan.counts()["created"] == 0
    result = import_apply(batch_id=again.pk, institute_id=cast.institute.pk, user=cast.office)
    assert result.applied
    assert Grade.objects.count() == 2
    assert Change.objects.count() == changes


def test_bad_rows_are_refused_on_their_lines_and_nothing_is_written(cast: Cast) -> None:
    future = timezone.localdate() + datetime.timedelta(days=3)
    rows = [
        row(cast),  # 2: fine
        row(cast, codice_fiscale="RSSMRA80A01H501U"),  # 3: nobody of the institute
        row(cast, docente="other_teacher"),  # 4: not maths in 1A
        row(cast, voto="11"),  # 5: out of scale
        row(cast, tipo="verifica"),  # 6
        row(cast, data=future.strftime("%d/%m/%Y")),  # 7
        row(cast, classe="2B", voto="7"),  # 8: the child is in 1A
        row(cast, materia="Latino"),  # 9
        row(cast, peso="cento"),  # 10
        row(cast),  # 11: the same as line 2
        row(cast, codice_fiscale="RSSMRA11E10F257Y"),  # 12: the template's example
        row(cast, docente="nessuno"),  # 13
    ]
    result = apply(cast, rows)
    assert not result.applied
    found = "\n".join(messages(result))
    for line, text in [
        (3, "nessun alunno dell'istituto ha il codice fiscale RSSMRA80A01H501U"),
        (4, "non insegna Matematica a questo alunno in 1ª A"),
        (5, "Voto fuori scala"),
        (6, "tipo di voto sconosciuto «verifica»"),
        (7, "è nel futuro"),
        (8, "quel giorno l'alunno era in 1ª A, non in «2B»"),
        (9, "materia «Latino» sconosciuta"),
        (10, "peso non valido «cento»"),
        (11, "la riga è uguale alla riga 2"),
        (12, "riga di esempio del modello"),
        (13, "nessuna persona del personale"),
    ]:
        assert f"{line}: " in found and text in found, (line, text, found)
    assert {p.line for p in result.plan.problems} == set(range(3, 14))
    assert not Grade.objects.exists()
    assert ImportBatch.objects.get().status == ImportStatus.INVALID
    assert result.plan.unknown_students == {"RSSMRA80A01H501U"}


def test_levels_and_judgements_follow_the_subjects_scale(cast: Cast) -> None:
    religion = f.SubjectFactory(
        institute=cast.institute, name="Religione cattolica", short_name="IRC",
        kind=SubjectKind.RELIGION,
    )  # fmt: skip
    f.ClassroomSubjectFactory(classroom=cast.classroom_1a, subject=religion, weekly_hours=1)
    f.TeachingFactory(
        teacher=Staff.objects.get(user=cast.teacher), classroom=cast.classroom_1a, subject=religion
    )
    result = apply(cast, [row(cast, materia="IRC", voto="distinto"), row(cast, voto="buono")])
    assert [m.split(": ", 1)[0] for m in messages(result)] == ["3"]
    assert "Voto non valido" in messages(result)[0]
    result = apply(cast, [row(cast, materia="IRC", voto="dist.")])
    assert result.applied
    assert Grade.objects.get().judgement == "distinto"


def test_students_by_username_and_an_excel_file(cast: Cast) -> None:
    day = school_day(cast)
    content = xlsx_bytes(
        [
            ["Codice alunno", "Materia", "Data", "Tipo", "Voto", "Docente"],
            ["child", "Matematica", day, "S", "9", "TEACHER"],
        ]
    )
    batch = upload(cast, content, GRADES)
    result = import_apply(batch_id=batch.pk, institute_id=cast.institute.pk, user=cast.office)
    assert result.applied, messages(result)
    grade = Grade.objects.get()
    assert (grade.student, grade.kind, grade.value, grade.date) == (
        cast.child, "scritto", Decimal("9.00"), day,
    )  # fmt: skip


def test_a_file_without_a_student_column_is_refused(cast: Cast) -> None:
    header = [name for name in GRADE_HEADER if name not in ("codice_fiscale", "codice_alunno")]
    batch = upload(cast, csv_bytes([row(cast)], header), GRADES)
    assert batch.status == ImportStatus.INVALID
    plan = import_preview(batch=batch, user=cast.office)
    assert "Manca la colonna dell'alunno" in plan.problems[0].message


def test_a_change_after_the_preview_refuses_the_apply_on_its_line(cast: Cast) -> None:
    """The apply checks again against the register as it is then: a student who left the
    class since the preview is refused on their line, and no grade of the file is written."""
    day = school_day(cast)
    batch = upload(
        cast,
        csv_bytes(
            [row(cast), row(cast, codice_fiscale=cast.other_child.codice_fiscale)], GRADE_HEADER
        ),
        GRADES,
    )
    assert batch.status == ImportStatus.PENDING
    enrollment = cast.other_child.enrollments.get()
    enrollment.exit_date = day - datetime.timedelta(days=1)
    enrollment.exit_reason = "trasferimento"
    enrollment.entry_date = min(enrollment.entry_date, enrollment.exit_date)
    enrollment.save()
    result = import_apply(batch_id=batch.pk, institute_id=cast.institute.pk, user=cast.office)
    assert not result.applied
    assert messages(result)[0].startswith("3: «data»:")
    assert not Grade.objects.exists()


def test_apply_writes_a_bounded_number_of_queries_per_row(cast: Cast) -> None:
    """One grade is one call of the grades service (its checks, history and stamp): the
    queries grow by the same few per row, whatever else the register holds."""
    day = school_day(cast)
    counts = []
    for size in (4, 8):
        rows = [
            row(
                cast, tipo="scritto", descrizione=f"prova {size}-{n}", data=day.strftime("%d/%m/%Y")
            )
            for n in range(size)
        ]
        batch = upload(cast, csv_bytes(rows, GRADE_HEADER), GRADES)
        with CaptureQueriesContext(connection) as queries:
            result = import_apply(
                batch_id=batch.pk, institute_id=cast.institute.pk, user=cast.office
            )
        assert result.applied, messages(result)
        counts.append(len(queries))
    per_row = (counts[1] - counts[0]) / 4
    assert per_row <= 14, counts  # 10 today; the write guard adds its own
    assert counts[0] - 4 * per_row <= 30, counts


def test_primary_school_grades_are_giudizi_sintetici(cast: Cast) -> None:
    """In primary school a grade is the giudizio sintetico of its year (grades.services
    scale_for): a number is refused on its line, a judgement is written."""
    from campanella.school.models import SchoolKind

    primary = f.SchoolFactory(institute=cast.institute, kind=SchoolKind.PRIMARY, name="Primaria")
    year = cast.classroom_1a.school_year
    classroom = f.ClassroomFactory(school=primary, school_year=year, year=3, section="C")
    f.ClassroomSubjectFactory(classroom=classroom, subject=cast.maths, weekly_hours=5)
    f.TeachingFactory(
        teacher=Staff.objects.get(user=cast.teacher), classroom=classroom, subject=cast.maths
    )
    pupil = f.StudentFactory(institute=cast.institute)
    f.EnrollmentFactory(student=pupil, classroom=classroom)
    rows = [
        row(cast, codice_fiscale=pupil.codice_fiscale, classe="", voto="distinto"),
        row(cast, codice_fiscale=pupil.codice_fiscale, classe="", voto="8", tipo="scritto"),
    ]
    refused = apply(cast, rows)
    assert [m.split(":", 1)[0] for m in messages(refused)] == ["3"]
    result = apply(cast, rows[:1])
    assert result.applied, messages(result)
    grade = Grade.objects.get()
    assert (grade.scale, grade.level, grade.classroom) == ("sintetico", "distinto", classroom)
    assert "Distinto" in result.plan.rows[0].label
