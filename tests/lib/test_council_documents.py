"""Tests for campanella.lib.council_documents: real Typst compilations, read back with pypdf.

Pure Python, no database: run alone with
.venv/bin/python -m pytest -q tests/lib/test_council_documents.py -p no:django --noconftest
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import re
import warnings
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader

from campanella.lib.council_documents import (
    Attendance,
    CitizenshipAssignment,
    CouncilDocumentError,
    CouncilMember,
    CouncilSession,
    CouncilSubject,
    Debt,
    Deliberation,
    Letter,
    Mark,
    SchoolHeader,
    StudentResult,
    SubjectResult,
    citizenship_assignment_letter_pdf,
    debt_letter_pdf,
    gaps_letter_pdf,
    letters_due,
    letters_pdf,
    minutes_pdf,
    non_admission_letter_pdf,
    signature_sheet_pdf,
    tabellone_pdf,
)

INSTITUTE = "Istituto di Istruzione Superiore «Galileo Galilei»"
SCHOOL = SchoolHeader(
    institute_name=INSTITUTE,
    school_name="Liceo scientifico «Galileo Galilei»",
    codice_meccanografico="MOPS01000X",
    city="Modena",
    principal_name="Prof.ssa Maria Teresa Bellini",
)
COUNCIL_DAY = datetime.date(2027, 6, 12)
CHECK_DAY = datetime.date(2027, 8, 30)

SUBJECTS = (
    ("ITA", "Lingua e letteratura italiana"),
    ("LAT", "Lingua e cultura latina"),
    ("ING", "Lingua e cultura inglese"),
    ("STO", "Storia"),
    ("FIL", "Filosofia"),
    ("MAT", "Matematica"),
    ("FIS", "Fisica"),
    ("SCI", "Scienze naturali"),
    ("DIS", "Disegno e storia dell'arte"),
    ("SMS", "Scienze motorie e sportive"),
    ("IRC", "Religione cattolica"),
    ("INF", "Informatica"),
)
TEACHERS = (
    "Zani Carlo", "Manzoni Damiano", "Stefani Giorgia", "Pace Ottavio", "Brunetti Giovanna",
    "Sorrentino Caterina", "Orlando Valeria", "Silvestro Simone", "Minelli Rosario",
    "Santoro Sergio", "Porcu Umberto", "Giorgi Marta",
)  # fmt: skip
AGAINST = ("Zani Carlo", "Orlando Valeria")
FILLER_NAMES = (
    "Amato", "Barbieri", "Caruso", "De Luca", "Fabbri", "Gentile", "Leone", "Longo", "Mancini",
    "Marini", "Martini", "Mazza", "Messina", "Monti", "Moretti", "Palumbo", "Parisi", "Pellegrini",
    "Riva", "Sala", "Serra", "Testa", "Valentini", "Vitale", "Zanetti",
)  # fmt: skip


def subjects() -> tuple[CouncilSubject, ...]:
    return tuple(CouncilSubject(code, name, code) for code, name in SUBJECTS)


def members() -> tuple[CouncilMember, ...]:
    result = []
    for teacher, (_, name) in zip(TEACHERS, SUBJECTS, strict=True):
        if teacher == "Pace Ottavio":
            result.append(
                CouncilMember(
                    teacher,
                    (name, "Educazione civica"),
                    present=False,
                    substitute="Neri Giulia",
                    substitution_protocol="1234/C1",
                    substitution_date=datetime.date(2027, 6, 10),
                )
            )
        else:
            result.append(CouncilMember(teacher, (name,)))
    result.append(CouncilMember("Ferraro Ilaria", ("Sostegno",)))
    return tuple(result)


def marks(*failing: tuple[str, int], base: int = 7) -> tuple[SubjectResult, ...]:
    special = dict(failing)
    result = []
    for code, _ in SUBJECTS:
        if code == "IRC":
            result.append(SubjectResult(code, Mark(judgement="Distinto"), hours_absent=2))
        else:
            result.append(SubjectResult(code, Mark(special.get(code, base)), hours_absent=3))
    return tuple(result)


def attendance(hours: int = 80, **changes: Any) -> Attendance:
    return Attendance(**({"hours_absent": hours, "annual_hours": 990} | changes))


def student(key: str, name: str, **changes: Any) -> StudentResult:
    values: dict[str, Any] = {
        "key": key,
        "name": name,
        "sex": "F",
        "marks": marks(),
        "behaviour": Mark(8),
        "behaviour_reason": "Partecipazione attenta e rispettosa.",
        "civic_education": Mark(8),
        "attendance": attendance(),
        "average": Decimal("7.25"),
        "outcome": "ammesso",
        "credit": 10,
        "earlier_credits": 9,
    }
    return StudentResult(**(values | changes))


def main_students() -> list[StudentResult]:
    return [
        student("1", "Rossi Maria", marks=marks(base=9), behaviour=Mark(10), credit=12,
                earlier_credits=11, average=Decimal("9.08")),
        student(
            "2", "Bianchi Luca", sex="M", marks=marks(("MAT", 5), ("FIS", 4)),
            outcome="sospeso", credit=None, average=Decimal("6.33"),
            debts=(
                Debt("MAT", "equazioni di secondo grado; geometria analitica",
                     "corso di recupero", CHECK_DAY),
                Debt("FIS", "cinematica e dinamica", "studio individuale", CHECK_DAY),
            ),
        ),
        student(
            "3", "D’Àmbrosio Niccolò", sex="M", behaviour=Mark(6),
            behaviour_reason="Ripetuti ritardi e un richiamo per comportamento scorretto.",
            outcome="sospeso", credit=None,
            citizenship_assignment=CitizenshipAssignment(
                "Il rispetto delle regole nella comunità scolastica",
                due_on=datetime.date(2027, 8, 25), notes="Da 3 a 5 pagine, consegna in segreteria.",
            ),
        ),
        student(
            "4", "Esposito Sofia", marks=marks(("MAT", 3), ("FIS", 4), ("LAT", 4), ("ING", 5)),
            outcome="non_ammesso", credit=None, average=Decimal("5.42"),
            outcome_reason="Insufficienze gravi e diffuse in quattro discipline, non recuperabili.",
        ),
        student(
            "5", "Conti Giulia", marks=marks(("LAT", 6)),
            attendance=attendance(260, waived_hours=40,
                                  waiver_reason="gravi motivi di salute documentati"),
            gaps=(Debt("LAT", "traduzione dei testi d'autore", "studio individuale estivo"),),
        ),
        student(
            "6", "Ferri Marco", sex="M", attendance=attendance(400, assessed=False),
            outcome="non_valutato", credit=None, average=None,
        ),
        student(
            "7", "Galli Anna", adult=True, marks=marks(("MAT", 4), ("ING", 4), ("FIS", 4)),
            outcome="non_ammesso", credit=None, outcome_reason="Tre insufficienze gravi.",
        ),
    ]  # fmt: skip


def session(**changes: Any) -> CouncilSession:
    values: dict[str, Any] = {
        "school": SCHOOL,
        "classroom": "4ª A Liceo scientifico",
        "class_year": 4,
        "level": "secondaria2",
        "school_year": "2026/2027",
        "kind": "finale",
        "title": "Scrutinio finale",
        "minutes_number": "7",
        "date": COUNCIL_DAY,
        "place": "aula 12 della sede di via Roma 3",
        "start_time": datetime.time(14, 30),
        "end_time": datetime.time(16, 45),
        "chair": "Bellini Maria Teresa",
        "secretary": "Manzoni Damiano",
        "members": members(),
        "subjects": subjects(),
        "students": tuple(main_students()),
        "deliberations": (
            Deliberation("esito", "Non ammissione per insufficienze gravi e diffuse.",
                         student="4", against=AGAINST),
            Deliberation("esito", "Non ammissione.", student="7"),
            Deliberation("frequenza", "Deroga per gravi motivi di salute documentati.",
                         student="5"),
            Deliberation("voto", "Il voto proposto (5) è portato a 6 dal consiglio.",
                         student="5", subject="LAT", against=("Manzoni Damiano",)),
        ),
        "coordinator": "Manzoni Damiano",
    }  # fmt: skip
    return CouncilSession(**(values | changes))


def full_class(count: int = 28, **changes: Any) -> CouncilSession:
    """The main students, then admitted ones up to `count`."""
    people = main_students()
    for number in range(len(people), count):
        surname = FILLER_NAMES[number % len(FILLER_NAMES)]
        people.append(student(str(number + 1), f"{surname} Studente{number + 1}", sex="M"))
    return session(students=tuple(people), **changes)


def read(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf))


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text with runs of whitespace as one space: line breaks move with layout."""
    return [" ".join(page.extract_text().split()) for page in read(pdf).pages]


