"""Read the first sheet of an uploaded XLSX as a stream, checking the limits while reading.

openpyxl, even in read-only mode, loads the whole shared-strings table, builds a row fully
before handing it over and pads rows (and missing rows) to the size the sheet declares: a small
upload could make it decompress gigabytes or build billions of empty cells. Here instead:

- the sizes the zip declares for its parts are checked before anything is decompressed
  (zipfile never decompresses more than a part declares: a part that lies ends in a CRC error);
- each XML part is fed to expat in chunks of 64 KiB, DTDs are refused (no entity expansion),
  and reading stops at the first cell, row or column over a limit (`limits.py`);
- only cells with a value are kept; missing rows and cells cost nothing.

Values come out as openpyxl's `data_only` reading gives them: text, int, float, bool,
datetime for number cells formatted as dates, the cached result of formulas.
"""

from __future__ import annotations

import datetime
import io
import posixpath
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from xml.parsers import expat

from django.utils.translation import gettext as _
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from campanella.interop.limits import (
    DEFAULT_LIMITS,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ZIP_MEMBERS,
    Limits,
    UnreadableFileError,
    cell_too_long,
    too_many_cells,
    too_many_columns,
    too_many_parts,
    uncompressed_too_big,
)

Value = str | int | float | bool | datetime.datetime | datetime.date | datetime.time
RowHandler = Callable[[int, list[Value]], None]
StartHandler = Callable[[str, dict[str, str]], None]
EndHandler = Callable[[str], None]
TextHandler = Callable[[str], None]

CHUNK_BYTES = 64 * 1024
WORKBOOK = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
DATE_FORMAT_IDS = frozenset(i for i, code in BUILTIN_FORMATS.items() if is_date_format(code))


class _TooLong:
    """A shared string over the cell limit: only refused if the first sheet uses it."""


TOO_LONG = _TooLong()


def damaged() -> UnreadableFileError:
    return UnreadableFileError(
        _("Il file .xlsx è danneggiato o non è una cartella di lavoro Excel valida.")
    )


def read_first_sheet(content: bytes, on_row: RowHandler, limits: Limits = DEFAULT_LIMITS) -> str:
    """Call `on_row(line, values)` for each row with a value; return the sheet's name."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            check_archive(archive, limits)
            parts = _Parts.find(archive)
            shared = _shared_strings(archive, parts.shared_strings, limits)
            dates = _date_styles(archive, parts.styles, limits)
            reader = _SheetReader(shared, dates, parts.epoch, on_row, limits)
            _parse(archive, parts.sheet, reader.start, reader.end, reader.text)
            return parts.sheet_name
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError):
        # a broken, encrypted or oddly compressed part
        raise damaged() from None


def check_archive(archive: zipfile.ZipFile, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse by the sizes the zip declares, before decompressing anything."""
    members = archive.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        raise too_many_parts()
    if sum(member.file_size for member in members) > limits.uncompressed_bytes:
        raise uncompressed_too_big(limits)
    names = {member.filename for member in members}
    if WORKBOOK in names:
        return
    if "mimetype" in names:
        raise UnreadableFileError(
            _(
                "Il formato OpenDocument (.ods) non è supportato: in LibreOffice scegliere "
                "«Salva con nome» e il formato Excel 2007-365 (.xlsx) oppure CSV."
            )
        )
    raise UnreadableFileError(_("Il file compresso non è una cartella di lavoro Excel (.xlsx)."))


# --- expat plumbing ---------------------------------------------------------------------------


def _local(name: str) -> str:
    """`{namespace}name` (expat with "}" as separator gives `namespace}name`) → `name`."""
    return name.rpartition("}")[2]


def _refuse_dtd(*_args: object) -> None:
    raise damaged()


def _parse(
    archive: zipfile.ZipFile,
    name: str,
    start: StartHandler,
    end: EndHandler | None = None,
    text: TextHandler | None = None,
) -> None:
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True  # longer, fewer pieces of text (a cell is still cut at 8 KiB)
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    names: dict[str, str] = {}  # namespaced tag → local name, computed once per tag

    def local(tag: str) -> str:
        name = names.get(tag)
        if name is None:
            name = _local(tag)
            if len(names) < 1_000:
                names[tag] = name
        return name

    # Attributes are passed as they are: those read here have no namespace, but r:id.
    parser.StartElementHandler = lambda tag, attrs: start(local(tag), attrs)
    if end is not None:
        parser.EndElementHandler = lambda tag: end(local(tag))
    if text is not None:
        parser.CharacterDataHandler = text
    try:
        with archive.open(name) as member:
            while chunk := member.read(CHUNK_BYTES):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except (expat.ExpatError, KeyError, ValueError):
        raise damaged() from None


