"""How big an import file may be, and the Italian messages that refuse one that is bigger.

Sized for the largest school Campanella expects (about 2,000 students, each with two guardians
on the same row) with a wide margin, and small enough that the largest accepted file is read
and checked in a few seconds and a few hundred megabytes at most. A file over any limit is
refused as soon as the limit is passed, before the rest of it is read.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # the file as uploaded (CSV, or XLSX compressed)
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024  # every member of an XLSX, decompressed
MAX_ZIP_MEMBERS = 1_000  # parts of an XLSX (Excel writes about ten)
MAX_ROWS = 10_000  # data rows, blank rows not counted
MAX_COLUMNS = 60  # the widest template (students) has 20 columns
MAX_CELL_CHARS = 1_000  # characters in one cell
MAX_XLSX_CELLS = (MAX_ROWS + 1) * MAX_COLUMNS  # cells of a sheet, empty formatted ones included
MAX_SAMPLE_CHARS = 64 * 1024  # the start of a CSV looked at to guess its separator


class UnreadableFileError(Exception):
    """The file cannot be imported at all; `str()` is the Italian message, `line` where."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def upload_too_big() -> UnreadableFileError:
    return UnreadableFileError(
        _("Il file supera i %(max)s MB: dividerlo in più file.")
        % {"max": MAX_UPLOAD_BYTES // (1024 * 1024)}
    )


def uncompressed_too_big() -> UnreadableFileError:
    return UnreadableFileError(
        _(
            "Il file .xlsx, una volta decompresso, supera i %(max)s MB: è troppo grande per "
            "un'importazione (o non è un normale file di Excel). Salvarlo come CSV oppure "
            "dividerlo in più file."
        )
        % {"max": MAX_UNCOMPRESSED_BYTES // (1024 * 1024)}
    )


def too_many_parts() -> UnreadableFileError:
    return UnreadableFileError(
        _(
            "Il file .xlsx contiene più di %(max)s parti: non è un normale file di Excel. "
            "Salvarlo di nuovo da Excel o LibreOffice, oppure come CSV."
        )
        % {"max": _number(MAX_ZIP_MEMBERS)}
    )


def too_many_rows() -> UnreadableFileError:
    return UnreadableFileError(
        _("Il file ha più di %(max)s righe: dividerlo in più file.") % {"max": _number(MAX_ROWS)}
    )


def too_many_cells() -> UnreadableFileError:
    return UnreadableFileError(
        _(
            "Il foglio ha più di %(max)s celle (contando anche quelle vuote ma formattate): "
            "copiare solo le righe e le colonne da importare in un nuovo file."
        )
        % {"max": _number(MAX_XLSX_CELLS)}
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