def all_text(pdf: bytes) -> str:
    return " ".join(page_texts(pdf))


@pytest.fixture(scope="module")
def minutes() -> bytes:
    return minutes_pdf(session())


@pytest.fixture(scope="module")
def minutes_text(minutes: bytes) -> str:
    return all_text(minutes)


@pytest.fixture(scope="module")
def big_tabellone() -> bytes:
    return tabellone_pdf(full_class())


# --------------------------------------------------------------------------------------------
# Marks in figures and letters
# --------------------------------------------------------------------------------------------


def test_half_marks_and_not_classified_in_figures_and_letters() -> None:
    people = list(main_students())
    changed = tuple(
        SubjectResult(r.subject, Mark(Decimal("6.5")))
        if r.subject == "ITA"
        else SubjectResult(r.subject, Mark(not_classified=True))
        if r.subject == "MAT"
        else r
        for r in people[0].marks
    )
    people[0] = dataclasses.replace(people[0], marks=changed)
    text = all_text(tabellone_pdf(session(students=tuple(people))))
    assert "1 Rossi Maria 6,5 sei e mezzo 9 nove" in text
    assert "NC non classificato" in text
    assert "NC = non classificato" in text


@pytest.mark.parametrize("value", [Decimal("6.25"), Decimal("6.75"), 11, -1, "sette", "NaN"])
def test_a_mark_is_whole_or_half_from_0_to_10(value: Any) -> None:
    with pytest.raises(CouncilDocumentError):
        Mark(value)


