"""Tests for campanella.lib.report_cards: real Typst compilations read back with pypdf.

Pure Python, no database: run alone with
.venv/bin/python -m pytest -q tests/lib/test_report_cards.py -p no:django --noconftest
"""

from __future__ import annotations

import concurrent.futures
import datetime
import warnings
from collections.abc import Iterator
from decimal import Decimal

import pytest

from campanella.lib.council_documents import Mark, SubjectResult
from campanella.lib.grades import DEFAULT_BEHAVIOUR_DESCRIPTIONS, DEFAULT_SYNTHETIC_DESCRIPTIONS
from campanella.lib.report_cards import (
    ReportCardError,
    StudentFacts,
    report_card_pdf,
    report_cards_pdf,
)
from tests.lib.test_council_documents import (
    main_students,
    page_texts,
    read,
    session,
    student,
)


@pytest.fixture(autouse=True)
def _warnings_are_errors() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def text_of(pdf: bytes) -> str:
    return " ".join(page_texts(pdf))


def test_upper_secondary_year_4_final_marks_in_figures_and_letters_hours_average_credits() -> None:
    facts = StudentFacts("1", datetime.date(2010, 3, 7), "Carpi")
    text = text_of(report_card_pdf(session(), "1", facts=facts))
    assert "Rossi Maria" in text and "nata il 7 marzo 2010 a Carpi" in text
    assert "Istituto di Istruzione Superiore «Galileo Galilei»" in text  # the school's header
    assert "MOPS01000X" in text
    assert "Lingua e letteratura italiana 9 (nove) 3" in text  # mark in words, hours absent
    assert "Religione cattolica Distinto 2" in text
    assert "Comportamento: 10 (dieci)" in text
    assert "9,08" in text and "Credito totale" in text and "23" in text  # 12 + 11
    assert "Ammessa alla classe successiva" in text
    assert "Bianchi Luca" not in text  # only her card


def test_suspended_student_sees_the_debts_and_a_not_admitted_one_the_reason() -> None:
    text = text_of(report_card_pdf(session(), "2"))
    assert "Giudizio sospeso" in text
    assert "equazioni di secondo grado" in text and "corso di recupero" in text
    text = text_of(report_card_pdf(session(), "4"))
    assert "Non ammessa alla classe successiva" in text
    assert "Insufficienze gravi e diffuse" in text


def test_intermediate_session_has_no_outcome_nor_credits() -> None:
    s = session(kind="intermedio", title="Scrutinio del 1° quadrimestre")
    text = text_of(report_card_pdf(s, "1"))
    assert "Documento di valutazione – del 1° quadrimestre" in text
    assert "Esito" not in text and "Ammessa" not in text and "Credito totale" not in text


def test_lower_secondary_marks_without_words_and_hours() -> None:
    alone = (student("1", "Rossi Maria", credit=None, earlier_credits=None),)
    s = session(level="secondaria1", class_year=2, students=alone, deliberations=())
    text = text_of(report_card_pdf(s, "1"))
    assert "Matematica 7 3" in text
    assert "(sette)" not in text
    assert "Credito" not in text


def test_primary_giudizi_with_the_schools_descriptions() -> None:
    marks = (
        SubjectResult("ITA", Mark(judgement="Buono")),
        SubjectResult("MAT", Mark(judgement="Non sufficiente")),
    )
    pupil = student(
        "1", "Rossi Maria", marks=marks, behaviour=Mark(judgement="Ottimo"),
        civic_education=Mark(judgement="Distinto"), attendance=None, credit=None,
        earlier_credits=None, average=None,
    )  # fmt: skip
    s = session(level="primaria", class_year=3, students=(pupil,), deliberations=())
    own = dict(DEFAULT_SYNTHETIC_DESCRIPTIONS, buono="Descrizione della scuola per il buono.")
    pdf = report_card_pdf(
        s, "1", descriptions=own, behaviour_descriptions=DEFAULT_BEHAVIOUR_DESCRIPTIONS
    )
    text = text_of(pdf)
    assert "Descrizione della scuola per il buono." in text
    assert " ".join(DEFAULT_SYNTHETIC_DESCRIPTIONS["non_sufficiente"].split()[:6]) in text
    assert "Comportamento: Ottimo" in text
    assert "Educazione civica: Distinto" in text
    assert "Ore di assenza" not in text


def test_bundle_has_every_card_numbered_on_its_own_and_is_tagged() -> None:
    keys = [s.key for s in main_students()]
    pdf = report_cards_pdf(session(), keys)
    texts = page_texts(pdf)
    assert len(texts) >= len(keys)
    assert all("Pagina 1 di" in t for t in texts[:1])
    assert sum("Pagina 1 di" in t for t in texts) == len(keys)
    catalog = read(pdf).trailer["/Root"]
    assert catalog["/Lang"] == "it-IT"
    assert "/StructTreeRoot" in catalog
    assert bool(catalog["/MarkInfo"]["/Marked"])


def test_names_print_as_they_are_and_bad_keys_are_refused() -> None:
    odd = student("9", "D’Àmbrosio #Niccolò* [$x$]", average=Decimal("7"))
    s = session(students=(*main_students(), odd))
    assert "D’Àmbrosio #Niccolò* [$x$]" in text_of(report_card_pdf(s, "9"))
    with pytest.raises(ReportCardError):
        report_card_pdf(s, "nobody")
    with pytest.raises(ReportCardError):
        report_cards_pdf(s, [])


def test_cards_compiled_at_once_in_several_threads_each_get_their_own_student() -> None:
    """The compiler kept per template (lib.typst_pdf) is one per thread: a web server's threads
    printing at the same moment must neither fail nor mix two students' data."""
    names = {s.key: s.name for s in main_students()}
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        futures = [(key, pool.submit(report_card_pdf, session(), key)) for key in [*names] * 3]
    for key, future in futures:
        text = text_of(future.result())
        assert names[key] in text
        assert all(other not in text for k, other in names.items() if k != key)
