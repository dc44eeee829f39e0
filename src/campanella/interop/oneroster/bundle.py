"""The OneRoster 1.2 CSV bundle: a zip with manifest.csv and one CSV per collection at its root,
UTF-8 with a header row, written row by row into a temporary file (memory stays flat whatever
the school's size) and handed back rewound, ready to be streamed."""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from collections.abc import Iterable
from typing import IO

from campanella.interop.oneroster import mapping
from campanella.interop.oneroster.columns import (
    ALL_FILES,
    HEADERS,
    MANIFEST_VERSION,
    ONEROSTER_VERSION,
    SYSTEM_NAME,
    WRITTEN,
)


def file_name(roster: mapping.Roster) -> str:
    return f"oneroster-{roster.institute.code}-{roster.school_year.name.replace('/', '-')}.zip"


def _write_csv(archive: zipfile.ZipFile, name: str, header: tuple[str, ...],
               records: Iterable[dict[str, str]]) -> int:  # fmt: skip
    """One file of the bundle; returns how many records it holds."""
    count = 0
    with archive.open(f"{name}.csv", "w") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(header)
        for record in records:
            writer.writerow([record.get(column, "") for column in header])
            count += 1
        text.flush()
        text.detach()
    return count


def _manifest(present: set[str], system_code: str) -> list[tuple[str, str]]:
    rows = [("manifest.version", MANIFEST_VERSION), ("oneroster.version", ONEROSTER_VERSION)]
    rows += [(f"file.{name}", "bulk" if name in present else "absent") for name in ALL_FILES]
    rows += [("source.systemName", SYSTEM_NAME), ("source.systemCode", system_code)]
    return rows


def write_bundle(roster: mapping.Roster, target: IO[bytes]) -> dict[str, int]:
    """The bundle into `target`; returns the records written per file."""
    counts: dict[str, int] = {}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in WRITTEN:
            counts[name] = _write_csv(
                archive, name, HEADERS[name], mapping.COLLECTIONS[name](roster)
            )
        manifest = [{"propertyName": key, "value": value}
                    for key, value in _manifest(set(counts), roster.institute.code)]  # fmt: skip
        _write_csv(archive, "manifest", ("propertyName", "value"), manifest)
    return counts


def bundle_file(scope: mapping.Scope) -> tuple[IO[bytes], str]:
    """The bundle of `scope` in a temporary file (deleted when closed), rewound, and its name."""
    roster = mapping.roster_for(scope)
    target = tempfile.TemporaryFile()  # noqa: SIM115 - the caller streams and closes it
    write_bundle(roster, target)
    target.seek(0)
    return target, file_name(roster)
