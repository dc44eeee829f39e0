"""Tests for campanella.lib.letters: real Typst compilations, read back with pypdf.

Pure Python, no database: run alone with
.venv/bin/python -m pytest -q tests/lib/test_letters.py -p no:django --noconftest
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import re
import warnings
from typing import Any

import pytest
from pypdf import PdfReader

from campanella.lib.letters import (
    LARGE_BATCH,
    TEMPLATE,
    CredentialLetter,
    italian_date,
    render_credential_letters,
    spell,
)

INSTITUTE = "Istituto di Istruzione Superiore «Galileo Galilei»"
SCHOOL = "Liceo scientifico «Galileo Galilei» – sede di Modena"
LOGIN_URL = "https://registro.scuola.it/accedi/"
ISSUED_ON = datetime.date(2026, 11, 23)


def letter(**changes: Any) -> CredentialLetter:
    base = CredentialLetter(
        institute_name=INSTITUTE,
        school_name=SCHOOL,
        classroom_name="1ª A Liceo scientifico",
        person_name="Rossi Maria",
        role="studente",
        student_name="",
        username="S100123K",
        temporary_password="h7Nq3rTy8wPa",
        login_url=LOGIN_URL,
        issued_on=ISSUED_ON,
    )
    return dataclasses.replace(base, **changes)


def guardian(**changes: Any) -> CredentialLetter:
    values: dict[str, Any] = {
        "person_name": "Bianchi Giovanna",
        "role": "genitore",
        "student_name": "Rossi Luca",
        "username": "G100124L",
        "temporary_password": "k7Rm4pXw9tHa",
    }
    return letter(**(values | changes))


def read(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf))


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text with runs of whitespace as one space: line breaks move with layout."""
    return [" ".join(page.extract_text().split()) for page in read(pdf).pages]


@pytest.fixture(scope="module")
def class_letters() -> list[CredentialLetter]:
    people = [
        ("Rossi Maria", "S100123K", "h7Nq3rTy8wPa"),
        ("Verdi Paolo", "S100125M", "p4Kt9mWx7zRe"),
        ("Esposito Sofia", "S100126N", "c3Vb8nHj2kLs"),
    ]
    return [
        letter(person_name=name, username=username, temporary_password=password)
        for name, username, password in people
    ]


@pytest.fixture(scope="module")
def class_pages(class_letters: list[CredentialLetter]) -> list[str]:
    return page_texts(render_credential_letters(class_letters, title="Credenziali studenti – 1ª A"))


def test_one_page_per_letter(class_letters: list[CredentialLetter]) -> None:
    for count in (1, 2, 7):
        pdf = render_credential_letters(class_letters[:1] * count, title="Prova")
        assert len(read(pdf).pages) == count


def test_each_page_carries_its_own_person_and_credentials(
    class_letters: list[CredentialLetter], class_pages: list[str]
) -> None:
    assert len(class_pages) == len(class_letters)
    for sent, text in zip(class_letters, class_pages, strict=True):
        assert sent.person_name in text
        assert sent.username in text
        assert sent.temporary_password in text
        assert INSTITUTE in text
        assert SCHOOL in text
        assert "1ª A Liceo scientifico" in text
        others = [other for other in class_letters if other is not sent]
        assert not any(other.temporary_password in text for other in others)


@pytest.mark.parametrize(
    "instruction",
    [
        "Credenziali di accesso al registro elettronico",
        "Conservare questa lettera in un luogo sicuro",
        "Non comunicare la password a nessuno: la scuola non la chiederà mai",
        LOGIN_URL,
        "Inserire il nome utente e la password temporanea",
        "scegliere una nuova password personale, di almeno 10 caratteri",
        "collegare un indirizzo e-mail",
        "recuperare la password",
        "Maiuscole e minuscole sono diverse",
    ],
)
def test_page_has_the_italian_instructions(class_pages: list[str], instruction: str) -> None:
    assert all(instruction in text for text in class_pages)