# --- workbook, relationships, shared strings, styles ------------------------------------------


@dataclass
class _Parts:
    sheet: str
    sheet_name: str
    shared_strings: str | None
    styles: str | None
    epoch: datetime.datetime

    @classmethod
    def find(cls, archive: zipfile.ZipFile) -> _Parts:
        book = _Workbook()
        _parse(archive, WORKBOOK, book.start)
        relations = _relationships(archive) if WORKBOOK_RELS in archive.namelist() else {}
        if not book.sheet_relation or book.sheet_relation not in relations:
            raise damaged()
        by_type = {kind.rpartition("/")[2]: target for kind, target in relations.values()}
        return cls(
            sheet=relations[book.sheet_relation][1],
            sheet_name=book.sheet_name,
            shared_strings=by_type.get("sharedStrings"),
            styles=by_type.get("styles"),
            epoch=CALENDAR_MAC_1904 if book.date1904 else CALENDAR_WINDOWS_1900,
        )


@dataclass
class _Workbook:
    sheet_relation: str = ""
    sheet_name: str = ""
    date1904: bool = False

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "sheet" and not self.sheet_relation:
            self.sheet_relation = next((v for k, v in attrs.items() if _local(k) == "id"), "")
            self.sheet_name = attrs.get("name", "")[:100]
        elif tag == "workbookPr":
            self.date1904 = attrs.get("date1904", "").lower() in ("1", "true")


