"""Reading a OneRoster 1.2 CSV bundle for the import: the zip within its limits (a zip bomb is
refused while it is read, whatever its members claim), the manifest, each declared file's
header and its records, with every problem in Italian naming the file and the line.

Nothing here touches the database: the planner (`importing`) checks the records against it.
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Final

from django.utils.translation import gettext as _

from campanella.interop.limits import MAX_CELL_CHARS, MAX_UNCOMPRESSED_BYTES, MAX_UPLOAD_BYTES
from campanella.interop.oneroster.columns import (
    ALL_FILES,
    HEADERS,
    MANIFEST_VERSION,
    ONEROSTER_VERSION,
)
from campanella.interop.tabular import Problem

MAX_BUNDLE_MEMBERS: Final = 50  # the binding has 22 files
MAX_BUNDLE_RECORDS: Final = 200_000  # all files together: ~2,000 students, 12 classes each
CHUNK: Final = 64 * 1024
MODES: Final = ("absent", "bulk", "delta")
# The rostering files the import reads; the grade book (categories, lineItems, results) is not
# imported (grades are written by teachers in the register).
ROSTER_FILES: Final = (
    "orgs", "academicSessions", "courses", "classes", "users", "roles", "enrollments",
)  # fmt: skip
REQUIRED_FILES: Final = ROSTER_FILES
DEMOGRAPHICS_HEADER: Final = ("sourcedId", "status", "dateLastModified", "birthDate", "sex")
READ_HEADERS: Final[dict[str, tuple[str, ...]]] = {
    **{name: HEADERS[name] for name in ROSTER_FILES},
    "demographics": DEMOGRAPHICS_HEADER,
}
ACTIVE: Final = "active"
TO_BE_DELETED: Final = "tobedeleted"


class BundleRefused(Exception):
    """The bundle cannot be read at all; `str()` is the Italian message."""


@dataclass(frozen=True)
class Record:
    """One line of a file: its number (the header is line 1) and its values by column."""

    file: str
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "").strip()

    @property
    def sourced_id(self) -> str:
        return self.get("sourcedId")

    @property
    def status(self) -> str:
        return self.get("status").lower() or ACTIVE

    def where(self) -> str:
        return _("%(file)s.csv, riga %(line)s") % {"file": self.file, "line": self.line}


@dataclass
class Bundle:
    manifest: dict[str, str] = field(default_factory=dict)
    modes: dict[str, str] = field(default_factory=dict)
    files: dict[str, list[Record]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def records(self, name: str) -> list[Record]:
        return self.files.get(name, [])

    def is_delta(self, name: str) -> bool:
        return self.modes.get(name) == "delta"

    @property
    def source_system(self) -> tuple[str, str]:
        return (
            self.manifest.get("source.systemName", "").strip(),
            self.manifest.get("source.systemCode", "").strip(),
        )


def file_problem(name: str, message: str) -> Problem:
    return Problem(None, _("%(file)s.csv: %(message)s") % {"file": name, "message": message})


def record_problem(record: Record, message: str) -> Problem:
    return Problem(None, f"{record.where()}: {message}")


def read_bundle(content: bytes) -> Bundle:
    """The bundle's manifest and roster files, or its problems (then no record is kept)."""
    bundle = Bundle()
    try:
        members = _read_members(content)
    except BundleRefused as refused:
        bundle.problems.append(Problem(None, str(refused)))
        return bundle
    manifest = members.get("manifest.csv")
    if manifest is None:
        bundle.problems.append(
            Problem(None, _("L'archivio non contiene manifest.csv: non è un archivio OneRoster."))
        )
        return bundle
    _read_manifest(bundle, manifest, set(members))
    if bundle.problems:
        return bundle
    total = 0
    for name in READ_HEADERS:
        if bundle.modes.get(name, "absent") == "absent":
            continue
        records = _read_file(bundle, name, members[f"{name}.csv"])
        total += len(records)
        if total > MAX_BUNDLE_RECORDS:
            bundle.problems.append(
                Problem(
                    None,
                    _("L'archivio ha più di %(max)s righe in tutto: dividerlo per scuola.")
                    % {"max": f"{MAX_BUNDLE_RECORDS:,}".replace(",", ".")},
                )
            )
            break
        bundle.files[name] = records
    if bundle.problems:
        bundle.files = {}
    return bundle


