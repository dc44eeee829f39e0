"""Read an uploaded CSV or XLSX file into rows of cells with the line numbers the user sees.

Line numbers are those of Excel and LibreOffice: the header is line 1, the first data row line 2,
blank rows count (they are skipped, not renumbered). Nothing here knows which columns a kind of
import expects: see `columns.py`.

Problems are collected, never raised: the preview lists every one of them. A file over one of
the limits of `limits.py` is the exception: it is refused at once, with that one problem, as
soon as the limit is passed (the rest of the file is not read).
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from campanella.interop.limits import (
    DEFAULT_LIMITS,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_SAMPLE_CHARS,
    Limits,
    UnreadableFileError,
    cell_too_long,
    too_many_columns,
    too_many_rows,
    upload_too_big,
)
from campanella.interop.xlsx import column_letters, read_first_sheet

Cell = str | datetime.date

__all__ = [
    "MAX_ROWS",
    "Cell",
    "Problem",
    "Sheet",
    "SheetRow",
    "UnreadableFileError",
    "read_sheet",
    "stream_sheet",
]

DELIMITERS = ";,\t"
DELIMITER_NAMES = {";": "punto e virgola", ",": "virgola", "\t": "tabulazione"}
ALLOWED_CONTROL_CHARS = frozenset("\t\n\r")
# Control characters but those: a binary file, not a table.
CONTROL_CHARS = re.compile(
    "[" + "".join(re.escape(chr(c)) for c in range(32) if chr(c) not in ALLOWED_CONTROL_CHARS) + "]"
)


@dataclass(frozen=True)
class Problem:
    """Something wrong in the file; `line` None means the whole file."""

    line: int | None
    message: str

    @property
    def sort_key(self) -> tuple[int, str]:
        return (self.line or 0, self.message)


@dataclass(frozen=True)
class SheetRow:
    line: int
    cells: tuple[Cell, ...]


RowSink = Callable[[list[str], SheetRow], None]  # (the header, a data row)


@dataclass
class Sheet:
    header: list[str] = field(default_factory=list)
    rows: list[SheetRow] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    description: str = ""
    # Data rows read (streamed ones too); a streamed sheet hands each row to `sink` instead of
    # keeping it in `rows`.
    count: int = 0
    limits: Limits = field(default=DEFAULT_LIMITS, repr=False, compare=False)
    sink: RowSink | None = field(default=None, repr=False, compare=False)


def read_sheet(content: bytes, limits: Limits = DEFAULT_LIMITS) -> Sheet:
    """Read CSV (UTF-8, UTF-16 or Windows-1252; ; , or tab) or the first sheet of an XLSX."""
    return _read(content, Sheet(limits=limits))


def stream_sheet(content: bytes, sink: RowSink, limits: Limits = DEFAULT_LIMITS) -> Sheet:
    """`read_sheet` without keeping the rows: each data row goes to `sink` as it is read (the
    returned sheet has the header, the notices, the problems and the count). A file refused
    by a limit may have given some rows to `sink` before."""
    return _read(content, Sheet(limits=limits, sink=sink))


def _read(content: bytes, sheet: Sheet) -> Sheet:
    try:
        if len(content) > sheet.limits.upload_bytes:
            raise upload_too_big(sheet.limits)
        if content.startswith(b"PK\x03\x04"):
            return _read_xlsx(content, sheet)
        if content.startswith(b"\xd0\xcf\x11\xe0"):
            raise UnreadableFileError(
                _(
                    "Il formato .xls (Excel 97-2003) non è supportato: salvare il file come "
                    "Cartella di lavoro Excel (.xlsx) o come CSV."
                )
            )
        return _read_csv(content, sheet)
    except UnreadableFileError as error:
        return Sheet(problems=[Problem(error.line, str(error))], limits=sheet.limits)


# --- CSV --------------------------------------------------------------------------------------


def decode_text(content: bytes) -> tuple[str, str, list[str]]:
    """Return (text, encoding name, notices) or raise UnreadableFileError."""
    notices: list[str] = []
    if content.startswith(codecs.BOM_UTF8):
        try:
            text, encoding = content[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8"
        except UnicodeDecodeError:
            raise UnreadableFileError(
                _("Il file dichiara la codifica UTF-8 ma contiene caratteri non validi.")
            ) from None
    elif content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text, encoding = content.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise UnreadableFileError(_("Il file non è un testo UTF-16 valido.")) from None
    else:
        try:
            text, encoding = content.decode("utf-8"), "UTF-8"
        except UnicodeDecodeError:
            text, encoding = _decode_windows_1252(content), "Windows-1252"
            notices.append(
                _(
                    "Il file non è codificato in UTF-8: è stato letto come Windows-1252 (la "
                    "codifica «ANSI» di Excel). Controllare nell'anteprima che le lettere "
                    "accentate (à, è, é, ì, ò, ù) siano corrette; in caso contrario salvare il "
                    "file come «CSV UTF-8»."
                )
            )
    if CONTROL_CHARS.search(text):
        raise UnreadableFileError(_not_a_table_message())
    return text, encoding, notices


def _decode_windows_1252(content: bytes) -> str:
    if b"\x00" in content:
        raise UnreadableFileError(_not_a_table_message())
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError:
        raise UnreadableFileError(
            _(
                "Impossibile leggere il file: la codifica dei caratteri non è riconosciuta. "
                "Salvare il file come «CSV UTF-8» oppure come .xlsx."
            )
        ) from None


def _not_a_table_message() -> str:
    return _(
        "Il file non è un testo CSV né un file Excel .xlsx (sembra un file binario, per esempio "
        "un PDF, un'immagine o un documento). Caricare un file .csv o .xlsx."
    )


def detect_delimiter(text: str) -> str:
    """csv.Sniffer on the first lines; the header line decides when the sniffer is unsure."""
    lines = text[:MAX_SAMPLE_CHARS].splitlines()
    header = lines[0] if lines else ""
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
    try:
        sniffed = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = ""
    if sniffed and counts.get(sniffed, 0) > 0:
        return sniffed
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] > 0 else ";"


def _excel_separator_hint(text: str) -> tuple[str, str] | None:
    """Excel's optional first line "sep=;": it names the separator and Excel does not show it."""
    first, _newline, rest = text.partition("\n")
    first = first.rstrip("\r")
    if len(first) == 5 and first.lower().startswith("sep="):
        return first[4], rest
    return None