# --------------------------------------------------------------------------------------------
# The minutes
# --------------------------------------------------------------------------------------------


def test_minutes_open_with_number_date_time_place_chair_and_secretary(minutes_text: str) -> None:
    assert "Verbale n. 7" in minutes_text
    assert (
        "Il giorno 12 giugno 2027, alle ore 14:30, in aula 12 della sede di via Roma 3, si "
        "riunisce il Consiglio della classe 4ª A Liceo scientifico" in minutes_text
    )
    assert (
        "Presiede la seduta il Dirigente scolastico Bellini Maria Teresa; svolge le funzioni di "
        "segretario Manzoni Damiano." in minutes_text
    )
    assert "anno scolastico 2026/2027" in minutes_text


def test_minutes_list_members_subjects_and_the_replacement_with_its_protocol(
    minutes_text: str,
) -> None:
    for teacher, (_, subject) in zip(TEACHERS, SUBJECTS, strict=True):
        assert teacher in minutes_text
        assert subject in minutes_text
    assert "Sostegno" in minutes_text
    assert "Pace Ottavio Storia, Educazione civica no Neri Giulia" in minutes_text
    assert "prot. n. 1234/C1 del 10 giugno 2027" in minutes_text
    assert "il collegio è perfetto" in minutes_text


def test_minutes_have_the_attendance_table_and_the_waivers(minutes_text: str) -> None:
    assert "Validità dell’anno scolastico (frequenza)" in minutes_text
    assert "DPR 122/2009, art. 14, c. 7" in minutes_text
    # Conti Giulia: 260 hours of 990, limit 247,5, 26,26 %, 40 waived, reason, assessed.
    assert "Conti Giulia 260 990 247,5 26,26 % 40 gravi motivi di salute documentati sì" in (
        minutes_text
    )
    assert "Ferri Marco 400 990 247,5 40,40 % no" in minutes_text


def test_minutes_have_the_behaviour_table_in_figures_and_letters(minutes_text: str) -> None:
    assert "Rossi Maria 10 (dieci) Partecipazione attenta e rispettosa." in minutes_text
    assert (
        "D’Àmbrosio Niccolò 6 (sei) Ripetuti ritardi e un richiamo per comportamento scorretto."
        in minutes_text
    )


def test_minutes_have_outcomes_with_reasons_and_votes(minutes_text: str) -> None:
    assert "Rossi Maria ammessa alla classe successiva" in minutes_text
    assert "Bianchi Luca giudizio sospeso" in minutes_text
    assert (
        "Esposito Sofia non ammessa alla classe successiva Insufficienze gravi e diffuse in "
        "quattro discipline, non recuperabili. a maggioranza; contrari: Zani Carlo, Orlando "
        "Valeria" in minutes_text
    )
    assert (
        "Galli Anna non ammessa alla classe successiva Tre insufficienze gravi. all’unanimità"
        in (minutes_text.replace("'", "’"))
    )
    assert "Ferri Marco non valutabile per le assenze" in minutes_text
    assert "Ammessi (2): Rossi Maria e Conti Giulia." in minutes_text


def test_minutes_detail_suspended_judgements(minutes_text: str) -> None:
    section = minutes_text[minutes_text.index("Giudizio sospeso Per") :]
    section = section[: section.index("Non ammessi")]
    assert "Bianchi Luca" in section  # once, spanning the rows of the student's debts
    assert section.count("Bianchi Luca") == 1
    assert (
        "Matematica 5 (cinque) equazioni di secondo grado; geometria analitica corso di recupero "
        "30 agosto 2027" in section
    )
    assert "Fisica 4 (quattro) cinematica e dinamica studio individuale 30 agosto 2027" in section
    assert "D’Àmbrosio Niccolò: elaborato di cittadinanza attiva" in minutes_text


