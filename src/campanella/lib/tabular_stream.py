"""Tables written as they are read, for the exports to the back-office: CSV and JSON in chunks
a streaming response sends as they come, XLSX row by row to a temporary file. Memory stays flat
whatever the number of rows."""

from __future__ import annotations

import codecs
import csv
import io
import json
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Final

from campanella.lib.spreadsheets import write_csv_row

CHUNK: Final = 2000
CONTENT_TYPES: Final = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class _Line:
    """A csv writer's target that hands back what was written since the last call."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()

    def write(self, text: str) -> int:
        return self.buffer.write(text)

    def take(self) -> bytes:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text.encode("utf-8")


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[bytes]:
    """UTF-8 with BOM and semicolons (what Excel in Italian opens), header first, in chunks."""
    line = _Line()
    writer = csv.writer(line, delimiter=";", lineterminator="\r\n")
    write_csv_row(writer, header)
    yield codecs.BOM_UTF8 + line.take()
    for count, row in enumerate(rows, start=1):
        write_csv_row(writer, row)
        if count % CHUNK == 0:
            yield line.take()
    yield line.take()


def json_chunks(objects: Iterable[dict[str, object]]) -> Iterator[bytes]:
    """A JSON array of objects, written as they are read."""
    yield b"["
    separator = b"\n"
    parts: list[bytes] = []
    for item in objects:
        parts.append(separator + json.dumps(item, ensure_ascii=False).encode())
        separator = b",\n"
        if len(parts) == CHUNK:
            yield b"".join(parts)
            parts = []
    parts.append(b"\n]\n")
    yield b"".join(parts)


def xlsx_file(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, sheet_name: str
) -> IO[bytes]:
    """An Excel workbook streamed row by row to a temporary file (XlsxWriter's constant-memory
    mode), returned rewound. Text is always written as text: a cell that starts with "=" is
    never a formula, a code never turns into a number or a link."""
    import xlsxwriter

    target = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it once sent
    workbook = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    sheet = workbook.add_worksheet(sheet_name)
    sheet.write_row(0, 0, header)
    for number, row in enumerate(rows, start=1):
        sheet.write_row(number, 0, row)
    workbook.close()
    target.seek(0)
    return target
