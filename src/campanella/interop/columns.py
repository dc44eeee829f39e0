"""The columns of each kind of import, and the check of a file's header against them.

Column names are matched loosely (case, accents, spaces, underscores and dashes do not matter, a
few common aliases are accepted), so "Codice Fiscale" and "codice_fiscale" are the same column.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campanella.interop.models import ImportKind
from campanella.interop.tabular import Cell, Problem, SheetRow


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    help: str | Promise
    example: str = ""


def _guardian_columns(rank: int, example: dict[str, str]) -> tuple[Column, ...]:
    who = gettext_lazy("genitore 1") if rank == 1 else gettext_lazy("genitore 2")
    return (
        Column(f"genitore{rank}_cognome", False, who, example.get("cognome", "")),
        Column(f"genitore{rank}_nome", False, who, example.get("nome", "")),
        Column(
            f"genitore{rank}_codice_fiscale",
            False,
            gettext_lazy("Obbligatorio se si indica il genitore: serve a riconoscerlo."),
            example.get("codice_fiscale", ""),
        ),
        Column(
            f"genitore{rank}_email", False, gettext_lazy("Facoltativo."), example.get("email", "")
        ),
        Column(
            f"genitore{rank}_telefono",
            False,
            gettext_lazy("Facoltativo."),
            example.get("telefono", ""),
        ),
    )


# Example people: fictitious, with valid codici fiscali (a row left in the file is refused).
EXAMPLE_STUDENT_CF = "RSSMRA11E10F257Y"
EXAMPLE_GUARDIAN_CF = "RSSPLA80A01F257F"
EXAMPLE_TEACHER_CF = "BNCLRA75C45H501X"
EXAMPLE_CODES = frozenset({EXAMPLE_STUDENT_CF, EXAMPLE_GUARDIAN_CF, EXAMPLE_TEACHER_CF})

CLASSROOM_HELP = gettext_lazy(
    "Anno e sezione della classe di quest'anno scolastico, es. 1A o 1ª A; con l'indirizzo se "
    "serve, es. 1A Informatica."
)
TRACK_HELP = gettext_lazy("Facoltativo: l'indirizzo di studio, se la classe da sola è ambigua.")
SCHOOL_HELP = gettext_lazy(
    "Facoltativo: il codice meccanografico della scuola (plesso), se la classe da sola è ambigua."
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    ImportKind.STUDENTS: (
        Column("cognome", True, gettext_lazy("Cognome dell'alunno."), "Rossi"),
        Column("nome", True, gettext_lazy("Nome dell'alunno."), "Mario"),
        Column(
            "codice_fiscale", True, gettext_lazy("Codice fiscale dell'alunno."), EXAMPLE_STUDENT_CF
        ),
        Column(
            "data_nascita",
            True,
            gettext_lazy("gg/mm/aaaa; si accettano anche aaaa-mm-gg e le date di Excel."),
            "10/05/2011",
        ),
        Column("sesso", True, gettext_lazy("M o F."), "M"),
        Column("luogo_nascita", False, gettext_lazy("Facoltativo."), "Modena"),
        Column("classe", True, CLASSROOM_HELP, "1A"),
        Column("indirizzo", False, TRACK_HELP, ""),
        Column("plesso", False, SCHOOL_HELP, ""),
        Column(
            "data_ingresso",
            False,
            gettext_lazy(
                "Facoltativo: data di ingresso nella classe. Se vuota: l'inizio delle lezioni, "
                "oppure oggi se le lezioni sono già iniziate."
            ),
            "",
        ),
        *_guardian_columns(
            1,
            {
                "cognome": "Rossi",
                "nome": "Paolo",
                "codice_fiscale": EXAMPLE_GUARDIAN_CF,
                "email": "paolo.rossi@example.org",
                "telefono": "333 1234567",
            },
        ),
        *_guardian_columns(2, {}),
    ),
    ImportKind.STAFF: (
        Column("cognome", True, gettext_lazy("Cognome."), "Bianchi"),
        Column("nome", True, gettext_lazy("Nome."), "Laura"),
        Column("codice_fiscale", True, gettext_lazy("Codice fiscale."), EXAMPLE_TEACHER_CF),
        Column("email", False, gettext_lazy("Facoltativo."), "laura.bianchi@example.org"),
        Column(
            "ruoli",
            True,
            gettext_lazy(
                "docente, segreteria, dirigente; più ruoli separati da virgola o +, "
                "es. docente+segreteria."
            ),
            "docente",
        ),
    ),
    ImportKind.TEACHINGS: (
        Column(
            "docente_codice_fiscale",
            True,
            gettext_lazy("Codice fiscale di un docente già presente nel personale."),
            EXAMPLE_TEACHER_CF,
        ),
        Column("classe", True, CLASSROOM_HELP, "1A"),
        Column("plesso", False, SCHOOL_HELP, ""),
        Column("indirizzo", False, TRACK_HELP, ""),
        Column(
            "materia",
            True,
            gettext_lazy("Nome o abbreviazione di una materia del quadro orario della classe."),
            "Matematica",
        ),
        Column(
            "tipo",
            False,
            gettext_lazy("curricolare (se vuoto), sostegno o compresenza."),
            "curricolare",
        ),
        Column(
            "alunno_codice_fiscale",
            False,
            gettext_lazy("Solo per il sostegno: il codice fiscale dell'alunno seguito."),
            "",
        ),
    ),
}

ALIASES = {
    "cf": "codice_fiscale",
    "codicefiscale": "codice_fiscale",
    "datadinascita": "data_nascita",
    "luogodinascita": "luogo_nascita",
    "datadiingresso": "data_ingresso",
    "genere": "sesso",
    "mail": "email",
    "ruolo": "ruoli",
    "docentecf": "docente_codice_fiscale",
    "alunnocf": "alunno_codice_fiscale",
}
SEPARATOR_CANDIDATES = "|:/#~^.- "


def column_key(text: str) -> str:
    """ "Codice Fiscale", "codice_fiscale" and "CODICE-FISCALE" all give "codicefiscale"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if char.isascii() and char.isalnum())