def test_minutes_record_unanimity_or_the_names_against(minutes_text: str) -> None:
    normalized = minutes_text.replace("’", "'")
    assert "Deliberato all'unanimità." in normalized
    assert "Deliberato a maggioranza; contrari: Zani Carlo, Orlando Valeria." in normalized
    assert (
        "Conti Giulia – Lingua e cultura latina. Il voto proposto (5) è portato a 6 dal "
        "consiglio. Deliberato a maggioranza; contrari: Manzoni Damiano." in normalized
    )
    assert "Deroga per gravi motivi di salute documentati. Deliberato all'unanimità." in normalized


def test_minutes_have_the_credits_table(minutes_text: str) -> None:
    assert "Credito scolastico" in minutes_text
    assert "tabella A del D.Lgs. 62/2017" in minutes_text
    assert "Rossi Maria 9,08 12 11 23" in minutes_text
    assert "Conti Giulia 7,25 10 9 19" in minutes_text
    assert "Bianchi Luca 6,33 — 9 — in sede di scrutinio integrativo" in minutes_text


def test_minutes_have_totals_and_closing_time(minutes_text: str) -> None:
    assert "Riepilogo" in minutes_text
    assert (
        "Iscritti Scrutinati Ammessi Giudizio sospeso Non ammessi Non valutabili per le assenze "
        "7 6 2 2 2 1" in minutes_text
    )
    assert "La seduta è tolta alle ore 16:45" in minutes_text
    assert "Il Segretario Il Presidente Manzoni Damiano Bellini Maria Teresa" in minutes_text


def test_session_totals() -> None:
    totals = session().totals
    assert (totals.enrolled, totals.assessed, totals.admitted, totals.suspended) == (7, 6, 2, 2)
    assert (totals.not_admitted, totals.not_assessed, totals.withdrawn, totals.abroad) == (
        2,
        1,
        0,
        0,
    )


def test_minutes_attach_the_grid_on_landscape_pages(minutes: bytes) -> None:
    reader = read(minutes)
    first, last = reader.pages[0], reader.pages[-1]
    assert first.mediabox.width < first.mediabox.height
    assert last.mediabox.width > last.mediabox.height
    last_text = " ".join(last.extract_text().split())
    assert "Allegato al verbale n. 7: tabellone" in last_text
    without = read(minutes_pdf(session(), attach_grid=False))
    assert len(without.pages) < len(reader.pages)
    assert all(page.mediabox.width < page.mediabox.height for page in without.pages)


def test_every_page_has_the_school_header_and_its_number(minutes: bytes) -> None:
    texts = page_texts(minutes)
    for number, text in enumerate(texts, start=1):
        assert text.startswith(INSTITUTE)
        assert "Liceo scientifico «Galileo Galilei» – cod. mecc. MOPS01000X – Modena" in text
        assert f"Pagina {number} di {len(texts)}" in text


def test_intermediate_session_has_no_outcomes_credits_or_attendance_check() -> None:
    students = tuple(
        dataclasses.replace(
            s,
            outcome=None,
            outcome_reason="",
            credit=None,
            earlier_credits=None,
            debts=(),
            citizenship_assignment=None,
            attendance=None,
        )
        for s in main_students()
    )
    text = all_text(
        minutes_pdf(
            session(
                kind="intermedio",
                title="Scrutinio del 1° quadrimestre",
                date=datetime.date(2027, 2, 1),
                students=students,
                deliberations=(),
            )
        )
    )
    assert "Scrutinio del 1° quadrimestre" in text
    assert "1º febbraio 2027" in text
    assert "Esiti" not in text
    assert "Credito scolastico" not in text
    assert "Validità" not in text
    assert "Comportamento" in text
    assert "Iscritti Scrutinati 7 7" in text


# --------------------------------------------------------------------------------------------
# The tabellone
# --------------------------------------------------------------------------------------------


def font_sizes(page: Any) -> list[float]:
    sizes: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: Any, size: float) -> None:
        if text.strip():
            sizes.append(abs(size * tm[3] * cm[3]))

    page.extract_text(visitor_text=visit)
    return sizes


def test_a_28_by_12_tabellone_fits_one_landscape_page_readably(big_tabellone: bytes) -> None:
    reader = read(big_tabellone)
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape
    sizes = font_sizes(page)
    assert sizes
    assert min(sizes) >= 7
    text = " ".join(page.extract_text().split())
    for _, (code, _) in enumerate(SUBJECTS):
        assert code in text
    for number in range(8, 29):
        assert f"Studente{number}" in text
    assert "Pagina 1 di 1" in text


