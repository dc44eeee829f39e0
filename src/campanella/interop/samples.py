"""Downloadable templates: the Italian column names and one example row, as CSV and as XLSX."""

from __future__ import annotations

import codecs
import csv
import datetime
import io
from typing import Any

from django.utils.translation import gettext as _

from campanella.interop.columns import COLUMNS, Column
from campanella.interop.models import ImportKind
from campanella.lib.spreadsheets import append_row, write_csv_row

DATE_COLUMNS = frozenset({"data_nascita", "data_ingresso", "data", "giustificata_il"})
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def template_name(kind: str, extension: str) -> str:
    return f"modello-{kind}.{extension}"


def template_columns(kind: str) -> tuple[Column, ...]:
    """The columns of a template: those imported (not those only accepted back)."""
    return tuple(column for column in COLUMNS[kind] if not column.ignored)


def template_csv(kind: str) -> bytes:
    """UTF-8 with BOM and semicolons: what Excel in Italian opens correctly with a double click."""
    columns = template_columns(kind)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    write_csv_row(writer, (column.name for column in columns))
    write_csv_row(writer, (column.example for column in columns))
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def template_xlsx(kind: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    columns = template_columns(kind)
    workbook = Workbook()
    data = workbook.active
    data.title = str(ImportKind(kind).label)[:31]
    append_row(data, [column.name for column in columns])
    append_row(data, [_example_cell(column) for column in columns])
    for index, column in enumerate(columns, start=1):
        header = data.cell(row=1, column=index)
        header.font = Font(bold=True)
        example = data.cell(row=2, column=index)
        example.number_format = "DD/MM/YYYY" if column.name in DATE_COLUMNS else "@"
        letter = header.column_letter
        data.column_dimensions[letter].width = max(
            14, len(column.name) + 2, len(column.example) + 2
        )
    data.freeze_panes = "A2"
    _instructions(workbook.create_sheet(_("Istruzioni")), columns)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _example_cell(column: Column) -> str | datetime.date:
    if column.name in DATE_COLUMNS and column.example:
        day, month, year = (int(part) for part in column.example.split("/"))
        return datetime.date(year, month, day)
    return column.example


def _instructions(sheet: Any, columns: tuple[Column, ...]) -> None:
    from openpyxl.styles import Font

    rows = [
        [
            _(
                "Il primo foglio contiene i dati: la prima riga ha i nomi delle colonne, poi una "
                "riga per ogni persona, cattedra, voto o evento da importare."
            )
        ],
        [_("La riga di esempio va cancellata prima dell'importazione.")],
        [],
        [_("Colonna"), _("Obbligatoria"), _("Descrizione")],
        *[[c.name, _("sì") if c.required else _("no"), str(c.help)] for c in columns],
    ]
    for row in rows:
        append_row(sheet, row)
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["C"].width = 90
