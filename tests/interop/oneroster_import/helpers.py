"""Bundles for the OneRoster import tests: our own export, read and rewritten file by file."""

from __future__ import annotations

import csv
import io
import zipfile

from campanella.interop.models import ImportBatch, ImportKind
from campanella.interop.oneroster.bundle import write_bundle
from campanella.interop.oneroster.importing_read import DEMOGRAPHICS_HEADER
from campanella.interop.oneroster.mapping import Scope, roster_for
from campanella.interop.plan import Plan
from campanella.interop.services import ApplyResult, import_apply, import_upload
from campanella.people.models import Student, User
from campanella.school.models import Institute, School, Term
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


def upload(cast: Cast, content: bytes, name: str = "oneroster.zip",
           office: User | None = None) -> tuple[ImportBatch, Plan]:  # fmt: skip
    user = office or cast.office
    return import_upload(
        institute_id=user.staff_profile.institute_id, user=user, kind=ImportKind.ONEROSTER,
        file_name=name, content=content,
    )  # fmt: skip


def apply(cast: Cast, batch: ImportBatch, office: User | None = None) -> ApplyResult:
    user = office or cast.office
    return import_apply(batch_id=batch.pk, institute_id=batch.institute_id, user=user)


def problems(plan: Plan) -> list[str]:
    return [problem.message for problem in plan.sorted_problems()]


def empty_institute(cast: Cast) -> tuple[Institute, School, User]:
    """The cast's other institute, with a school of the same kind and the same school year and
    term (dates), and no roster at all; its office's user."""
    from tests import factories as f

    office = cast.foreign_office
    institute = office.staff_profile.institute
    school = f.SchoolFactory(institute=institute, name="Liceo vuoto", kind=cast.school.kind)
    source = cast.classroom_1a.school_year
    year = f.SchoolYearFactory(
        institute=institute, start_date=source.start_date, end_date=source.end_date,
        lessons_start=source.lessons_start, lessons_end=source.lessons_end,
    )  # fmt: skip
    for term in Term.objects.filter(school_year=source, school=cast.school):
        f.TermFactory(school_year=year, school=school, number=term.number, kind=term.kind,
                      start_date=term.start_date, end_date=term.end_date)  # fmt: skip
    return institute, school, office


def for_institute(cast: Cast, institute: Institute, school: School, content: bytes,
                  *, identity: bool = True) -> bytes:  # fmt: skip
    """Our export, its organisations renamed to the other institute's codes; with `identity`
    the students' codice fiscale in userIds ({CF:…}) and their birth date and sex in
    demographics.csv, as a back-office's bundle carries them (ours leaves them out)."""
    files, headers = unpack(content)
    for row in files["orgs.csv"]:
        row["identifier"] = institute.code if row["type"] == "district" else school.code
    if identity:
        students = {f"student-{s.pk}": s for s in Student.objects.filter(institute=cast.institute)}
        demographics = []
        for row in files["users.csv"]:
            student = students.get(row["sourcedId"])
            if student is not None:
                row["userIds"] = f"{{CF:{student.codice_fiscale}}}"
                demographics.append({
                    "sourcedId": row["sourcedId"], "status": "active",
                    "birthDate": student.birth_date.isoformat(),
                    "sex": "male" if student.sex == "M" else "female",
                })  # fmt: skip
        files["demographics.csv"] = demographics
        headers["demographics.csv"] = list(DEMOGRAPHICS_HEADER)
        manifest_set(files, "file.demographics", "bulk")
    return pack(files, headers)
