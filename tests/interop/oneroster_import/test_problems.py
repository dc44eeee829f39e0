"""Bundles that cannot be imported: each problem in Italian with its file and line, nothing
written; all or nothing when a record is refused at the last moment; delta files."""

from __future__ import annotations

import io
import zipfile

import pytest

from campanella.audit.models import Change
from campanella.interop.models import ImportStatus
from campanella.people.models import Enrollment, ExitReason, Staff, Student
from tests.conftest import Cast
from tests.interop.oneroster_import.helpers import (
    Files,
    apply,
    empty_institute,
    exported,
    for_institute,
    manifest_set,
    pack,
    problems,
    unpack,
    upload,
)
from tests.school.closed_days import close

pytestmark = pytest.mark.django_db


def edited(cast: Cast, change: object) -> bytes:
    files, headers = unpack(exported(cast))
    change(files)  # type: ignore[operator]
    return pack(files, headers)


def refused(cast: Cast, content: bytes) -> list[str]:
    """The bundle's problems; applying it writes nothing."""
    batch, plan = upload(cast, content)
    assert batch.status == ImportStatus.INVALID
    students, changes = Student.objects.count(), Change.objects.count()
    result = apply(cast, batch)
    assert not result.applied
    assert (Student.objects.count(), Change.objects.count()) == (students, changes)
    return problems(plan)


def row_of(files: Files, name: str, **match: str) -> dict[str, str]:
    return next(r for r in files[name] if all(r[k] == v for k, v in match.items()))


def test_a_file_that_is_not_a_zip(cast: Cast) -> None:
    assert refused(cast, b"cognome;nome\nRossi;Mario\n") == [
        "Il file non è un archivio .zip leggibile: caricare l'archivio OneRoster (.zip)."
    ]


def test_bad_manifest(cast: Cast) -> None:
    def older(files: Files) -> None:
        manifest_set(files, "oneroster.version", "1.1")
        manifest_set(files, "file.users", "sometimes")

    found = refused(cast, edited(cast, older))
    assert "manifest.csv: oneroster.version deve essere 1.2 (trovato: «1.1»)." in found
    assert any("file.users deve essere absent, bulk o delta" in p for p in found)


def test_a_declared_file_missing_from_the_archive(cast: Cast) -> None:
    files, headers = unpack(exported(cast))
    del files["roles.csv"]
    found = refused(cast, pack(files, headers))
    assert found == ["manifest.csv: dichiara roles.csv, che non è nell'archivio."]


def test_unknown_school(cast: Cast) -> None:
    def elsewhere(files: Files) -> None:
        row_of(files, "orgs.csv", type="school")["identifier"] = "RMPS99999X"

    found = refused(cast, edited(cast, elsewhere))
    assert any(
        p.startswith("orgs.csv, riga 3: nessuna scuola dell'istituto ha il codice "
                     "meccanografico «RMPS99999X»") for p in found
    )  # fmt: skip


def test_missing_school_year_is_not_invented(cast: Cast) -> None:
    def next_year(files: Files) -> None:
        year = row_of(files, "academicSessions.csv", type="schoolYear")
        start, end = int(year["startDate"][:4]) + 5, int(year["endDate"][:4]) + 5
        year["startDate"], year["endDate"] = f"{start}-09-01", f"{end}-08-31"
        year["schoolYear"] = str(end)

    found = refused(cast, edited(cast, next_year))
    assert any("academicSessions.csv, riga 2: l'anno scolastico dal 01/09/" in p for p in found)


def test_unknown_classroom_year(cast: Cast) -> None:
    def sixth(files: Files) -> None:
        homeroom = row_of(files, "classes.csv", sourcedId=f"class-{cast.classroom_1a.pk}-homeroom")
        homeroom["grades"] = "14"

    found = refused(cast, edited(cast, sixth))
    assert any("classes.csv, riga " in p and "l'anno di corso non è valido" in p for p in found)


def test_broken_csv(cast: Cast) -> None:
    files, headers = unpack(exported(cast))
    content = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(pack(files, headers))) as source,
        zipfile.ZipFile(content, "w") as target,
    ):
        for name in source.namelist():
            data = source.read(name)
            if name == "users.csv":
                data += b'student-999,active,,true,"unterminated\r\n'
            target.writestr(name, data)
    found = refused(cast, content.getvalue())
    assert len(found) == 1 and found[0].startswith("users.csv non è un CSV valido")


def test_row_with_missing_columns(cast: Cast) -> None:
    files, headers = unpack(exported(cast))
    content = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(pack(files, headers))) as source,
        zipfile.ZipFile(content, "w") as target,
    ):
        for name in source.namelist():
            data = source.read(name)
            if name == "orgs.csv":
                data += b"school-77,active\r\n"
            target.writestr(name, data)
    found = refused(cast, content.getvalue())
    assert found == ["orgs.csv, riga 4: la riga ha 2 colonne, l'intestazione 7."]