@pytest.mark.parametrize(
    "password",
    ['#*$\\"[', 'a]b`c_d"', "$x$ *y* _z_", "#set text(red)", "\\u{41}@<x>", "[[!]]//'~"],
)
def test_special_characters_in_passwords_print_verbatim(password: str) -> None:
    pdf = render_credential_letters([letter(temporary_password=password)], title="T")
    (text,) = page_texts(pdf)
    assert " ".join(password.split()) in text


def test_special_characters_in_names_print_verbatim() -> None:
    sent = guardian(
        institute_name='Istituto "#strong[non grassetto]" $x^2$',
        school_name="Plesso *non enfatizzato* <etichetta>",
        person_name="D'Amico Maria [#1]",
        student_name="D'Amico Luca \\ O'Neil",
        classroom_name="1ª A #calc.pow(2, 3)",
    )
    (text,) = page_texts(render_credential_letters([sent], title="Prova #x"))
    for value in (
        'Istituto "#strong[non grassetto]" $x^2$',
        "Plesso *non enfatizzato* <etichetta>",
        "D'Amico Maria [#1]",
        "D'Amico Luca \\ O'Neil",
        "1ª A #calc.pow(2, 3)",
    ):
        assert value in text


def test_guardian_letter_names_the_child_and_says_it_is_personal() -> None:
    (text,) = page_texts(render_credential_letters([guardian()], title="Credenziali genitori"))
    assert "Bianchi Giovanna" in text
    assert "Genitore o tutore di Rossi Luca, classe 1ª A Liceo scientifico" in text
    assert "ogni genitore ha le proprie credenziali" in text
    assert "Non usare quelle dell’altro genitore né quelle di Rossi Luca" in text


def test_student_and_staff_letters_have_no_guardian_wording() -> None:
    staff = letter(
        role="personale", classroom_name="", person_name="Neri Anna", username="GALI0001.1000123"
    )
    student_text, staff_text = page_texts(render_credential_letters([letter(), staff], title="T"))
    assert "Studente o studentessa, classe 1ª A Liceo scientifico" in student_text
    assert "Personale della scuola" in staff_text
    assert "GALI0001.1000123" in staff_text
    for text in (student_text, staff_text):
        assert "genitore" not in text.lower()
        assert "le credenziali non vanno prestate né condivise" in text


def test_issue_date_is_written_in_italian(class_pages: list[str]) -> None:
    assert all("Data di rilascio 23 novembre 2026" in text for text in class_pages)
    (text,) = page_texts(
        render_credential_letters([letter(issued_on=datetime.date(2027, 9, 1))], title="T")
    )
    assert "1º settembre 2027" in text


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2026, 1, 7), "7 gennaio 2026"),
        (datetime.date(2026, 2, 28), "28 febbraio 2026"),
        (datetime.date(2026, 5, 1), "1º maggio 2026"),
        (datetime.date(2026, 8, 31), "31 agosto 2026"),
        (datetime.date(2026, 11, 23), "23 novembre 2026"),
        (datetime.date(2026, 12, 10), "10 dicembre 2026"),
    ],
)
def test_italian_date(day: datetime.date, expected: str) -> None:
    assert italian_date(day) == expected


def test_look_alike_characters_are_spelled_out() -> None:
    assert [(c["glyph"], c["name"], c["case"]) for c in spell("0Ol1I#")] == [
        ("0", "zero", ""),
        ("O", "o", "maiuscola"),
        ("l", "elle", "minuscola"),
        ("1", "uno", ""),
        ("I", "i", "maiuscola"),
        ("#", "cancelletto", ""),
    ]
    assert spell(" ")[0]["glyph"] == "␣"


def test_spelled_names_are_printed(class_pages: list[str]) -> None:
    # h7Nq3rTy8wPa: each character with its name, in order.
    expected = "h acca minuscola 7 sette N enne maiuscola q cu minuscola 3 tre"
    assert expected in class_pages[0]