def _read_csv(content: bytes, sheet: Sheet) -> Sheet:
    text, encoding, notices = decode_text(content)
    if not text.strip():
        raise UnreadableFileError(_("Il file è vuoto."))
    delimiter, text = _excel_separator_hint(text) or (detect_delimiter(text), text)
    if delimiter not in DELIMITER_NAMES:
        raise UnreadableFileError(
            _(
                "Separatore «%(delimiter)s» non ammesso: usare punto e virgola, virgola o "
                "tabulazione."
            )
            % {"delimiter": delimiter}
        )
    sheet.notices = notices
    sheet.description = _("CSV, separatore: %(delimiter)s, codifica %(encoding)s") % {
        "delimiter": DELIMITER_NAMES[delimiter],
        "encoding": encoding,
    }
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 0
    try:
        for line, record in enumerate(reader, start=1):
            _add_record(sheet, line, [cell.strip() for cell in record])
    except csv.Error as error:
        if "field limit" in str(error):  # a cell of more than 131,072 characters
            raise cell_too_long(line + 1, _("della riga %(line)s") % {"line": line + 1}) from None
        sheet.problems.append(
            Problem(line + 1, _("Riga non leggibile come CSV: %(error)s.") % {"error": error})
        )
    _check_not_empty(sheet)
    return sheet


# --- XLSX -------------------------------------------------------------------------------------


def _read_xlsx(content: bytes, sheet: Sheet) -> Sheet:
    def add_row(line: int, values: Sequence[object]) -> None:
        _add_record(sheet, line, [xlsx_cell(value) for value in values])

    name = read_first_sheet(content, add_row, sheet.limits)
    sheet.description = _("Excel .xlsx, foglio «%(name)s»") % {"name": name}
    _check_not_empty(sheet)
    return sheet


def xlsx_cell(value: object) -> Cell:
    """Dates stay dates; whole numbers lose the ".0" Excel gives them (phone numbers, years)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        return _("VERO") if value else _("FALSO")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- shared -----------------------------------------------------------------------------------


def _add_record(sheet: Sheet, line: int, cells: list[Cell]) -> None:
    """Keep one row; refuse the file at the first row, column or cell over a limit."""
    while cells and cells[-1] == "":
        cells.pop()
    _check_limits(line, cells)
    if line == 1:
        sheet.header = [str(cell) for cell in cells]
        return
    if cells:
        sheet.count += 1
        if sheet.count > sheet.limits.rows:
            raise too_many_rows(sheet.limits)
        row = SheetRow(line, tuple(cells))
        if sheet.sink is not None:
            sheet.sink(sheet.header, row)
        else:
            sheet.rows.append(row)


def _check_limits(line: int, cells: Sequence[Cell]) -> None:
    if len(cells) > MAX_COLUMNS:
        raise too_many_columns(line)
    for column, cell in enumerate(cells, start=1):
        if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
            raise cell_too_long(line, f"{column_letters(column)}{line}")


def _check_not_empty(sheet: Sheet) -> None:
    if not sheet.header:
        sheet.problems.append(
            Problem(1, _("La prima riga deve contenere i nomi delle colonne, ma è vuota."))
        )
    elif not sheet.count and not sheet.problems:
        sheet.problems.append(
            Problem(
                None,
                _("Il file contiene solo la riga di intestazione: nessuna riga da importare."),
            )
        )