def test_zip_bomb(cast: Cast) -> None:
    files, headers = unpack(exported(cast))
    content = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(pack(files, headers))) as source,
        zipfile.ZipFile(content, "w", compression=zipfile.ZIP_DEFLATED) as target,
    ):
        for name in source.namelist():
            target.writestr(name, source.read(name))
        target.writestr("padding.csv", b"0" * (60 * 1024 * 1024))
    assert len(content.getvalue()) < 1024 * 1024  # small as uploaded
    found = refused(cast, content.getvalue())
    assert len(found) == 1 and "una volta decompresso, supera i 50 MB" in found[0]


def test_duplicate_sourced_id(cast: Cast) -> None:
    def twice(files: Files) -> None:
        files["users.csv"].append(dict(files["users.csv"][0]))

    found = refused(cast, edited(cast, twice))
    first = 2
    last = first + len(unpack(exported(cast))[0]["users.csv"])
    assert any(
        p.startswith(f"users.csv, riga {last}: il sourcedId «") and f"alla riga {first}" in p
        for p in found
    )


def test_tobedeleted_only_in_delta_files(cast: Cast) -> None:
    def deleted(files: Files) -> None:
        files["enrollments.csv"][0]["status"] = "tobedeleted"

    found = refused(cast, edited(cast, deleted))
    assert found == [
        "enrollments.csv, riga 2: status tobedeleted è ammesso solo in un file delta (il "
        "manifest dice bulk)."
    ]


def test_delta_closes_the_enrolment_and_takes_the_teacher_out_of_service(cast: Cast) -> None:
    teacher = Staff.objects.get(user=cast.teacher)

    def delta(files: Files) -> None:
        manifest_set(files, "file.enrollments", "delta")
        manifest_set(files, "file.users", "delta")
        homeroom = row_of(files, "enrollments.csv",
                          userSourcedId=f"student-{cast.child.pk}",
                          classSourcedId=f"class-{cast.classroom_1a.pk}-homeroom")  # fmt: skip
        homeroom["status"] = "tobedeleted"
        homeroom["endDate"] = cast.classroom_1a.school_year.lessons_end.isoformat()
        row_of(files, "users.csv", sourcedId=f"staff-{teacher.pk}")["status"] = "tobedeleted"

    batch, plan = upload(cast, edited(cast, delta))
    assert problems(plan) == []
    assert apply(cast, batch).applied
    enrollment = Enrollment.objects.get(student=cast.child, classroom=cast.classroom_1a)
    assert enrollment.exit_date == cast.classroom_1a.school_year.lessons_end
    assert enrollment.exit_reason == ExitReason.WITHDRAWAL
    teacher.refresh_from_db()
    assert not teacher.active
    assert Student.objects.filter(pk=cast.child.pk).exists()  # never deleted


def test_all_or_nothing_when_a_day_closes_after_the_preview(cast: Cast) -> None:
    """A new student in 2B and the child leaving 1A: the preview is clean; 1A's year is closed
    by a locked evaluation before the confirmation: nothing at all is written."""
    institute, school, _office = empty_institute(cast)
    newcomer = for_institute(cast, institute, school, exported(cast))
    files, headers = unpack(exported(cast))
    foreign, _h = unpack(newcomer)
    student = next(
        r for r in foreign["users.csv"] if r["sourcedId"] == f"student-{cast.sibling.pk}"
    )
    for row in files["users.csv"]:
        if row["sourcedId"] == student["sourcedId"]:
            row["userIds"] = student["userIds"]
    leaving = row_of(files, "enrollments.csv", userSourcedId=f"student-{cast.child.pk}",
                     classSourcedId=f"class-{cast.classroom_1a.pk}-homeroom")  # fmt: skip
    leaving["endDate"] = cast.classroom_1a.school_year.lessons_end.isoformat()
    cast.sibling.guardianships.all().delete()
    Enrollment.objects.filter(student=cast.sibling).delete()
    batch, plan = upload(cast, pack(files, headers))
    assert problems(plan) == [], problems(plan)
    assert plan.counts()["created"] >= 1 and plan.counts()["updated"] >= 1
    close(cast)
    enrollments, changes = Enrollment.objects.count(), Change.objects.count()
    result = apply(cast, batch)
    assert not result.applied
    assert result.plan is not None
    assert any(p.startswith("enrollments.csv, riga ") for p in problems(result.plan))
    assert (Enrollment.objects.count(), Change.objects.count()) == (enrollments, changes)
    assert Enrollment.objects.get(student=cast.child).exit_date is None
