"""Building import files (CSV and XLSX) with valid, fictitious people for the interop tests."""

from __future__ import annotations

import csv
import datetime
import io
import random
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook

from campanella.interop.columns import COLUMNS
from campanella.interop.models import ImportBatch, ImportKind
from campanella.interop.services import ApplyResult, import_apply, import_upload
from campanella.lib.fake_people import FakePerson, fake_person
from tests.conftest import Cast

STUDENT_HEADER = [column.name for column in COLUMNS[ImportKind.STUDENTS]]
STAFF_HEADER = [column.name for column in COLUMNS[ImportKind.STAFF]]
TEACHING_HEADER = [column.name for column in COLUMNS[ImportKind.TEACHINGS]]
GRADE_HEADER = [c.name for c in COLUMNS[ImportKind.GRADES] if not c.ignored]
ATTENDANCE_HEADER = [c.name for c in COLUMNS[ImportKind.ATTENDANCE] if not c.ignored]


class People:
    """Fictitious people with valid codici fiscali, never the same code twice."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.used: set[str] = set()

    def person(self, born: tuple[int, int], surname: str | None = None) -> FakePerson:
        while True:
            candidate = fake_person(
                self.rng,
                born_between=(datetime.date(born[0], 1, 1), datetime.date(born[1], 12, 31)),
                surname=surname,
            )
            if candidate.codice_fiscale not in self.used:
                self.used.add(candidate.codice_fiscale)
                return candidate

    def student_row(
        self, classe: str = "1A", guardians: int = 1, **overrides: str
    ) -> dict[str, str]:
        child = self.person((2009, 2012))
        row = {
            "cognome": child.surname,
            "nome": child.name,
            "codice_fiscale": child.codice_fiscale,
            "data_nascita": child.birth_date.strftime("%d/%m/%Y"),
            "sesso": child.sex,
            "luogo_nascita": child.birth_place,
            "classe": classe,
        }
        for rank in range(1, guardians + 1):
            row.update(self.guardian_columns(rank, self.person((1965, 1985), child.surname)))
        row.update(overrides)
        return row

    def guardian_columns(self, rank: int, parent: FakePerson) -> dict[str, str]:
        prefix = f"genitore{rank}_"
        return {
            f"{prefix}cognome": parent.surname,
            f"{prefix}nome": parent.name,
            f"{prefix}codice_fiscale": parent.codice_fiscale,
            f"{prefix}email": parent.email,
            f"{prefix}telefono": parent.phone,
        }

    def staff_row(self, ruoli: str = "docente", **overrides: str) -> dict[str, str]:
        person = self.person((1960, 1990))
        row = {
            "cognome": person.surname,
            "nome": person.name,
            "codice_fiscale": person.codice_fiscale,
            "email": person.email,
            "ruoli": ruoli,
        }
        row.update(overrides)
        return row


def csv_bytes(
    rows: Iterable[dict[str, str]],
    header: Sequence[str] = STUDENT_HEADER,
    *,
    delimiter: str = ";",
    encoding: str = "utf-8",
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[Any]], *, extra_sheet: bool = False) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    if extra_sheet:
        workbook.create_sheet("Altro").append(["da", "ignorare"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(cast: Cast, content: bytes, kind: str = ImportKind.STUDENTS) -> ImportBatch:
    batch, _plan = import_upload(
        institute_id=cast.institute.pk,
        user=cast.office,
        kind=kind,
        file_name=f"prova.{'xlsx' if content.startswith(b'PK') else 'csv'}",
        content=content,
    )
    return batch


def upload_and_apply(cast: Cast, content: bytes, kind: str = ImportKind.STUDENTS) -> ApplyResult:
    batch = upload(cast, content, kind)
    return import_apply(batch_id=batch.pk, institute_id=cast.institute.pk, user=cast.office)


def messages(result: ApplyResult) -> list[str]:
    assert result.plan is not None
    return [f"{p.line}: {p.message}" for p in result.plan.sorted_problems()]
