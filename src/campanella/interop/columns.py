"""The columns of each kind of import, and the check of a file's header against them.

Column names are matched loosely (case, accents, spaces, underscores and dashes do not matter, a
few common aliases are accepted), so "Codice Fiscale" and "codice_fiscale" are the same column.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from operator import itemgetter

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
    # Written by Campanella's export for the back-office and accepted back, but not imported
    # (derived by the register, or kept by the back-office): not in the templates.
    ignored: bool = False


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

STUDENT_CODE_COLUMNS = ("codice_fiscale", "codice_alunno")


def _student_columns() -> tuple[Column, ...]:
    return (
        Column(
            "codice_fiscale",
            False,
            gettext_lazy("Codice fiscale dell'alunno (oppure la colonna codice_alunno)."),
            EXAMPLE_STUDENT_CF,
        ),
        Column(
            "codice_alunno",
            False,
            gettext_lazy(
                "Al posto del codice fiscale: il nome utente dell'alunno, es. S123456X. Basta "
                "una delle due colonne."
            ),
        ),
    )


def _ignored(name: str, help_text: str | Promise) -> Column:
    return Column(name, False, help_text, ignored=True)


COLUMNS[ImportKind.GRADES] = (
    *_student_columns(),
    Column(
        "classe",
        False,
        gettext_lazy(
            "Facoltativo: la classe dell'alunno in quella data, es. 1A; se indicata, viene "
            "controllata."
        ),
        "1A",
    ),
    Column(
        "materia",
        True,
        gettext_lazy("Nome o abbreviazione della materia, es. Matematica o MAT."),
        "Matematica",
    ),
    Column(
        "data",
        True,
        gettext_lazy("Giorno del voto, gg/mm/aaaa: nell'anno scolastico, non nel futuro."),
        "10/10/2025",
    ),
    Column("tipo", True, gettext_lazy("scritto, orale o pratico."), "orale"),
    Column(
        "voto",
        True,
        gettext_lazy(
            "Come sul registro: 7, 7+, 7-, 6½, 6 e mezzo, 6/7 (secondo la scala dell'istituto); "
            "per la primaria il giudizio sintetico (ottimo, distinto, buono, discreto, "
            "sufficiente, non sufficiente; prima del 2024/25 il livello); per religione e "
            "attività alternativa il giudizio (insufficiente, sufficiente, discreto, buono, "
            "distinto, ottimo)."
        ),
        "6½",
    ),
    Column("peso", False, gettext_lazy("Facoltativo: 1 se vuoto; da 0 a 10, es. 0,5."), "1"),
    Column(
        "fa_media",
        False,
        gettext_lazy("Facoltativo: sì (se vuoto) oppure no, per un voto che non fa media."),
        "sì",
    ),
    Column(
        "descrizione",
        False,
        gettext_lazy("Facoltativo: la prova, es. Interrogazione sulle frazioni."),
        "Interrogazione sulle frazioni",
    ),
    Column(
        "docente",
        True,
        gettext_lazy(
            "Il docente che ha dato il voto: nome utente (es. YYXX0001.5555555) o codice "
            "fiscale. Deve avere la cattedra della materia nella classe, o il sostegno "
            "dell'alunno."
        ),
        EXAMPLE_TEACHER_CF,
    ),
)

COLUMNS[ImportKind.ATTENDANCE] = (
    *_student_columns(),
    Column(
        "data",
        True,
        gettext_lazy("Giorno dell'evento, gg/mm/aaaa: un giorno di lezione, non nel futuro."),
        "10/10/2025",
    ),
    Column(
        "tipo",
        True,
        gettext_lazy(
            "ASSENZA, RITARDO (entrata posticipata), RITARDO_BREVE o USCITA (uscita anticipata)."
        ),
        "RITARDO",
    ),
    Column(
        "ora",
        False,
        gettext_lazy(
            "Per RITARDO, RITARDO_BREVE e USCITA: l'ora di entrata o di uscita, hh:mm. Vuota "
            "per le assenze."
        ),
        "08:40",
    ),
    Column(
        "ora_lezione",
        False,
        gettext_lazy(
            "Per un'assenza di una sola ora: il numero dell'ora di lezione (1, 2, …); vuota "
            "per l'assenza dell'intera giornata. Per ritardi e uscite, se indicata, è l'ora di "
            "lezione in cui cade l'orario."
        ),
        "",
    ),
    Column(
        "giustificata",
        False,
        gettext_lazy(
            "sì oppure no (se vuota): se sì, la giustificazione è registrata come accettata."
        ),
        "sì",
    ),
    Column(
        "giustificata_il",
        False,
        gettext_lazy(
            "Facoltativo: quando è stata giustificata, gg/mm/aaaa (anche con l'ora, hh:mm). "
            "Se vuota: al momento dell'importazione."
        ),
        "11/10/2025",
    ),
    Column(
        "giustificata_da",
        False,
        gettext_lazy(
            "Facoltativo: chi ha accettato la giustificazione, nome utente o codice fiscale di "
            "una persona del personale. Se vuota: la segreteria che importa."
        ),
        "",
    ),
    Column(
        "motivo_codice",
        False,
        gettext_lazy("Facoltativo: SALUTE, FAMIGLIA, TRASPORTO, SPORT o ALTRO."),
        "SALUTE",
    ),
    Column("motivo", False, gettext_lazy("Facoltativo: il motivo, in parole."), "Visita medica"),
    Column(
        "certificato",
        False,
        gettext_lazy("Facoltativo: sì se è stato presentato un certificato medico."),
        "",
    ),
    _ignored("ore", gettext_lazy("Le ore di assenza: le calcola il registro dall'orario.")),
    _ignored(
        "conta_per_limite",
        gettext_lazy("Se conta per il limite delle assenze: lo decidono le deroghe."),
    ),
    _ignored("codice_deroga", gettext_lazy("Le deroghe si registrano nel registro.")),
    _ignored("registrata_da", gettext_lazy("Chi l'ha registrata: la segreteria che importa.")),
    _ignored("ultima_modifica", gettext_lazy("Data dell'ultima modifica nel file di origine.")),
)

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
    "nomeutentealunno": "codice_alunno",
    "usernamealunno": "codice_alunno",
    "giorno": "data",
    "valutazione": "voto",
    "insegnante": "docente",
    "orario": "ora",
    "oradilezione": "ora_lezione",
    "motivazione": "motivo",
    # The field names of the exchange format (docs/interop-format.md), in English.
    "studentcode": "codice_alunno",
    "date": "data",
    "kind": "tipo",
    "time": "ora",
    "lessonhour": "ora_lezione",
    "hours": "ore",
    "justified": "giustificata",
    "justifiedat": "giustificata_il",
    "justifiedby": "giustificata_da",
    "reasoncode": "motivo_codice",
    "reasontext": "motivo",
    "certificate": "certificato",
    "countsforlimit": "conta_per_limite",
    "waivercode": "codice_deroga",
    "recordedby": "registrata_da",
    "lastmodified": "ultima_modifica",
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

    @cached_property
    def _names(self) -> tuple[str, ...]:
        return tuple(self.positions)

    @cached_property
    def _cells_of(self) -> Callable[[Sequence[Cell]], tuple[Cell, ...]]:
        """The row's cells of the known columns, in C (a file of 100,000 rows reads each row
        several times: preview, choice of days, job)."""
        indexes = tuple(self.positions.values())
        if len(indexes) == 1:
            return lambda cells: (cells[indexes[0]],)
        return itemgetter(*indexes)

    def values_of(self, cells: Sequence[Cell], width: int) -> dict[str, Cell] | None:
        """The row as column name -> cell when it has exactly the header's cells, else None
        (`row_values` then reads it cell by cell, with its problem)."""
        if len(cells) != width or not self.positions:
            return None
        return dict(zip(self._names, self._cells_of(cells), strict=True))


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
    ImportKind.GRADES: gettext_lazy(
        "Una riga per voto dato altrove (un altro registro, il registro cartaceo): alunno, "
        "materia, data, tipo, voto e docente. Ogni voto è registrato come nel registro, con la "
        "sua storia; un voto già presente identico resta com'è."
    ),
    ImportKind.ATTENDANCE: gettext_lazy(
        "Una riga per assenza, entrata posticipata o uscita anticipata, con la giustificazione "
        "se c'è (il formato di scambio con la segreteria). Un evento già registrato uguale resta "
        "com'è; uno registrato diversamente dai docenti è un conflitto: elencato, non importato."
    ),
}

# What the upload page says about preparing the file, per kind.
KIND_TIPS: dict[str, tuple[Promise, ...]] = {
    ImportKind.GRADES: (
        gettext_lazy(
            "Scarica il modello, cancella la riga di esempio e aggiungi una riga per ogni voto."
        ),
        gettext_lazy(
            "Il voto è registrato a nome del docente indicato; la segreteria che importa "
            "risulta nella storia come chi l'ha registrato."
        ),
        gettext_lazy(
            "Importare di nuovo lo stesso file non duplica i voti: un voto uguale già presente "
            "resta com'è."
        ),
    ),
    ImportKind.ATTENDANCE: (
        gettext_lazy(
            "Scarica il modello, cancella la riga di esempio e aggiungi una riga per ogni "
            "assenza, ritardo o uscita."
        ),
        gettext_lazy(
            "Un evento è riconosciuto da alunno, data, tipo e ora di lezione: se è già nel "
            "registro uguale resta com'è (importare due volte lo stesso file non cambia nulla); "
            "se i docenti l'hanno registrato diversamente è un conflitto, elencato "
            "nell'anteprima e non importato."
        ),
        gettext_lazy(
            "Le colonne ore, conta_per_limite, codice_deroga, registrata_da e ultima_modifica "
            "dell'esportazione sono accettate ma non importate."
        ),
    ),
}