def test_tabellone_rows_have_marks_in_figures_and_letters_behaviour_average_outcome_credits(
    big_tabellone: bytes,
) -> None:
    text = all_text(big_tabellone)
    assert (
        "N. Studente ITA LAT ING STO FIL MAT FIS SCI DIS SMS IRC INF Ed. civ. Comp. Media "
        "Ore ass. Esito Cred. Tot. cred." in text
    )
    assert (
        "1 Rossi Maria 9 nove 9 nove 9 nove 9 nove 9 nove 9 nove 9 nove 9 nove 9 nove 9 nove "
        "Distinto 9 nove 8 otto 10 dieci 9,08 80 Ammessa 12 23" in text
    )
    assert (
        "2 Bianchi Luca 7 sette 7 sette 7 sette 7 sette 7 sette 5 cinque 4 quattro 7 sette" in text
    )
    assert "6,33 80 Sospeso" in text
    assert "Legenda. ITA = Lingua e letteratura italiana" in text
    assert "INF = Informatica" in text


def test_tabellone_of_a_primary_class_writes_giudizi() -> None:
    judgements = ("Ottimo", "Distinto", "Buono", "Discreto", "Sufficiente", "Non sufficiente")
    people = tuple(
        StudentResult(
            key=str(number),
            name=f"Alunno{number} Verdi",
            sex="M",
            marks=tuple(
                SubjectResult(code, Mark(judgement=judgements[(number + i) % 6]))
                for i, (code, _) in enumerate(SUBJECTS[:9])
            ),
            behaviour=Mark(judgement="Buono"),
            civic_education=Mark(judgement="Distinto"),
            outcome="ammesso",
        )
        for number in range(22)
    )
    primary = session(
        level="primaria",
        classroom="4ª B Primaria «Collodi»",
        subjects=subjects()[:9],
        students=people,
        deliberations=(),
    )
    pdf = tabellone_pdf(primary)
    assert len(read(pdf).pages) == 1
    text = all_text(pdf)
    assert "Alunno/a" in text
    assert "Non sufficiente" in text
    assert "sette" not in text  # no marks in letters
    assert min(font_sizes(read(pdf).pages[0])) >= 7
    minutes = all_text(minutes_pdf(primary))
    assert "Giudizio" in minutes
    assert "Alunno0 Verdi Buono" in minutes
    assert "Validità" not in minutes  # no attendance limit in primary school
    assert "Credito" not in minutes


def test_lower_secondary_year_3_prints_the_admission_mark_in_figures_only() -> None:
    people = tuple(
        dataclasses.replace(
            s, outcome="ammesso_esame", credit=None, earlier_credits=None, admission_mark=8
        )
        for s in main_students()[:2]
    )
    lower = session(
        level="secondaria1",
        class_year=3,
        classroom="3ª C Secondaria «Marconi»",
        students=people,
        deliberations=(),
    )
    text = all_text(minutes_pdf(lower))
    assert "Voto di ammissione all’esame di Stato" in text.replace("'", "’")
    assert "Rossi Maria 8" in text
    assert "(otto)" not in text
    assert "ammessa all’esame di Stato" in text.replace("'", "’")
    assert "Credito scolastico" not in text
    grid = all_text(tabellone_pdf(lower))
    assert "Voto amm." in grid
    assert "nove" not in grid


def test_in_the_last_year_admitted_means_to_the_state_exam() -> None:
    fifth = session(class_year=5, classroom="5ª A Liceo scientifico")
    text = all_text(minutes_pdf(fifth, attach_grid=False)).replace("'", "’")
    assert "Rossi Maria ammessa all’esame di Stato" in text
    assert "Esposito Sofia non ammessa all’esame di Stato" in text
    assert "alla classe successiva" not in text
    grid = all_text(tabellone_pdf(fifth)).replace("'", "’")
    assert "Ammessa all’esame" in grid


def test_delegated_chair() -> None:
    text = all_text(minutes_pdf(session(chair_is_principal=False, chair="Zani Carlo")))
    assert "Presiede la seduta il docente delegato dal Dirigente scolastico Zani Carlo;" in text


# --------------------------------------------------------------------------------------------
# The signature sheet
# --------------------------------------------------------------------------------------------


