"""Import bombs (issue 10, #3): files over a limit are refused at once, in Italian, and the file
is read outside the write transaction.

The malicious XLSX files are written by hand with zipfile, as an attacker would.
"""

from __future__ import annotations

import io
import struct
import threading
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterable

import pytest
from django.db import connection

from campanella.interop import services
from campanella.interop.limits import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_UPLOAD_BYTES,
    MAX_XLSX_CELLS,
)
from campanella.interop.models import ImportBatch, ImportStatus
from campanella.interop.services import import_apply
from campanella.interop.tabular import Sheet, read_sheet
from campanella.people.models import Guardian, Student
from campanella.school.models import Subject
from tests.conftest import Cast
from tests.interop.helpers import STUDENT_HEADER, People, csv_bytes, upload, upload_and_apply

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType='
    '"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    f'<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" '
    f'Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>'
    '<sheet name="Alunni" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'<Relationships xmlns="{PACKAGE_RELS}">'
    f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
SHEET_START = f'<worksheet xmlns="{MAIN}"><sheetData>'.encode()
SHEET_END = b"</sheetData></worksheet>"


def handmade_xlsx(rows: Iterable[bytes], shared: Iterable[bytes] = (), *, level: int = 9) -> bytes:
    """An XLSX whose sheet and shared strings are streamed into the zip, never held whole."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/sharedStrings.xml", "w") as part:
            part.write(f'<sst xmlns="{MAIN}">'.encode())
            for chunk in shared:
                part.write(chunk)
            part.write(b"</sst>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(SHEET_START)
            for chunk in rows:
                part.write(chunk)
            part.write(SHEET_END)
    return buffer.getvalue()


def text_cell(text: str) -> bytes:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def header_row() -> bytes:
    return b"<row r='1'>" + b"".join(text_cell(name) for name in STUDENT_HEADER) + b"</row>"


def student_row(line: int, row: dict[str, str]) -> bytes:
    cells = b"".join(text_cell(row.get(name, "")) for name in STUDENT_HEADER)
    return f"<row r='{line}'>".encode() + cells + b"</row>"


def timed(
    read: Callable[[bytes], Sheet], content: bytes, *, memory: bool = True
) -> tuple[Sheet, float, int]:
    """The sheet, the CPU seconds and the peak of memory (bytes) that reading it took.

    CPU time of this process, not the wall clock: the bound is about the work a hostile file
    makes us do, and must not depend on how busy the machine is (parallel tests, CI).
    Watching memory makes reading several times slower: `memory=False` to time it alone.
    """
    if not memory:
        started = time.process_time()
        return read(content), time.process_time() - started, 0
    tracemalloc.start()
    started = time.process_time()
    try:
        sheet = read(content)
        return sheet, time.process_time() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def only_problem(sheet: Sheet) -> str:
    assert sheet.rows == [] or sheet.problems
    assert len(sheet.problems) == 1, sheet.problems
    return sheet.problems[0].message


def snapshot() -> tuple[int, int]:
    return Student.objects.count(), Guardian.objects.count()


# --- XLSX bombs -------------------------------------------------------------------------------


def test_the_issues_10000_by_2000_sheet_is_refused_before_reading_it() -> None:
    row = b"<row>" + b"<c><v>1</v></c>" * 2_000 + b"</row>"
    content = handmade_xlsx(row for _ in range(10_000))  # 300 MB of XML in 0.6 MB
    assert len(content) < 1024 * 1024

    sheet, seconds, peak = timed(read_sheet, content)

    assert "una volta decompresso, supera i 50 MB" in only_problem(sheet)
    assert seconds < 0.5
    assert peak < 5 * 1024 * 1024


def test_one_huge_compressed_cell_is_refused_before_decompressing_it() -> None:
    huge = (b"<si><t>" + b"A" * (1024 * 1024) for _ in range(60))  # one 60 MB string
    content = handmade_xlsx(
        [header_row(), b"<row r='2'><c t='s'><v>0</v></c></row>"],
        shared=[*huge, b"</t></si>"],
    )

    sheet, seconds, peak = timed(read_sheet, content)

    assert "una volta decompresso, supera i 50 MB" in only_problem(sheet)
    assert seconds < 0.5
    assert peak < 5 * 1024 * 1024


def test_a_part_that_lies_about_its_size_is_not_decompressed_beyond_it() -> None:
    content = bytearray(
        handmade_xlsx([header_row(), b"<row r='2'>" + text_cell("A" * 60_000_000) + b"</row>"])
    )
    _declare_size(content, b"xl/worksheets/sheet1.xml", 1_000)  # 60 MB declared as 1 kB

    sheet, seconds, peak = timed(read_sheet, bytes(content))

    assert "danneggiato" in only_problem(sheet)
    assert seconds < 0.5
    assert peak < 5 * 1024 * 1024


def _declare_size(content: bytearray, name: bytes, size: int) -> None:
    """Write `size` as the uncompressed size of part `name`, in both of its zip headers."""
    for signature, size_at, name_length_at, name_at in (
        (b"PK\x03\x04", 22, 26, 30),  # local file header
        (b"PK\x01\x02", 24, 28, 46),  # central directory entry
    ):
        offset = content.find(signature)
        while offset >= 0:
            (length,) = struct.unpack_from("<H", content, offset + name_length_at)
            if content[offset + name_at : offset + name_at + length] == name:
                struct.pack_into("<I", content, offset + size_at, size)
                break
            offset = content.find(signature, offset + 4)
        else:
            raise AssertionError(f"no {signature!r} header for {name!r}")


def test_one_long_cell_under_the_size_limit_is_refused_at_its_first_kilobyte() -> None:
    content = handmade_xlsx([header_row(), b"<row r='2'>" + text_cell("A" * 5_000_000) + b"</row>"])

    sheet, seconds, peak = timed(read_sheet, content)

    assert sheet.problems[0].line == 2
    assert "La cella A2 supera i 1.000 caratteri" in only_problem(sheet)
    assert seconds < 0.5
    assert peak < 2 * 1024 * 1024


def test_a_long_shared_string_is_refused_where_the_sheet_uses_it() -> None:
    content = handmade_xlsx(
        [header_row(), b"<row r='7'><c r='C7' t='s'><v>1</v></c></row>"],
        shared=[b"<si><t>corto</t></si>", b"<si><t>" + b"x" * 2_000 + b"</t></si>"],
    )
    message = only_problem(read_sheet(content))
    assert "La cella C7 supera i 1.000 caratteri" in message


def test_a_sheet_of_2000_columns_is_refused_at_its_first_row() -> None:
    wide = b"<row r='1'>" + text_cell("colonna") * 2_000 + b"</row>"
    content = handmade_xlsx([wide, *(wide.replace(b"'1'", f"'{n}'".encode()) for n in (2, 3))])

    sheet, seconds, _peak = timed(read_sheet, content)

    assert sheet.problems[0].line == 1
    assert f"più di {MAX_COLUMNS} colonne" in only_problem(sheet)
    assert seconds < 0.5


def test_empty_formatted_cells_are_bounded_too() -> None:
    """Reading stops at the limit: what lies a megabyte past it is never parsed.

    The bound is proved by what is read, not by a clock (CPU time swings with the machine):
    700,000 empty cells, then broken XML. A reader that went on past the 600,060th cell would
    meet the broken part and refuse the file as unreadable, not for its cells.
    """
    row = b"<row>" + b"<c s='1'/>" * 1_000 + b"</row>"
    rows = [row] * 700 + [b"<row><c s='1'/><c <<< not xml"] + [row] * 300
    sheet = read_sheet(handmade_xlsx(rows))
    assert f"più di {MAX_XLSX_CELLS:,} celle".replace(",", ".") in only_problem(sheet)


def test_a_handmade_file_within_the_limits_is_read() -> None:
    people = People()
    rows = [people.student_row("1A") for _ in range(3)]
    content = handmade_xlsx(
        [header_row(), *(student_row(line, row) for line, row in enumerate(rows, start=2))]
    )
    sheet = read_sheet(content)
    assert sheet.problems == []
    assert [row.cells[2] for row in sheet.rows] == [row["codice_fiscale"] for row in rows]
    assert "«Alunni»" in sheet.description


# --- CSV and the upload -----------------------------------------------------------------------


def test_csv_over_the_limits_is_refused_at_once() -> None:
    wide = ";".join(["colonna"] * 2_000) + "\r\n"
    assert f"più di {MAX_COLUMNS} colonne" in only_problem(read_sheet((wide * 3).encode()))
    long_cell = "cognome;nome\r\nRossi;" + "A" * (MAX_CELL_CHARS + 1) + "\r\n"
    assert "La cella B2 supera i 1.000 caratteri" in only_problem(read_sheet(long_cell.encode()))
    huge_cell = "cognome;nome\r\nRossi;" + "A" * 200_000 + "\r\n"
    assert "supera i 1.000 caratteri" in only_problem(read_sheet(huge_cell.encode()))


def test_a_file_over_the_upload_limit_is_refused_by_the_service_too() -> None:
    content = b"cognome;nome\r\n" + b"Rossi;Mario\r\n" * (MAX_UPLOAD_BYTES // 13 + 1)
    assert "supera i 10 MB" in only_problem(read_sheet(content))


# --- nothing written --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_bomb_writes_nothing_and_the_batch_says_why(cast: Cast) -> None:
    people = People()
    content = handmade_xlsx(
        [
            header_row(),
            student_row(2, people.student_row("1A")),
            b"<row r='3'>" + text_cell("B" * 100_000) + b"</row>",
        ]
    )
    before = snapshot()
    result = upload_and_apply(cast, content)
    assert result.outcome == "refused"
    assert result.plan is not None
    assert "La cella A3 supera i 1.000 caratteri" in result.plan.problems[0].message
    assert snapshot() == before
    assert ImportBatch.objects.get(pk=result.batch.pk).status == ImportStatus.INVALID


# --- the file is read outside the write transaction ------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_file_is_read_outside_the_transaction_and_others_keep_writing(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the file is read (upload and apply), another connection can write at once.

    Before, the reading happened inside the import's transaction: on SQLite that holds the
    database's write lock (every other write waited, logins included).
    """
    inside_transaction: list[bool] = []
    other_write_seconds: list[float] = []
    writers: list[threading.Thread] = []

    def other_write() -> None:
        try:
            Subject.objects.filter(pk=cast.maths.pk).update(short_name="MAT")
        finally:
            connection.close()

    def watched_read(content: bytes) -> Sheet:
        inside_transaction.append(connection.in_atomic_block)
        writer = threading.Thread(target=other_write)
        started = time.perf_counter()
        writer.start()
        writer.join(timeout=3)
        other_write_seconds.append(time.perf_counter() - started)
        writers.append(writer)
        return read_sheet(content)

    monkeypatch.setattr(services, "read_sheet", watched_read)
    people = People()
    batch = upload(cast, csv_bytes([people.student_row("1A") for _ in range(3)]))
    result = import_apply(batch_id=batch.pk, institute_id=cast.institute.pk, user=cast.office)
    for writer in writers:
        writer.join()

    assert result.applied
    assert Student.objects.filter(enrollments__classroom=cast.classroom_1a).count() >= 3
    assert inside_transaction == [False, False]  # upload, apply
    assert max(other_write_seconds) < 1
