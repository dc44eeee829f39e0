"""Import of students and guardians: creation, idempotence, updates, class changes, errors."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from campanella.interop.columns import EXAMPLE_GUARDIAN_CF, EXAMPLE_STUDENT_CF
from campanella.interop.models import ImportBatch, ImportStatus
from campanella.interop.services import import_apply, import_preview
from campanella.people.models import Enrollment, Guardian, Guardianship, Student
from campanella.school.models import SchoolYear
from tests import factories as f
from tests.conftest import Cast
from tests.interop.helpers import (
    STUDENT_HEADER,
    People,
    csv_bytes,
    messages,
    upload,
    upload_and_apply,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db


def snapshot() -> tuple[int, ...]:
    """Row counts of everything an import may write."""
    return (
        Student.objects.count(),
        Guardian.objects.count(),
        Enrollment.objects.count(),
        Guardianship.objects.count(),
    )


def row_of(student: Student, classe: str, **overrides: str) -> dict[str, str]:
    row = {
        "cognome": student.surname,
        "nome": student.name,
        "codice_fiscale": student.codice_fiscale,
        "data_nascita": student.birth_date.strftime("%d/%m/%Y"),
        "sesso": student.sex,
        "classe": classe,
    }
    row.update(overrides)
    return row


def default_entry(cast: Cast) -> datetime.date:
    return max(cast.classroom_1a.school_year.lessons_start, timezone.localdate())


def test_creates_students_guardians_enrolments_and_links(cast: Cast) -> None:
    people = People()
    rows = [people.student_row("1A", guardians=2), people.student_row("2ª B", guardians=1)]
    result = upload_and_apply(cast, csv_bytes(rows))

    assert result.applied
    assert result.batch.summary["created"] == 2
    assert result.batch.applied_by == cast.office
    first = Student.objects.get(codice_fiscale=rows[0]["codice_fiscale"])
    assert first.institute == cast.institute
    assert first.user is None  # credentials are issued elsewhere
    assert first.birth_date.strftime("%d/%m/%Y") == rows[0]["data_nascita"]
    assert first.birth_place == rows[0]["luogo_nascita"]
    enrollment = first.enrollments.get()
    assert enrollment.classroom == cast.classroom_1a
    assert enrollment.entry_date == default_entry(cast)
    assert enrollment.exit_date is None
    links = {link.relation: link for link in first.guardianships.select_related("guardian")}
    assert set(links) == {"genitore1", "genitore2"}
    assert links["genitore1"].guardian.codice_fiscale == rows[0]["genitore1_codice_fiscale"]
    assert links["genitore2"].guardian.email == rows[0]["genitore2_email"]
    assert all(
        link.may_justify and link.receives_communications and link.parental_responsibility
        for link in links.values()
    )
    assert links["genitore1"].guardian.user is None
    second = Student.objects.get(codice_fiscale=rows[1]["codice_fiscale"])
    assert second.enrollments.get().classroom == cast.classroom_2b


def test_importing_the_same_file_again_changes_nothing(cast: Cast) -> None:
    people = People()
    content = csv_bytes([people.student_row("1A", guardians=2) for _ in range(5)])
    assert upload_and_apply(cast, content).applied
    before = snapshot()

    again = upload_and_apply(cast, content)

    assert again.applied
    assert again.batch.summary["unchanged"] == 5
    assert again.batch.summary["created"] == again.batch.summary["updated"] == 0
    assert set(again.batch.summary["written"].values()) == {0}
    assert snapshot() == before


def test_an_updated_file_updates_by_codice_fiscale(cast: Cast) -> None:
    people = People()
    rows = [people.student_row("1A"), people.student_row("1A")]
    upload_and_apply(cast, csv_bytes(rows))
    before = snapshot()
    rows[0]["nome"] = "Gianmaria"
    rows[0]["luogo_nascita"] = "Carpi"
    rows[1]["genitore1_email"] = "nuova.mail@example.org"

    batch = upload(cast, csv_bytes(rows))
    plan = import_preview(batch=batch)
    details = {row.line: row.details for row in plan.rows}
    assert [row.action for row in plan.rows] == ["updated", "updated"]
    assert any("nome:" in d and "Gianmaria" in d for d in details[2])
    assert any("luogo di nascita" in d and "Carpi" in d for d in details[2])
    assert any("e-mail" in d and "nuova.mail@example.org" in d for d in details[3])
    assert import_apply(batch_id=batch.pk, institute_id=cast.institute.pk, user=cast.office).applied

    assert snapshot() == before
    assert Student.objects.get(codice_fiscale=rows[0]["codice_fiscale"]).name == "Gianmaria"
    guardian = Guardian.objects.get(codice_fiscale=rows[1]["genitore1_codice_fiscale"])
    assert guardian.email == "nuova.mail@example.org"


def test_blank_cells_do_not_erase_stored_data(cast: Cast) -> None:
    people = People()
    row = people.student_row("1A")
    upload_and_apply(cast, csv_bytes([row]))
    row.update(luogo_nascita="", genitore1_email="", genitore1_telefono="")

    result = upload_and_apply(cast, csv_bytes([row]))

    assert result.batch.summary["unchanged"] == 1
    guardian = Guardian.objects.get(codice_fiscale=row["genitore1_codice_fiscale"])
    assert guardian.email != ""
    assert guardian.phone != ""


def test_a_change_of_classroom_closes_the_enrolment_and_opens_a_new_one(cast: Cast) -> None:
    old = cast.child.enrollments.get()
    assert old.classroom == cast.classroom_1a
    entry = default_entry(cast)
    assert entry > old.entry_date

    batch = upload(cast, csv_bytes([row_of(cast.child, "2B")]))
    plan = import_preview(batch=batch)
    assert plan.rows[0].action == "updated"
    assert plan.rows[0].details[0].startswith("cambio di classe: 1ª A → 2ª B dal ")
    result = import_apply(batch_id=batch.pk, institute_id=cast.institute.pk, user=cast.office)

    assert result.applied
    old.refresh_from_db()
    assert old.exit_date == entry - datetime.timedelta(days=1)
    assert old.exit_reason == "cambio_classe"
    new = cast.child.enrollments.get(exit_date__isnull=True)
    assert (new.classroom, new.entry_date) == (cast.classroom_2b, entry)
    assert new.school_year == cast.classroom_2b.school_year
    # and the same file again changes nothing
    again = upload_and_apply(cast, csv_bytes([row_of(cast.child, "2B")]))
    assert again.batch.summary["unchanged"] == 1
    assert cast.child.enrollments.count() == 2


def test_a_change_of_classroom_with_an_explicit_date(cast: Cast) -> None:
    year = cast.classroom_1a.school_year
    day = year.start_date + datetime.timedelta(days=40)
    result = upload_and_apply(
        cast, csv_bytes([row_of(cast.child, "2B", data_ingresso=day.strftime("%d/%m/%Y"))])
    )
    assert result.applied
    closed = cast.child.enrollments.get(classroom=cast.classroom_1a)
    assert closed.exit_date == day - datetime.timedelta(days=1)
    assert cast.child.enrollments.get(classroom=cast.classroom_2b).entry_date == day


def test_a_wrong_classroom_on_the_day_of_entry_is_corrected(cast: Cast) -> None:
    people = People()
    row = people.student_row("1A")
    upload_and_apply(cast, csv_bytes([row]))
    row["classe"] = "2B"

    result = upload_and_apply(cast, csv_bytes([row]))

    assert result.plan is not None
    assert result.plan.rows[0].details[0].startswith("classe corretta: 1ª A → 2ª B")
    enrollment = Student.objects.get(codice_fiscale=row["codice_fiscale"]).enrollments.get()
    assert enrollment.classroom == cast.classroom_2b


def test_an_open_enrolment_of_a_past_year_is_closed_at_that_year_end(cast: Cast) -> None:
    current = cast.classroom_1a.school_year
    past = SchoolYear.objects.create(
        institute=cast.institute,
        start_date=current.start_date.replace(year=current.start_date.year - 1),
        end_date=current.start_date - datetime.timedelta(days=1),
        lessons_start=current.lessons_start.replace(year=current.lessons_start.year - 1),
        lessons_end=current.lessons_end.replace(year=current.lessons_end.year - 1),
    )
    last_year = f.ClassroomFactory(school=cast.school, school_year=past, year=1, section="A")
    student = f.EnrollmentFactory(classroom=last_year).student

    result = upload_and_apply(cast, csv_bytes([row_of(student, "2B")]))

    assert result.applied, messages(result)
    old = student.enrollments.get(classroom=last_year)
    assert (old.exit_date, old.exit_reason) == (past.end_date, "cambio_classe")
    assert student.enrollments.get(exit_date__isnull=True).classroom == cast.classroom_2b


def test_siblings_share_one_guardian(cast: Cast) -> None:
    people = People()
    first = people.student_row("1A")
    second = people.student_row("2B")
    for key in ("cognome", "nome", "codice_fiscale", "email", "telefono"):
        second[f"genitore1_{key}"] = first[f"genitore1_{key}"]
    second["genitore1_telefono"] = ""  # a blank cell is not a difference

    result = upload_and_apply(cast, csv_bytes([first, second]))

    assert result.applied, messages(result)
    guardian = Guardian.objects.get(codice_fiscale=first["genitore1_codice_fiscale"])
    assert guardian.guardianships.count() == 2


def test_an_existing_guardian_is_linked_to_an_existing_student(cast: Cast) -> None:
    guardian = Guardian.objects.get(user=cast.guardian)
    guardian.codice_fiscale = People(3).person((1970, 1980)).codice_fiscale
    guardian.save()
    row = row_of(
        cast.other_child,
        "1A",
        genitore2_cognome=guardian.surname,
        genitore2_nome=guardian.name,
        genitore2_codice_fiscale=guardian.codice_fiscale,
    )
    plan = import_preview(batch=upload(cast, csv_bytes([row])))
    assert plan.rows[0].action == "updated"
    assert plan.rows[0].details == [f"collegato a genitore 2 {guardian.full_name}"]


def test_xlsx_with_date_cells_and_spreadsheet_style_headers(cast: Cast) -> None:
    people = People()
    row = people.student_row("1A")
    born = datetime.datetime.strptime(row["data_nascita"], "%d/%m/%Y")
    header = ["Cognome", "Nome", "Codice Fiscale", "Data di nascita", "Sesso", "Classe"]
    content = xlsx_bytes(
        [
            header,
            [row["cognome"], row["nome"], row["codice_fiscale"], born, row["sesso"], "1ª A"],
        ]
    )
    result = upload_and_apply(cast, content)
    assert result.applied, messages(result)
    assert Student.objects.get(codice_fiscale=row["codice_fiscale"]).birth_date == born.date()


def test_a_windows_1252_file_keeps_its_accents(cast: Cast) -> None:
    people = People()
    row = people.student_row("1A", nome="Niccolò", genitore1_cognome="D'Alì")
    result = upload_and_apply(cast, csv_bytes([row], encoding="cp1252"))
    assert result.applied, messages(result)
    assert result.plan is not None
    assert any("Windows-1252" in notice for notice in result.plan.notices)
    assert Student.objects.get(codice_fiscale=row["codice_fiscale"]).name == "Niccolò"


def test_a_codice_fiscale_that_disagrees_with_the_birth_date_is_a_warning(cast: Cast) -> None:
    row = People().student_row("1A", data_nascita="01/01/2010")
    result = upload_and_apply(cast, csv_bytes([row]))
    assert result.applied
    assert result.plan is not None
    assert result.plan.notices[0].startswith("Riga 2: il codice fiscale")


def test_ambiguous_classroom_is_refused_and_resolved_by_track_or_school(cast: Cast) -> None:
    year = cast.classroom_1a.school_year
    technical = f.SchoolFactory(institute=cast.institute, name="Istituto tecnico")
    f.ClassroomFactory(school=technical, school_year=year, year=1, section="A", track="Informatica")
    people = People()

    refused = upload_and_apply(cast, csv_bytes([people.student_row("1A")]))
    assert refused.outcome == "refused"
    assert "la classe «1A» è ambigua" in messages(refused)[0]
    assert "indirizzo" in messages(refused)[0]

    by_track = [people.student_row("1A Informatica"), people.student_row("1a", indirizzo="info")]
    by_school = [people.student_row("1A", plesso=cast.school.code.lower())]
    result = upload_and_apply(cast, csv_bytes(by_track + by_school))
    assert result.applied, messages(result)
    classrooms = [
        Student.objects.get(codice_fiscale=r["codice_fiscale"]).enrollments.get().classroom
        for r in by_track + by_school
    ]
    assert [c.track for c in classrooms] == ["Informatica", "Informatica", ""]
    assert classrooms[2] == cast.classroom_1a


def _student_problem_cases(cast: Cast) -> dict[str, tuple[list[dict[str, str]], str]]:
    """name -> (rows: line 2 is fine, the bad row is line 3 unless said otherwise, message)."""
    p = People(11)
    good = p.student_row
    duplicated = good()
    guardian_twice = good()
    other = good()
    other.update(
        {f"genitore1_{k}": guardian_twice[f"genitore1_{k}"] for k in ("cognome", "codice_fiscale")}
    )
    other["genitore1_nome"] = "Diverso"
    future = (timezone.localdate() + datetime.timedelta(days=3)).strftime("%d/%m/%Y")
    outside = (cast.classroom_1a.school_year.end_date + datetime.timedelta(days=1)).strftime(
        "%d/%m/%Y"
    )
    dup_cf = duplicated["codice_fiscale"]
    twice_cf = guardian_twice["genitore1_codice_fiscale"]
    example = {
        "codice_fiscale": EXAMPLE_STUDENT_CF,
        "genitore1_codice_fiscale": EXAMPLE_GUARDIAN_CF,
    }
    return {
        "bad codice fiscale": (
            [good(), good(codice_fiscale="RSSMRA11E10F257A")],
            "3: «codice_fiscale»: «RSSMRA11E10F257A»: Il carattere di controllo",
        ),
        "unknown classroom": (
            [good(), good("3C")],
            "3: «classe»: classe «3C» non trovata tra le classi dell'anno scolastico",
        ),
        "not a classroom": ([good(), good("prima")], "3: «classe»: classe «prima» non valida"),
        "bad date": (
            [good(), good(data_nascita="31/02/2011")],
            "3: «data_nascita»: data non valida «31/02/2011»",
        ),
        "missing date": (
            [good(), good(data_nascita="")],
            "3: «data_nascita»: la data è obbligatoria",
        ),
        "future birth date": (
            [good(), good(data_nascita=future)],
            "3: «data_nascita»: La data di nascita è nel futuro.",
        ),
        "bad sex": ([good(), good(sesso="X")], "3: «sesso»: sesso non valido «X»"),
        "missing surname": ([good(), good(cognome="")], "3: «cognome»: il valore è obbligatorio"),
        "too long name": ([good(), good(nome="A" * 101)], "3: «nome»: "),
        "bad guardian e-mail": (
            [good(), good(genitore1_email="paolo@")],
            "3: «genitore1_email»: indirizzo e-mail non valido «paolo@»",
        ),
        "guardian without codice fiscale": (
            [good(), good(genitore1_codice_fiscale="")],
            "3: «genitore1_codice_fiscale»: Il codice fiscale è obbligatorio.",
        ),
        "duplicate person": (
            [duplicated, good(), dict(duplicated)],
            f"4: «codice_fiscale»: l'alunno con codice fiscale {dup_cf} compare già alla riga 2",
        ),
        "guardian with different data": (
            [guardian_twice, other],
            f"3: «genitore1_codice_fiscale»: il genitore con codice fiscale {twice_cf} compare "
            "anche alla riga 2 con dati diversi (nome",
        ),
        "example row left in": (
            [good(), {**good(), **example}],
            "3: è la riga di esempio del modello",
        ),
        "entry outside the year": (
            [good(), good(data_ingresso=outside)],
            "3: «data_ingresso»: La data di ingresso è fuori dall'anno scolastico.",
        ),
        "more cells than columns": ([good(), {**good(), "extra": "x"}], "3: La riga ha"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "bad codice fiscale",
        "unknown classroom",
        "not a classroom",
        "bad date",
        "missing date",
        "future birth date",
        "bad sex",
        "missing surname",
        "too long name",
        "bad guardian e-mail",
        "guardian without codice fiscale",
        "duplicate person",
        "guardian with different data",
        "example row left in",
        "entry outside the year",
        "more cells than columns",
    ],
)
def test_one_bad_row_is_reported_with_its_line_and_nothing_is_written(
    cast: Cast, case: str
) -> None:
    rows, expected = _student_problem_cases(cast)[case]
    header = [*STUDENT_HEADER, "extra"] if case == "more cells than columns" else STUDENT_HEADER
    content = csv_bytes(rows, header)
    if case == "more cells than columns":
        content = content.replace(b";extra\r\n", b"\r\n", 1)  # the header does not have it
    before = snapshot()

    result = upload_and_apply(cast, content)

    assert result.outcome == "refused"
    assert any(message.startswith(expected) for message in messages(result)), messages(result)
    assert snapshot() == before
    assert result.batch.status == ImportStatus.INVALID
    assert result.batch.summary["rejected"] >= 1


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            [c for c in STUDENT_HEADER if c not in ("classe", "sesso")],
            "1: Mancano le colonne obbligatorie: «sesso», «classe».",
        ),
        ([*STUDENT_HEADER, "note"], "1: Colonne sconosciute: «note»."),
    ],
)
def test_missing_and_unknown_columns(cast: Cast, header: list[str], expected: str) -> None:
    result = upload_and_apply(cast, csv_bytes([People().student_row()], header))
    assert result.outcome == "refused"
    assert messages(result)[0].startswith(expected)


def test_wrong_separator_and_binary_files_write_nothing(cast: Cast) -> None:
    before = snapshot()
    piped = "|".join(STUDENT_HEADER).encode() + b"\r\nRossi|Mario\r\n"
    for content, expected in [(piped, "«|»"), (b"\x00\x01\x02\x03" * 20, "binario")]:
        result = upload_and_apply(cast, content)
        assert result.outcome == "refused"
        assert any(expected in message for message in messages(result))
    assert snapshot() == before


def test_every_problem_of_the_file_is_listed_at_once(cast: Cast) -> None:
    p = People(5)
    rows = [p.student_row("9A"), p.student_row(sesso="Z"), p.student_row(data_nascita="ieri")]
    result = upload_and_apply(cast, csv_bytes(rows))
    assert [m.split(":")[0] for m in messages(result)] == ["2", "3", "4"]
    assert result.plan is not None
    assert result.plan.counts()["rejected"] == 3


def test_a_guardian_is_never_replaced_by_an_import(cast: Cast) -> None:
    existing = Guardian.objects.get(user=cast.guardian)
    newcomer = People(9).person((1970, 1980))
    row = row_of(
        cast.child,
        "1A",
        genitore1_cognome=newcomer.surname,
        genitore1_nome=newcomer.name,
        genitore1_codice_fiscale=newcomer.codice_fiscale,
    )
    result = upload_and_apply(cast, csv_bytes([row]))
    assert result.outcome == "refused"
    assert f"l'alunno ha già come genitore 1 {existing.full_name}" in messages(result)[0]
    assert not Guardian.objects.filter(codice_fiscale=newcomer.codice_fiscale).exists()


def test_a_class_change_before_the_current_entry_is_refused(cast: Cast) -> None:
    start = cast.child.enrollments.get().entry_date
    later = start + datetime.timedelta(days=30)
    Enrollment.objects.filter(student=cast.child).update(entry_date=later)
    row = row_of(
        cast.child, "2B", data_ingresso=(later - datetime.timedelta(days=1)).strftime("%d/%m/%Y")
    )
    result = upload_and_apply(cast, csv_bytes([row]))
    assert result.outcome == "refused"
    assert "la data di ingresso nella nuova classe deve essere successiva" in messages(result)[0]


def test_the_apply_checks_again_and_writes_nothing_if_the_database_changed(cast: Cast) -> None:
    people = People()
    rows = [people.student_row("2B") for _ in range(3)]
    batch = upload(cast, csv_bytes(rows))
    assert import_preview(batch=batch).ok
    cast.classroom_2b.section = "C"  # renamed after the preview: "2B" no longer exists
    cast.classroom_2b.save()
    before = snapshot()

    result = import_apply(batch_id=batch.pk, institute_id=cast.institute.pk, user=cast.office)

    assert result.outcome == "refused"
    assert "classe «2B» non trovata" in messages(result)[0]
    assert snapshot() == before
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.INVALID


def test_no_current_school_year_is_a_clear_problem(cast: Cast) -> None:
    SchoolYear.objects.filter(institute=cast.institute).update(
        start_date=datetime.date(2099, 9, 1), end_date=datetime.date(2100, 8, 31),
        lessons_start=datetime.date(2099, 9, 15), lessons_end=datetime.date(2100, 6, 6),
    )  # fmt: skip
    result = upload_and_apply(cast, csv_bytes([People().student_row()]))
    assert "Non c'è un anno scolastico in corso" in messages(result)[0]
