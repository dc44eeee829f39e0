"""How big an import file may be, and the Italian messages that refuse one that is bigger.

Sized for the largest school Campanella expects (about 2,000 students, each with two guardians
on the same row) with a wide margin, and small enough that the largest accepted file is read
and checked in a few seconds and a few hundred megabytes at most. A file over any limit is
refused as soon as the limit is passed, before the rest of it is read.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # the file as uploaded (CSV, or XLSX compressed)
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024  # every member of an XLSX, decompressed
MAX_ZIP_MEMBERS = 1_000  # parts of an XLSX (Excel writes about ten)
MAX_ROWS = 10_000  # data rows, blank rows not counted
MAX_COLUMNS = 60  # the widest template (students) has 20 columns
MAX_CELL_CHARS = 1_000  # characters in one cell
MAX_XLSX_CELLS = (MAX_ROWS + 1) * MAX_COLUMNS  # cells of a sheet, empty formatted ones included
MAX_SAMPLE_CHARS = 64 * 1024  # the start of a CSV looked at to guess its separator


@dataclass(frozen=True)
class Limits:
    """The limits of one kind of import (those above unless the kind needs more)."""

    upload_bytes: int = MAX_UPLOAD_BYTES
    uncompressed_bytes: int = MAX_UNCOMPRESSED_BYTES
    rows: int = MAX_ROWS

    @property
    def xlsx_cells(self) -> int:
        return (self.rows + 1) * MAX_COLUMNS


DEFAULT_LIMITS = Limits()
# Attendance events are many: a year of a school of 2,000 students is about 100,000 of them
# (issue 15). The file is read as a stream and planned a chunk of days at a time, so a bigger
# file costs time, not memory.
ATTENDANCE_LIMITS = Limits(
    upload_bytes=50 * 1024 * 1024, uncompressed_bytes=250 * 1024 * 1024, rows=200_000
)


class UnreadableFileError(Exception):
    """The file cannot be imported at all; `str()` is the Italian message, `line` where."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def upload_too_big(limits: Limits = DEFAULT_LIMITS) -> UnreadableFileError:
    return UnreadableFileError(
        _("Il file supera i %(max)s MB: dividerlo in più file.")
        % {"max": limits.upload_bytes // (1024 * 1024)}
    )


def uncompressed_too_big(limits: Limits = DEFAULT_LIMITS) -> UnreadableFileError:
    return UnreadableFileError(
        _(
            "Il file .xlsx, una volta decompresso, supera i %(max)s MB: è troppo grande per "
            "un'importazione (o non è un normale file di Excel). Salvarlo come CSV oppure "
            "dividerlo in più file."
        )
        % {"max": limits.uncompressed_bytes // (1024 * 1024)}
    )


def too_many_parts() -> UnreadableFileError:
    return UnreadableFileError(
        _(
            "Il file .xlsx contiene più di %(max)s parti: non è un normale file di Excel. "
            "Salvarlo di nuovo da Excel o LibreOffice, oppure come CSV."
        )
        % {"max": _number(MAX_ZIP_MEMBERS)}
    )


def too_many_rows(limits: Limits = DEFAULT_LIMITS) -> UnreadableFileError:
    return UnreadableFileError(
        _("Il file ha più di %(max)s righe: dividerlo in più file.") % {"max": _number(limits.rows)}
    )


def too_many_cells(limits: Limits = DEFAULT_LIMITS) -> UnreadableFileError:
    return UnreadableFileError(
        _(
            "Il foglio ha più di %(max)s celle (contando anche quelle vuote ma formattate): "
            "copiare solo le righe e le colonne da importare in un nuovo file."
        )
        % {"max": _number(limits.xlsx_cells)}
    )


def too_many_columns(line: int) -> UnreadableFileError:
    return UnreadableFileError(
        _(
            "La riga ha più di %(max)s colonne: il file deve avere solo le colonne del modello "
            "(le colonne in più vanno cancellate)."
        )
        % {"max": MAX_COLUMNS},
        line,
    )


def cell_too_long(line: int, where: str) -> UnreadableFileError:
    return UnreadableFileError(
        _(
            "La cella %(where)s supera i %(max)s caratteri: nessun dato da importare è così "
            "lungo. Controllare il contenuto della cella."
        )
        % {"where": where, "max": _number(MAX_CELL_CHARS)},
        line,
    )


def limits_for(kind: str) -> Limits:
    """The limits of an import kind (its `ImportKind` value)."""
    from campanella.interop.models import ImportKind

    return ATTENDANCE_LIMITS if kind == ImportKind.ATTENDANCE else DEFAULT_LIMITS