def test_signature_sheet_lists_subjects_and_teachers_and_the_substitute() -> None:
    pdf = signature_sheet_pdf(session())
    text = all_text(pdf)
    assert "Foglio firme – Scrutinio finale" in text
    assert "Discipline Docente Firma" in text
    assert "Matematica Sorrentino Caterina" in text
    assert "Storia, Educazione civica Neri Giulia in sostituzione di Pace Ottavio" in text
    assert "Sostegno Ferraro Ilaria" in text
    assert "Presidente (Dirigente scolastico) Bellini Maria Teresa" in text
    assert "Pagina 1 di 1" in text
    assert len(read(pdf).pages) == 1


# --------------------------------------------------------------------------------------------
# Letters
# --------------------------------------------------------------------------------------------


def test_debt_letter_lists_subjects_gaps_recovery_and_check_dates() -> None:
    pdf = debt_letter_pdf(session(), "2", protocol="4321/C2")
    (text,) = page_texts(pdf)
    assert text.startswith(INSTITUTE)
    assert "Modena, 12 giugno 2027 Prot. n. 4321/C2" in text
    assert "Ai genitori o a chi esercita la responsabilità genitoriale di Bianchi Luca" in text
    assert "Oggetto: Comunicazione della sospensione del giudizio e dei debiti formativi" in text
    assert "sospensione del giudizio dello studente Bianchi Luca" in text
    assert "O.M. 92/2007, art. 7" in text
    assert (
        "Matematica 5 (cinque) equazioni di secondo grado; geometria analitica corso di recupero "
        "30 agosto 2027" in text
    )
    assert "Fisica 4 (quattro) cinematica e dinamica studio individuale 30 agosto 2027" in text
    assert "comunicarlo per iscritto" in text
    assert "Il coordinatore di classe, Manzoni Damiano" in text
    assert "Il Dirigente scolastico Prof.ssa Maria Teresa Bellini" in text
    assert "Lettera per Bianchi Luca Pagina 1 di 1" in text


def test_gaps_letter() -> None:
    (text,) = page_texts(gaps_letter_pdf(session(), main_students()[4]))
    assert "Oggetto: Comunicazione delle carenze formative" in text
    assert "Conti Giulia" in text
    assert "Lingua e cultura latina 6 (sei) traduzione dei testi d" in text
    assert "studio individuale estivo" in text


def test_citizenship_assignment_letter() -> None:
    (text,) = page_texts(citizenship_assignment_letter_pdf(session(), "3"))
    assert "Oggetto: Assegnazione dell" in text
    assert "D’Àmbrosio Niccolò la valutazione di 6 (sei) nel comportamento" in text
    assert "L. 150/2024" in text
    assert "scrutinio integrativo" in text
    assert "Tema dell’elaborato: Il rispetto delle regole nella comunità scolastica" in (
        text.replace("'", "’")
    )
    assert "25 agosto 2027" in text
    assert "non sarà ammesso alla classe successiva" in text
    fifth = session(class_year=5, classroom="5ª A Liceo scientifico")
    (text,) = page_texts(citizenship_assignment_letter_pdf(fifth, "3"))
    assert "colloquio dell" in text and "esame di Stato" in text
    assert "scrutinio integrativo" not in text


def test_non_admission_letter_gives_the_reason_before_publication() -> None:
    (text,) = page_texts(non_admission_letter_pdf(session(), "4"))
    assert "Oggetto: Comunicazione della non ammissione" in text
    assert "prima della pubblicazione degli esiti" in text
    assert "esito: non ammessa alla classe successiva" in text
    assert "Insufficienze gravi e diffuse in quattro discipline" in text
    (text,) = page_texts(non_admission_letter_pdf(session(), "6"))
    assert "non valutabile per le assenze" in text
    assert "limite di un quarto del monte ore annuo" in text


def test_adult_students_get_their_letters_themselves() -> None:
    (text,) = page_texts(non_admission_letter_pdf(session(), "7"))
    assert "Alla studentessa Galli Anna" in text
    assert "genitori" not in text


def test_letters_due_follow_the_data() -> None:
    due = [(letter.kind, letter.student) for letter in letters_due(session())]
    assert due == [
        ("debiti", "2"),
        ("cittadinanza", "3"),
        ("non_ammissione", "4"),
        ("carenze", "5"),
        ("non_ammissione", "6"),
        # Galli Anna (7) is an adult: her outcome reaches her with the publication.
    ]


def test_a_bundle_has_one_letter_per_page_each_numbered_on_its_own() -> None:
    the_session = session()
    letters = list(letters_due(the_session)) * 2
    pages = page_texts(letters_pdf(the_session, letters))
    assert len(pages) == len(letters) == 10
    for letter, text in zip(letters, pages, strict=True):
        name = the_session.student(letter.student).name
        assert text.startswith(INSTITUTE)
        assert name in text
        assert f"Lettera per {name} Pagina 1 di 1" in text


