"""Reading uploaded files: encodings, separators, XLSX, Excel dates, line numbers, headers."""

from __future__ import annotations

import codecs
import datetime
import io
import zipfile

import pytest

from campanella.interop.columns import match_header
from campanella.interop.models import ImportKind
from campanella.interop.tabular import MAX_ROWS, read_sheet
from campanella.interop.values import BadValueError, date_value, roles, sex
from tests.interop.helpers import STAFF_HEADER, xlsx_bytes

ROWS = (
    "cognome;nome;codice_fiscale\r\n"
    "Rossi;Niccolò;RSSNCL10A01F257X\r\n"
    "Bianchi;Anna;BNCNNA10A41F257Y\r\n"
)


def test_utf8_with_and_without_bom_read_the_same() -> None:
    plain = read_sheet(ROWS.encode("utf-8"))
    with_bom = read_sheet(codecs.BOM_UTF8 + ROWS.encode("utf-8"))
    for sheet in (plain, with_bom):
        assert sheet.problems == []
        assert sheet.notices == []
        assert sheet.header == ["cognome", "nome", "codice_fiscale"]
        assert sheet.rows[0].cells == ("Rossi", "Niccolò", "RSSNCL10A01F257X")
        assert "UTF-8" in sheet.description


def test_windows_1252_is_read_and_the_preview_says_so() -> None:
    sheet = read_sheet(ROWS.encode("cp1252"))
    assert sheet.problems == []
    assert sheet.rows[0].cells[1] == "Niccolò"
    assert len(sheet.notices) == 1
    assert "Windows-1252" in sheet.notices[0]