def test_pdf_has_title_italian_language_and_accessibility_tags(
    class_letters: list[CredentialLetter],
) -> None:
    reader = read(render_credential_letters(class_letters, title="Credenziali studenti – 1ª A"))
    assert reader.metadata is not None
    assert reader.metadata.title == "Credenziali studenti – 1ª A"
    assert reader.metadata.author == INSTITUTE
    catalog: Any = reader.root_object  # pypdf types its dictionaries loosely
    assert catalog["/Lang"] == "it-IT"
    assert "/StructTreeRoot" in catalog
    assert bool(catalog["/MarkInfo"]["/Marked"])
    xmp = catalog["/Metadata"].get_object().get_data().decode()
    assert re.search(r"<pdfuaid:part>1</pdfuaid:part>", xmp)


def test_pdf_uses_only_typst_embedded_fonts(class_letters: list[CredentialLetter]) -> None:
    reader = read(render_credential_letters(class_letters[:1], title="T"))
    resources: Any = reader.pages[0]["/Resources"]
    fonts = {
        str(font.get_object()["/BaseFont"]).split("+")[-1] for font in resources["/Font"].values()
    }
    assert any(name.startswith("DejaVuSansMono") for name in fonts), fonts
    assert any(name.startswith("LibertinusSerif") for name in fonts), fonts
    assert all(name.startswith(("DejaVuSansMono", "LibertinusSerif")) for name in fonts), fonts


def test_long_realistic_values_still_fit_one_page_each() -> None:
    long = guardian(
        institute_name=(
            "Istituto di Istruzione Superiore Statale «Giuseppe Garibaldi – Alessandro Volta» "
            "di San Giovanni in Persiceto"
        ),
        school_name=(
            "Istituto Professionale per l'Enogastronomia e l'Ospitalità Alberghiera – "
            "sede di Castelfranco Emilia"
        ),
        classroom_name="5ª BZ Istituto professionale – Enogastronomia e ospitalità (serale)",
        person_name="Dell'Acqua-Bianchi Maria Antonietta Giuseppina Francesca",
        student_name="Dell'Acqua-Bianchi Leonardo Alessandro Giovanni",
        username="GALI0001.1000123",
        temporary_password='Ab3#*$\\"[x]{y}<z>',
        login_url="https://registro.istituto-garibaldi-volta.edu.it/accedi/",
    )
    staff = dataclasses.replace(long, role="personale", student_name="", classroom_name="")
    pdf = render_credential_letters([long, staff, long], title="T")
    assert len(read(pdf).pages) == 3


def test_large_batch_renders_every_page() -> None:
    letters = [
        letter(person_name=f"Studente {number}", username=f"S{100000 + number}K")
        for number in range(LARGE_BATCH)
    ]
    texts = page_texts(render_credential_letters(letters, title="T"))
    assert len(texts) == LARGE_BATCH
    assert f"Studente {LARGE_BATCH - 1}" in texts[-1]


def test_template_compiles_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        render_credential_letters([letter(), guardian()], title="T")


def test_template_ships_inside_the_package() -> None:
    assert TEMPLATE.is_file()
    assert TEMPLATE.parent.parent.name == "lib"
    assert TEMPLATE.suffix == ".typ"


def test_empty_list_is_refused() -> None:
    with pytest.raises(ValueError, match="Nessuna lettera"):
        render_credential_letters([], title="Credenziali")


def test_blank_title_is_refused() -> None:
    with pytest.raises(ValueError, match="titolo"):
        render_credential_letters([letter()], title="  ")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"role": "docente"}, "Ruolo non valido"),
        ({"username": ""}, "nome utente e password"),
        ({"temporary_password": ""}, "nome utente e password"),
        ({"role": "genitore", "student_name": ""}, "nome dello studente"),
    ],
)
def test_incomplete_letters_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        letter(**changes)