def test_a_long_letter_spans_pages_and_the_next_starts_on_its_own() -> None:
    many = tuple(
        Debt(code, "argomenti del programma non acquisiti " * 8, "corso di recupero", CHECK_DAY)
        for code, _ in SUBJECTS
        if code != "IRC"
    )
    people = list(main_students())
    people[1] = dataclasses.replace(people[1], debts=many)
    the_session = session(students=tuple(people))
    texts = page_texts(
        letters_pdf(the_session, [Letter("debiti", "2"), Letter("non_ammissione", "4")])
    )
    first = len(texts) - 1  # pages of the first letter
    assert first >= 2
    for number, text in enumerate(texts[:first], start=1):
        assert f"Lettera per Bianchi Luca Pagina {number} di {first}" in text
    assert "Esposito Sofia" not in " ".join(texts[:first])
    assert "Lettera per Esposito Sofia Pagina 1 di 1" in texts[-1]
    assert "Matematica" in texts[0] and "Informatica" in " ".join(texts[:first])
    assert all(text.startswith(INSTITUTE) for text in texts)


@pytest.mark.parametrize(
    ("letter", "message"),
    [
        (Letter("debiti", "1"), "non ha debiti"),
        (Letter("carenze", "1"), "non ha carenze"),
        (Letter("cittadinanza", "1"), "non ha un elaborato"),
        (Letter("non_ammissione", "1"), "non risulta non ammesso"),
        (Letter("debiti", "99"), "Studente sconosciuto"),
    ],
)
def test_a_letter_the_data_does_not_support_is_refused(letter: Letter, message: str) -> None:
    with pytest.raises(CouncilDocumentError, match=message):
        letters_pdf(session(), [letter])


def test_an_empty_bundle_is_refused() -> None:
    with pytest.raises(CouncilDocumentError, match="Nessuna lettera"):
        letters_pdf(session(), [])


# --------------------------------------------------------------------------------------------
# Every document: accessibility, Italian characters, verbatim values, no warnings
# --------------------------------------------------------------------------------------------


def every_document(the_session: CouncilSession) -> Iterator[tuple[str, bytes]]:
    yield "verbale", minutes_pdf(the_session)
    yield "tabellone", tabellone_pdf(the_session)
    yield "firme", signature_sheet_pdf(the_session)
    yield "lettere", letters_pdf(the_session, letters_due(the_session))


def structure_types(reader: PdfReader) -> set[str]:
    """Every structure element type (/H1, /Table, /TH, /TD…) in the tagged PDF."""
    found: set[str] = set()
    stack: list[Any] = [reader.root_object["/StructTreeRoot"]]
    while stack:
        node = stack.pop()
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not hasattr(node, "get"):
            continue
        if "/S" in node:
            found.add(str(node["/S"]))
        kids = node.get("/K")
        if kids is not None:
            stack.append(kids)
    return found


@pytest.fixture(scope="module")
def documents() -> dict[str, bytes]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a Typst warning fails the test
        return dict(every_document(session()))


@pytest.mark.parametrize("name", ["verbale", "tabellone", "firme", "lettere"])
def test_pdfs_are_tagged_in_italian_with_a_title_headings_and_table_headers(
    documents: dict[str, bytes], name: str
) -> None:
    reader = read(documents[name])
    assert reader.metadata is not None
    assert reader.metadata.title
    assert "4ª A Liceo scientifico" in reader.metadata.title
    assert reader.metadata.author == INSTITUTE
    catalog: Any = reader.root_object
    assert catalog["/Lang"] == "it-IT"
    assert bool(catalog["/MarkInfo"]["/Marked"])
    xmp = catalog["/Metadata"].get_object().get_data().decode()
    assert re.search(r"<pdfuaid:part>1</pdfuaid:part>", xmp)
    types = structure_types(reader)
    assert "/H1" in types
    assert {"/Table", "/TH", "/TD"} <= types


def test_document_titles(documents: dict[str, bytes]) -> None:
    titles = {name: read(pdf).metadata.title for name, pdf in documents.items()}  # type: ignore[union-attr]
    assert titles == {
        "verbale": "Verbale n. 7 – Scrutinio finale – classe 4ª A Liceo scientifico",
        "tabellone": "Tabellone – Scrutinio finale – classe 4ª A Liceo scientifico",
        "firme": "Foglio firme – Scrutinio finale – classe 4ª A Liceo scientifico",
        "lettere": "Lettere alle famiglie – Scrutinio finale – classe 4ª A Liceo scientifico",
    }