def _relationships(archive: zipfile.ZipFile) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, path of the part inside the zip)."""
    relations: dict[str, tuple[str, str]] = {}

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            relations[attrs.get("Id", "")] = (attrs.get("Type", ""), posixpath.normpath(path))

    _parse(archive, WORKBOOK_RELS, start)
    return relations


@dataclass
class _TextCollector:
    """Collects the text of one cell (or shared string), giving up past the limit."""

    parts: list[str] = field(default_factory=list)
    length: int = 0
    active: bool = False

    def add(self, data: str) -> None:
        if self.active:
            self.length += len(data)
            if self.length <= MAX_CELL_CHARS:
                self.parts.append(data)

    def reset(self) -> None:
        self.parts, self.length, self.active = [], 0, False

    @property
    def too_long(self) -> bool:
        return self.length > MAX_CELL_CHARS

    @property
    def value(self) -> str:
        return "".join(self.parts)


def _shared_strings(
    archive: zipfile.ZipFile, path: str | None, limits: Limits
) -> list[str | _TooLong]:
    strings: list[str | _TooLong] = []
    if path is None or path not in archive.namelist():
        return strings
    text = _TextCollector()
    phonetic = 0  # inside <rPh>: the reading aid of East Asian text, not part of the value

    def start(tag: str, _attrs: dict[str, str]) -> None:
        nonlocal phonetic
        if tag == "si":
            text.reset()
        elif tag == "rPh":
            phonetic += 1
        elif tag == "t" and not phonetic:
            text.active = True

    def end(tag: str) -> None:
        nonlocal phonetic
        if tag == "t":
            text.active = False
        elif tag == "rPh":
            phonetic -= 1
        elif tag == "si":
            strings.append(TOO_LONG if text.too_long else text.value)
            if len(strings) > limits.xlsx_cells:
                raise too_many_cells(limits)

    _parse(archive, path, start, end, text.add)
    return strings


def _date_styles(archive: zipfile.ZipFile, path: str | None, limits: Limits) -> frozenset[int]:
    """Indexes of the cell styles whose number format shows a date."""
    if path is None or path not in archive.namelist():
        return frozenset()
    custom: dict[int, str] = {}
    formats: list[int] = []
    in_cell_styles = False

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal in_cell_styles
        if tag == "numFmt":
            custom[_int(attrs.get("numFmtId"))] = attrs.get("formatCode", "")[:MAX_CELL_CHARS]
        elif tag == "cellXfs":
            in_cell_styles = True
        elif tag == "xf" and in_cell_styles:
            formats.append(_int(attrs.get("numFmtId")))
            if len(formats) > limits.xlsx_cells:
                raise too_many_cells(limits)

    def end(tag: str) -> None:
        nonlocal in_cell_styles
        if tag == "cellXfs":
            in_cell_styles = False

    _parse(archive, path, start, end)
    return frozenset(
        index
        for index, format_id in enumerate(formats)
        if format_id in DATE_FORMAT_IDS or is_date_format(custom.get(format_id, ""))
    )


def _int(text: str | None) -> int:
    try:
        return int(text or "0")
    except ValueError:
        raise damaged() from None


# --- the sheet --------------------------------------------------------------------------------


def column_index(reference: str) -> int:
    """ "BC12" → 55 (A is 1)."""
    index = 0
    for char in reference:
        if not "A" <= char <= "Z":
            break
        index = index * 26 + ord(char) - ord("A") + 1
    if index == 0:
        raise damaged()
    return index


def column_letters(index: int) -> str:
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


class _SheetReader:
    """expat handlers for a worksheet: one `on_row` call per row that has a value."""

    def __init__(
        self,
        shared: list[str | _TooLong],
        date_styles: frozenset[int],
        epoch: datetime.datetime,
        on_row: RowHandler,
        limits: Limits,
    ) -> None:
        self.limits = limits
        self.shared = shared
        self.date_styles = date_styles
        self.epoch = epoch
        self.on_row = on_row
        self.line = 0
        self.column = 0
        self.cells: dict[int, Value] = {}
        self.cell_type = ""
        self.cell_style = 0
        self.chars = _TextCollector()
        self.phonetic = 0
        self.seen_cells = 0

    def start(self, tag: str, attrs: Mapping[str, str]) -> None:
        if tag == "row":
            self.line = _int(attrs["r"]) if "r" in attrs else self.line + 1
            self.column = 0
            self.cells = {}
        elif tag == "c":
            self._start_cell(attrs)
        elif tag == "v" or (tag == "t" and not self.phonetic):
            self.chars.active = True
        elif tag == "rPh":
            self.phonetic += 1

    def _start_cell(self, attrs: Mapping[str, str]) -> None:
        self.seen_cells += 1
        if self.seen_cells > self.limits.xlsx_cells:
            raise too_many_cells(self.limits)
        reference = attrs.get("r")
        self.column = column_index(reference) if reference else self.column + 1
        self.cell_type = attrs.get("t", "n")
        self.cell_style = _int(attrs.get("s"))
        self.chars.reset()

    def text(self, data: str) -> None:
        self.chars.add(data)
        if self.chars.too_long:
            raise cell_too_long(self.line, self.where)

    @property
    def where(self) -> str:
        return f"{column_letters(self.column)}{self.line}"

    def end(self, tag: str) -> None:
        if tag in ("v", "t"):
            self.chars.active = False
        elif tag == "rPh":
            self.phonetic -= 1
        elif tag == "c":
            self._end_cell()
        elif tag == "row" and self.cells:
            width = max(self.cells)
            self.on_row(self.line, [self.cells.get(i, "") for i in range(1, width + 1)])

    def _end_cell(self) -> None:
        value = self._value(self.chars.value)
        if value is None or value == "":
            return
        if self.column > MAX_COLUMNS:
            raise too_many_columns(self.line)
        self.cells[self.column] = value

    def _value(self, text: str) -> Value | None:
        kind = self.cell_type
        if kind == "s":
            index = _int(text) if text else len(self.shared)
            shared = self.shared[index] if 0 <= index < len(self.shared) else None
            if shared is TOO_LONG:
                raise cell_too_long(self.line, self.where)
            return shared if isinstance(shared, str) else None
        if kind in ("inlineStr", "str", "e"):
            return text
        if kind == "b":
            return text.strip() == "1" if text else None
        if kind == "d":
            try:
                return datetime.datetime.fromisoformat(text) if text else None
            except ValueError:
                return text
        return self._number(text)

    def _number(self, text: str) -> Value | None:
        if not text:
            return None
        try:
            number: int | float = float(text) if any(c in text for c in ".eE") else int(text)
        except ValueError:
            return text
        if self.cell_style in self.date_styles:
            try:
                return from_excel(number, self.epoch)
            except (ValueError, OverflowError):
                return number
        return number