def test_utf16_text_from_excel_is_read() -> None:
    sheet = read_sheet(ROWS.replace(";", "\t").encode("utf-16"))
    assert sheet.problems == []
    assert sheet.rows[1].cells == ("Bianchi", "Anna", "BNCNNA10A41F257Y")
    assert "tabulazione" in sheet.description


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"%PDF-1.7\n\x00\x01\x02\x03binary", "binario"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binario"),
        (b"cognome;nome\r\nRossi;\x81\x8d\x8f\r\n", "codifica"),
        (codecs.BOM_UTF8 + b"cognome;nome\r\nRossi;\xff\xfe\r\n", "UTF-8"),
        (b"", "vuoto"),
        (b"  \r\n\r\n", "vuoto"),
        (codecs.BOM_UTF8, "vuoto"),
        (b"cognome;nome;codice_fiscale\r\n", "solo la riga di intestazione"),
        (b"\r\nRossi;Mario\r\n", "prima riga"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
        (b"PK\x03\x04 not really a zip", "danneggiato"),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message(content: bytes, fragment: str) -> None:
    sheet = read_sheet(content)
    assert sheet.rows == [] or sheet.problems
    assert len(sheet.problems) == 1
    assert fragment in sheet.problems[0].message


def test_opendocument_spreadsheet_is_refused_with_advice() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    sheet = read_sheet(buffer.getvalue())
    assert "OpenDocument" in sheet.problems[0].message


@pytest.mark.parametrize(
    ("delimiter", "name"), [(";", "punto e virgola"), (",", "virgola"), ("\t", "tabulazione")]
)
def test_separators_are_detected(delimiter: str, name: str) -> None:
    text = (
        f"cognome{delimiter}nome{delimiter}classe\r\n"
        f'Rossi{delimiter}Mario{delimiter}"3A Amministrazione, finanza e marketing"\r\n'
    )
    sheet = read_sheet(text.encode())
    assert sheet.header == ["cognome", "nome", "classe"]
    assert sheet.rows[0].cells == ("Rossi", "Mario", "3A Amministrazione, finanza e marketing")
    assert name in sheet.description


def test_excel_separator_line_is_followed_and_not_counted() -> None:
    sheet = read_sheet(b"sep=,\r\ncognome,nome\r\nRossi,Mario\r\n")
    assert sheet.header == ["cognome", "nome"]
    assert [(row.line, row.cells) for row in sheet.rows] == [(2, ("Rossi", "Mario"))]
    assert (
        "separatore «|» non ammesso" in read_sheet(b"sep=|\r\na|b\r\n").problems[0].message.lower()
    )


@pytest.mark.parametrize(("separator", "shown"), [("|", "«|»"), (" ", "«spazio»"), (":", "«:»")])
def test_a_wrong_separator_is_named(separator: str, shown: str) -> None:
    text = (
        separator.join(STAFF_HEADER)
        + "\r\n"
        + separator.join(["Rossi", "Mario", "x", "", "docente"])
    )
    sheet = read_sheet(text.encode())
    header = match_header(ImportKind.STAFF, sheet.header)
    assert len(header.problems) == 1
    problem = header.problems[0]
    assert problem.line == 1
    assert shown in problem.message
    assert "separatore" in problem.message


def test_missing_unknown_and_repeated_columns_are_all_listed() -> None:
    header = match_header(ImportKind.STAFF, ["Cognome", "NOME", "cf", "telefono", "Nome", "colore"])
    messages = [p.message for p in header.problems]
    assert all(p.line == 1 for p in header.problems)
    assert any("«nome» compare due volte (colonne 2 e 5)" in m for m in messages)
    assert any("Colonne sconosciute: «telefono», «colore»" in m for m in messages)
    assert any("Mancano le colonne obbligatorie: «ruoli»" in m for m in messages)
    assert header.positions == {"cognome": 0, "nome": 1, "codice_fiscale": 2}


def test_header_names_are_matched_loosely() -> None:
    header = match_header(
        ImportKind.STUDENTS,
        [
            "Cognome",
            "Nome",
            "Codice Fiscale",
            "Data di nascita",
            "SESSO",
            "Classe",
            "Genitore 1 - Cognome",
        ],
    )
    assert header.problems == []
    assert header.positions["data_nascita"] == 3
    assert header.positions["genitore1_cognome"] == 6


def test_line_numbers_are_those_of_the_spreadsheet() -> None:
    text = 'cognome;nome\r\nRossi;Mario\r\n\r\n"Verdi\r\nBianchi";Anna\r\n;;\r\nNeri;Luca\r\n'
    sheet = read_sheet(text.encode())
    # Line 3 is blank and line 5 has only empty cells: skipped, but they keep their numbers.
    # The quoted line break is one cell of one row, as Excel shows it.
    assert [row.line for row in sheet.rows] == [2, 4, 6]
    assert sheet.rows[1].cells[0] == "Verdi\r\nBianchi"


def test_xlsx_reads_the_first_sheet_with_dates_and_numbers() -> None:
    content = xlsx_bytes(
        [
            ["cognome", "data_nascita", "telefono", "numero"],
            ["Rossi", datetime.datetime(2011, 3, 25), 3331234567, 40627],
            [None, None, None, None],
            ["  Verdi ", datetime.date(2010, 1, 2), "0591234567", 2.5],
        ],
        extra_sheet=True,
    )
    sheet = read_sheet(content)
    assert sheet.problems == []
    assert sheet.header == ["cognome", "data_nascita", "telefono", "numero"]
    assert [row.line for row in sheet.rows] == [2, 4]
    assert sheet.rows[0].cells == ("Rossi", datetime.date(2011, 3, 25), "3331234567", "40627")
    assert sheet.rows[1].cells == ("Verdi", datetime.date(2010, 1, 2), "0591234567", "2.5")
    assert "Excel" in sheet.description


def test_too_many_rows_are_refused() -> None:
    text = "cognome;nome\r\n" + "Rossi;Mario\r\n" * (MAX_ROWS + 1)
    sheet = read_sheet(text.encode())
    assert any("più di 10.000 righe" in p.message for p in sheet.problems)


EXCEL_SERIAL_OF_25_MARCH_2011 = (datetime.date(2011, 3, 25) - datetime.date(1899, 12, 30)).days


@pytest.mark.parametrize(
    "text",
    [
        "25/03/2011",
        "25/3/2011",
        "25-03-2011",
        "25.03.2011",
        "2011-03-25",
        "2011-03-25 00:00:00",
        "25/03/2011 00:00",
        str(EXCEL_SERIAL_OF_25_MARCH_2011),
        f"{EXCEL_SERIAL_OF_25_MARCH_2011}.0",
    ],
)
def test_dates_in_every_accepted_form(text: str) -> None:
    assert date_value(text) == datetime.date(2011, 3, 25)


def test_an_excel_date_cell_is_a_date() -> None:
    assert date_value(datetime.date(2011, 3, 25)) == datetime.date(2011, 3, 25)


@pytest.mark.parametrize("text", ["31/02/2011", "25/03/11", "03/25/2011", "ieri", "2011-13-01"])
def test_bad_dates_are_refused_with_the_expected_format(text: str) -> None:
    with pytest.raises(BadValueError, match="gg/mm/aaaa"):
        date_value(text)


def test_roles_and_sex_are_read_in_their_usual_spellings() -> None:
    assert roles("docente, segreteria") == {"teacher", "office"}
    assert roles("Docente+Dirigente") == {"teacher", "principal"}
    assert roles("docente e segreteria") == {"teacher", "office"}
    assert sex("f") == "F"
    assert sex("Maschio") == "M"
    with pytest.raises(BadValueError, match="bidello"):
        roles("docente, bidello")
    with pytest.raises(BadValueError, match="M o F"):
        sex("X")