def known_keys(kind: str) -> dict[str, str]:
    """Normalized key -> column name, aliases included."""
    keys = {column_key(column.name): column.name for column in COLUMNS[kind]}
    for alias, name in ALIASES.items():
        if column_key(name) in keys:
            keys.setdefault(alias, name)
    return keys


@dataclass(frozen=True)
class Header:
    positions: dict[str, int]
    problems: list[Problem]


def match_header(kind: str, header: Sequence[str]) -> Header:
    keys = known_keys(kind)
    wrong_separator = _wrong_separator(header, keys)
    if wrong_separator:
        return Header({}, [Problem(1, wrong_separator)])
    positions: dict[str, int] = {}
    problems: list[Problem] = []
    unknown: list[str] = []
    for index, text in enumerate(header):
        name = keys.get(column_key(text))
        if name is None:
            if text.strip():
                unknown.append(text)
            continue
        if name in positions:
            problems.append(
                Problem(
                    1,
                    _("La colonna «%(name)s» compare due volte (colonne %(first)s e %(second)s).")
                    % {"name": name, "first": positions[name] + 1, "second": index + 1},
                )
            )
            continue
        positions[name] = index
    if unknown:
        problems.append(Problem(1, _unknown_message(kind, unknown)))
    missing = [c.name for c in COLUMNS[kind] if c.required and c.name not in positions]
    if missing:
        problems.append(
            Problem(
                1,
                _("Mancano le colonne obbligatorie: %(names)s.") % {"names": _quoted(missing)},
            )
        )
    return Header(positions, problems)


def _unknown_message(kind: str, unknown: list[str]) -> str:
    return _("Colonne sconosciute: %(unknown)s. Le colonne ammesse sono: %(allowed)s.") % {
        "unknown": _quoted(unknown),
        "allowed": ", ".join(column.name for column in COLUMNS[kind]),
    }


def _wrong_separator(header: Sequence[str], keys: Mapping[str, str]) -> str:
    """A header read as one single column that is really several, split by another character."""
    if len(header) != 1 or column_key(header[0]) in keys:
        return ""
    for candidate in SEPARATOR_CANDIDATES:
        parts = [column_key(part) for part in header[0].split(candidate)]
        if sum(part in keys for part in parts) >= 2:
            shown = _("spazio") if candidate == " " else candidate
            return _(
                "La prima riga è stata letta come una sola colonna: le colonne sono separate da "
                "«%(separator)s», che non è un separatore ammesso. Salvare il file come CSV con "
                "separatore punto e virgola (;), virgola (,) o tabulazione, oppure come .xlsx."
            ) % {"separator": shown}
    return ""


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f"«{name}»" for name in names)


def row_values(
    row: SheetRow, positions: Mapping[str, int], width: int
) -> tuple[dict[str, Cell], str]:
    """The row as column name -> cell (missing cells are ""), and a problem message or ""."""
    values: dict[str, Cell] = {
        name: row.cells[index] if index < len(row.cells) else ""
        for name, index in positions.items()
    }
    extra = [cell for cell in row.cells[width:] if cell != ""]
    if extra:
        return values, _(
            "La riga ha %(cells)s celle ma l'intestazione ha %(columns)s colonne: controllare il "
            "separatore e le virgolette (un testo che contiene il separatore va tra virgolette)."
        ) % {"cells": len(row.cells), "columns": width}
    return values, ""


KIND_DESCRIPTIONS: dict[str, Promise] = {
    ImportKind.STUDENTS: gettext_lazy(
        "Una riga per alunno, con la classe di quest'anno e fino a due genitori. Chi è già "
        "presente viene aggiornato in base al codice fiscale; un cambio di classe chiude "
        "l'iscrizione precedente e ne apre una nuova."
    ),
    ImportKind.STAFF: gettext_lazy(
        "Una riga per persona: docenti, segreteria, dirigente. Chi è già presente viene "
        "aggiornato in base al codice fiscale; i ruoli indicati si aggiungono a quelli che ha."
    ),
    ImportKind.TEACHINGS: gettext_lazy(
        "Una riga per cattedra: docente, classe e materia di quest'anno (curricolare, sostegno o "
        "compresenza). Il personale va importato prima; le cattedre già presenti restano come sono."
    ),
}
