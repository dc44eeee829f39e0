"""Bundles for the OneRoster import tests: our own export, read and rewritten file by file."""

from __future__ import annotations

import csv
import io
import zipfile

from campanella.interop.models import ImportBatch, ImportKind
from campanella.interop.oneroster.bundle import write_bundle
from campanella.interop.oneroster.mapping import Scope, roster_for
from campanella.interop.plan import Plan
from campanella.interop.services import ApplyResult, import_apply, import_upload
from tests.conftest import Cast

Files = dict[str, list[dict[str, str]]]


def exported(cast: Cast) -> bytes:
    """The bundle of the cast's school and year, as the office downloads it."""
    scope = Scope(
        institute_id=cast.institute.pk,
        school_ids=(cast.school.pk,),
        school_year_id=cast.classroom_1a.school_year_id,
    )
    target = io.BytesIO()
    write_bundle(roster_for(scope), target)
    return target.getvalue()


def unpack(content: bytes) -> tuple[Files, dict[str, list[str]]]:
    files: Files = {}
    headers: dict[str, list[str]] = {}
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            rows = list(csv.reader(io.StringIO(archive.read(name).decode("utf-8"))))
            headers[name] = rows[0]
            files[name] = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    return files, headers


def pack(files: Files, headers: dict[str, list[str]]) -> bytes:
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, rows in files.items():
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(headers[name])
            for row in rows:
                writer.writerow([row.get(column, "") for column in headers[name]])
            archive.writestr(name, text.getvalue())
    return target.getvalue()


def manifest_set(files: Files, key: str, value: str) -> None:
    rows = files["manifest.csv"]
    for row in rows:
        if row["propertyName"] == key:
            row["value"] = value
            return
    rows.append({"propertyName": key, "value": value})


def upload(cast: Cast, content: bytes, name: str = "oneroster.zip") -> tuple[ImportBatch, Plan]:
    return import_upload(
        institute_id=cast.institute.pk, user=cast.office, kind=ImportKind.ONEROSTER,
        file_name=name, content=content,
    )  # fmt: skip


def apply(cast: Cast, batch: ImportBatch) -> ApplyResult:
    return import_apply(batch_id=batch.pk, institute_id=cast.institute.pk, user=cast.office)


def problems(plan: Plan) -> list[str]:
    return [problem.message for problem in plan.sorted_problems()]