@pytest.mark.parametrize("name", ["verbale", "tabellone", "firme", "lettere"])
def test_italian_characters_render(documents: dict[str, bytes], name: str) -> None:
    text = all_text(documents[name])
    assert "4ª A Liceo scientifico" in text
    if name != "firme":
        assert "D’Àmbrosio Niccolò" in text
    if name == "verbale":
        assert "è" in text and "à" in text


def test_values_with_markup_characters_print_verbatim() -> None:
    odd = '#strong[x] $y$ *z* _w_ "q" \\ <l> @r'
    people = list(main_students())
    people[3] = dataclasses.replace(people[3], name=f"Esposito {odd}", outcome_reason=odd)
    the_session = session(
        students=tuple(people),
        place=f"aula {odd}",
        deliberations=(Deliberation("voto", odd, student="4", against=(odd,)),),
    )
    for name, pdf in every_document(the_session):
        text = all_text(pdf)
        if name != "firme":
            assert f"Esposito {odd}" in text, name
    assert f"aula {odd}" in all_text(minutes_pdf(the_session))


# --------------------------------------------------------------------------------------------
# Bad data is refused with an Italian message
# --------------------------------------------------------------------------------------------


def test_an_absent_member_needs_substitute_and_protocol() -> None:
    with pytest.raises(CouncilDocumentError, match="collegio perfetto"):
        CouncilMember("Pace Ottavio", ("Storia",), present=False, substitute="Neri Giulia")
    with pytest.raises(CouncilDocumentError, match="non può avere un sostituto"):
        CouncilMember("Pace Ottavio", ("Storia",), substitute="Neri Giulia")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "una sola delle tre"),
        ({"value": 7, "judgement": "Buono"}, "una sola delle tre"),
        ({"value": 11}, "da 0 a 10"),
        ({"value": Decimal("7.25")}, "mezzo voto"),
        ({"value": 7, "not_classified": True}, "una sola delle tre"),
    ],
)
def test_a_mark_is_one_thing(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(CouncilDocumentError, match=message):
        Mark(**kwargs)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end_time": datetime.time(14, 0)}, "ora di chiusura"),
        ({"students": ()}, "non ha studenti"),
        ({"members": ()}, "non ha componenti"),
        ({"level": "universita"}, "Grado di scuola"),
        ({"kind": "straordinario"}, "Tipo di scrutinio"),
        ({"minutes_number": " "}, "numero del verbale"),
        ({"class_year": 6}, "anno di corso"),
        (
            {"deliberations": (Deliberation("esito", "x", student="99"),)},
            "studente sconosciuto",
        ),
        (
            {"deliberations": (Deliberation("voto", "x", subject="GRE"),)},
            "materia sconosciuta",
        ),
        ({"subjects": (*subjects(), CouncilSubject("MAT", "Altra", "ALT"))}, "stesso codice"),
    ],
)
def test_inconsistent_sessions_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(CouncilDocumentError, match=message):
        session(**changes)


def test_unknown_subjects_and_duplicate_students_are_refused() -> None:
    people = main_students()
    wrong = dataclasses.replace(people[0], marks=(SubjectResult("GRE", Mark(7)),))
    with pytest.raises(CouncilDocumentError, match="materia sconosciuta"):
        session(students=(wrong,))
    with pytest.raises(CouncilDocumentError, match="stessa chiave"):
        session(students=(people[0], people[0]))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"credit": 16}, "supera 15"),
        ({"credit": 15, "earlier_credits": 26}, "supera 40"),
        ({"outcome": "non_ammesso", "outcome_reason": ""}, "motivazione"),
        ({"outcome": "sospeso"}, "discipline con debito"),
        ({"outcome": "promosso"}, "Esito non valido"),
        ({"admission_mark": 11}, "voto di ammissione"),
        ({"marks": (SubjectResult("MAT", Mark(7)), SubjectResult("MAT", Mark(8)))}, "due voti"),
    ],
)
def test_inconsistent_students_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(CouncilDocumentError, match=message):
        student("1", "Rossi Maria", **changes)


def test_a_waiver_needs_its_reason() -> None:
    with pytest.raises(CouncilDocumentError, match="motivo"):
        Attendance(300, 990, waived_hours=60)
    assert Attendance(248, 990).over_limit
    assert not Attendance(247, 990).over_limit


def test_templates_ship_inside_the_package() -> None:
    from campanella.lib import council_documents

    for template in (
        council_documents.TEMPLATE_MINUTES,
        council_documents.TEMPLATE_TABELLONE,
        council_documents.TEMPLATE_SIGNATURES,
        council_documents.TEMPLATE_LETTERS,
    ):
        assert template.is_file()
        assert template.parent.parent.name == "lib"
    assert (council_documents.TEMPLATES / "council_common.typ").is_file()