def _read_members(content: bytes) -> dict[str, bytes]:
    """Every member of the zip, decompressed within the limits counted on the bytes actually
    produced (the sizes a member declares may lie)."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise BundleRefused(
            _("Il file supera i %(max)s MB: dividerlo in più archivi.")
            % {"max": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise BundleRefused(
            _("Il file non è un archivio .zip leggibile: caricare l'archivio OneRoster (.zip).")
        ) from None
    if len(infos) > MAX_BUNDLE_MEMBERS:
        raise BundleRefused(
            _("L'archivio contiene più di %(max)s file: non è un archivio OneRoster.")
            % {"max": MAX_BUNDLE_MEMBERS}
        )
    members: dict[str, bytes] = {}
    budget = MAX_UNCOMPRESSED_BYTES
    for info in infos:
        if info.is_dir():
            continue
        if info.file_size > budget:
            raise _too_big()
        try:
            data = _read_member(archive, info, budget)
        except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError):
            raise BundleRefused(
                _(
                    "Il file %(name)s dell'archivio non si può leggere (archivio danneggiato "
                    "o cifrato)."
                )
                % {"name": info.filename}
            ) from None
        budget -= len(data)
        members[info.filename] = data
    return members


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    with archive.open(info) as stream:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > budget:
                raise _too_big()
            parts.append(chunk)
    return b"".join(parts)


def _too_big() -> BundleRefused:
    return BundleRefused(
        _(
            "L'archivio, una volta decompresso, supera i %(max)s MB: è troppo grande per "
            "un'importazione (o non è un normale archivio OneRoster)."
        )
        % {"max": MAX_UNCOMPRESSED_BYTES // (1024 * 1024)}
    )


def _rows(name: str, data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BundleRefused(
            _("%(file)s.csv non è in UTF-8, la codifica richiesta da OneRoster.") % {"file": name}
        ) from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as error:
        raise BundleRefused(
            _("%(file)s.csv non è un CSV valido (%(error)s).") % {"file": name, "error": error}
        ) from None
    return rows


def _read_manifest(bundle: Bundle, data: bytes, present: set[str]) -> None:
    try:
        rows = _rows("manifest", data)
    except BundleRefused as refused:
        bundle.problems.append(Problem(None, str(refused)))
        return
    if not rows or [cell.strip() for cell in rows[0][:2]] != ["propertyName", "value"]:
        bundle.problems.append(
            file_problem("manifest", _("l'intestazione deve essere «propertyName,value».")),
        )
        return
    for row in rows[1:]:
        if len(row) >= 2 and row[0].strip():
            bundle.manifest[row[0].strip()] = row[1].strip()
    expected = {"manifest.version": MANIFEST_VERSION, "oneroster.version": ONEROSTER_VERSION}
    for key, value in expected.items():
        found = bundle.manifest.get(key, "")
        if found != value:
            bundle.problems.append(
                file_problem(
                    "manifest",
                    _("%(key)s deve essere %(value)s (trovato: «%(found)s»).")
                    % {"key": key, "value": value, "found": found},
                )
            )
    for name in ALL_FILES:
        mode = bundle.manifest.get(f"file.{name}", "absent").lower() or "absent"
        if mode not in MODES:
            bundle.problems.append(
                file_problem(
                    "manifest",
                    _("file.%(name)s deve essere absent, bulk o delta (trovato: «%(mode)s»).")
                    % {"name": name, "mode": mode},
                )
            )
            continue
        bundle.modes[name] = mode
        if mode != "absent" and f"{name}.csv" not in present:
            bundle.problems.append(
                file_problem(
                    "manifest",
                    _("dichiara %(name)s.csv, che non è nell'archivio.") % {"name": name},
                )
            )
    for name in REQUIRED_FILES:
        if bundle.modes.get(name, "absent") == "absent":
            bundle.problems.append(
                file_problem(
                    "manifest",
                    _(
                        "file.%(name)s è absent: l'importazione dell'anagrafica richiede "
                        "%(name)s.csv."
                    )
                    % {"name": name},
                )
            )


def _read_file(bundle: Bundle, name: str, data: bytes) -> list[Record]:
    try:
        rows = _rows(name, data)
    except BundleRefused as refused:
        bundle.problems.append(Problem(None, str(refused)))
        return []
    if not rows:
        bundle.problems.append(file_problem(name, _("il file è vuoto (manca l'intestazione).")))
        return []
    header = [cell.strip() for cell in rows[0]]
    missing = [column for column in READ_HEADERS[name] if column not in header]
    if missing or header[:3] != ["sourcedId", "status", "dateLastModified"]:
        bundle.problems.append(
            file_problem(
                name,
                _(
                    "l'intestazione non è quella di OneRoster 1.2: deve iniziare con "
                    "sourcedId,status,dateLastModified e avere le colonne %(columns)s."
                )
                % {"columns": ", ".join(missing or READ_HEADERS[name][:3])},
            )
        )
        return []
    records: list[Record] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = _("%(file)s.csv, riga %(line)s") % {"file": name, "line": index}
        if len(row) != len(header):
            bundle.problems.append(
                Problem(
                    None,
                    _("%(where)s: la riga ha %(found)s colonne, l'intestazione %(expected)s.")
                    % {"where": where, "found": len(row), "expected": len(header)},
                )
            )
            continue
        if any(len(cell) > MAX_CELL_CHARS for cell in row):
            bundle.problems.append(
                Problem(
                    None,
                    _("%(where)s: un valore supera i %(max)s caratteri.")
                    % {"where": where, "max": MAX_CELL_CHARS},
                )
            )
            continue
        record = Record(name, index, dict(zip(header, row, strict=True)))
        _check_record(bundle, record, seen)
        records.append(record)
    return records


def _check_record(bundle: Bundle, record: Record, seen: dict[str, int]) -> None:
    if not record.sourced_id:
        bundle.problems.append(record_problem(record, _("manca il sourcedId.")))
        return
    previous = seen.setdefault(record.sourced_id, record.line)
    if previous != record.line:
        bundle.problems.append(
            record_problem(
                record,
                _("il sourcedId «%(id)s» compare già alla riga %(line)s.")
                % {"id": record.sourced_id, "line": previous},
            )
        )
    if record.status not in (ACTIVE, TO_BE_DELETED):
        bundle.problems.append(
            record_problem(
                record,
                _("status deve essere active o tobedeleted (trovato: «%(status)s»).")
                % {"status": record.get("status")},
            )
        )
    elif record.status == TO_BE_DELETED and not bundle.is_delta(record.file):
        bundle.problems.append(
            record_problem(
                record,
                _("status tobedeleted è ammesso solo in un file delta (il manifest dice bulk)."),
            )
        )
