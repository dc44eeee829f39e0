"""Credential letters: one printable A4 page per person, made with Typst.

The school office prints them for a whole classroom and hands them out; guardians' and
students' letters go in separate documents (one call each). The values reach the Typst
template only as JSON in ``sys.inputs``, never formatted into markup, so names and passwords
with ``#``, ``*``, ``$``, ``\\``, ``"`` or ``[`` print exactly as they are.
"""

from __future__ import annotations

import datetime
import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal, TypedDict, get_args

import typst

__all__ = [
    "CredentialLetter",
    "Role",
    "italian_date",
    "render_credential_letters",
    "spell",
]

Role = Literal["studente", "genitore", "personale"]
ROLES: Final = frozenset(get_args(Role))

# Relative to this file, so it is found in a checkout, an editable or a wheel install alike.
TEMPLATE: Final = Path(__file__).resolve().parent / "typst" / "credential_letters.typ"

MONTHS: Final = (
    "gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno",
    "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre",
)  # fmt: skip

LETTER_NAMES: Final = {
    "a": "a", "b": "bi", "c": "ci", "d": "di", "e": "e", "f": "effe", "g": "gi",
    "h": "acca", "i": "i", "j": "i lunga", "k": "cappa", "l": "elle", "m": "emme",
    "n": "enne", "o": "o", "p": "pi", "q": "cu", "r": "erre", "s": "esse", "t": "ti",
    "u": "u", "v": "vu", "w": "doppia vu", "x": "ics", "y": "ipsilon", "z": "zeta",
}  # fmt: skip

DIGIT_NAMES: Final = (
    "zero", "uno", "due", "tre", "quattro", "cinque", "sei", "sette", "otto", "nove",
)  # fmt: skip

SYMBOL_NAMES: Final = {
    "#": "cancelletto", "*": "asterisco", "$": "dollaro", "\\": "barra rovesciata",
    "/": "barra", "|": "barra verticale", '"': "virgolette", "'": "apostrofo",
    "`": "accento grave", "[": "parentesi quadra aperta", "]": "parentesi quadra chiusa",
    "(": "parentesi tonda aperta", ")": "parentesi tonda chiusa",
    "{": "parentesi graffa aperta", "}": "parentesi graffa chiusa", "<": "minore",
    ">": "maggiore", "-": "trattino", "_": "trattino basso", ".": "punto", ",": "virgola",
    ":": "due punti", ";": "punto e virgola", "!": "punto esclamativo",
    "?": "punto interrogativo", "@": "chiocciola", "%": "percento", "&": "e commerciale",
    "+": "più", "=": "uguale", "~": "tilde", "^": "accento circonflesso", " ": "spazio",
}  # fmt: skip

VISIBLE_SPACE: Final = "␣"

NEW_PASSWORD_MIN_LENGTH: Final = 10  # what the first-login form asks for

# From this many letters on, the cache Typst keeps (about 0.9 MB a page) outweighs the cost of
# evicting it; smaller batches stay cached, bounded by the package's own eviction.
LARGE_BATCH: Final = 100
EVICTION_AGE: Final = 10  # comemo::evict(10) after every compile in the typst package 0.15


@dataclass(frozen=True)
class CredentialLetter:
    institute_name: str
    school_name: str  # the plesso
    classroom_name: str  # "1ª A Liceo scientifico"; "" for staff
    person_name: str  # who the letter is for: "Rossi Maria"
    role: Role
    student_name: str  # for guardians: the child's name; "" otherwise
    username: str
    temporary_password: str
    login_url: str
    issued_on: datetime.date

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"Ruolo non valido per una lettera di credenziali: {self.role!r}.")
        if not self.username or not self.temporary_password:
            raise ValueError("Una lettera di credenziali richiede nome utente e password.")
        if self.role == "genitore" and not self.student_name:
            raise ValueError("La lettera di un genitore deve indicare il nome dello studente.")


class SpelledChar(TypedDict):
    glyph: str  # what the cell shows
    name: str  # how the character is called in Italian: "elle", "zero", "cancelletto"
    case: str  # "maiuscola", "minuscola" for letters; "" otherwise


def italian_date(day: datetime.date) -> str:
    """``23 novembre 2026``; the first of the month is written ``1º`` as Italians do."""
    number = "1º" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS[day.month - 1]} {day.year}"


def _spell_char(char: str) -> SpelledChar:
    if char.isascii() and char.isdecimal():
        return {"glyph": char, "name": DIGIT_NAMES[int(char)], "case": ""}
    if char.isalpha():
        case = "maiuscola" if char.isupper() else "minuscola"
        return {"glyph": char, "name": LETTER_NAMES.get(char.lower(), char.lower()), "case": case}
    glyph = VISIBLE_SPACE if char == " " else char
    return {"glyph": glyph, "name": SYMBOL_NAMES.get(char, "simbolo"), "case": ""}


def spell(value: str) -> list[SpelledChar]:
    """Each character with its Italian name, to tell look-alikes apart on paper."""
    return [_spell_char(char) for char in value]


def _letter_data(letter: CredentialLetter) -> dict[str, object]:
    return {
        "institute": letter.institute_name,
        "school": letter.school_name,
        "classroom": letter.classroom_name,
        "person": letter.person_name,
        "role": letter.role,
        "student": letter.student_name,
        "username": letter.username,
        "username_chars": spell(letter.username),
        "password": letter.temporary_password,
        "password_chars": spell(letter.temporary_password),
        "url": letter.login_url,
        "issued_on": italian_date(letter.issued_on),
    }


def _document_data(letters: Sequence[CredentialLetter], title: str) -> str:
    payload = {
        "title": title,
        "min_password_length": NEW_PASSWORD_MIN_LENGTH,
        "authors": sorted({letter.institute_name for letter in letters}),
        "letters": [_letter_data(letter) for letter in letters],
    }
    return json.dumps(payload, ensure_ascii=False)


def render_credential_letters(letters: Sequence[CredentialLetter], *, title: str) -> bytes:
    """One A4 page per letter; returns the PDF bytes. Raises ValueError on an empty list."""
    if not letters:
        raise ValueError("Nessuna lettera di credenziali da stampare.")
    if not title.strip():
        raise ValueError("Il documento delle lettere di credenziali deve avere un titolo.")
    # One compilation for all the pages: fonts load once, identical parts are laid out once.
    pdf, problems = typst.compile_with_warnings(
        TEMPLATE,
        root=TEMPLATE.parent,
        format="pdf",
        sys_inputs={"data": _document_data(letters, title)},
        # Only Typst's embedded fonts: identical pages on every server, whatever is installed.
        ignore_system_fonts=True,
        pdf_standards="ua-1",  # accessible: tagged, with title and language; checked by Typst
    )
    for problem in problems:  # plain typst.compile() drops them: a mistyped font goes unseen
        warnings.warn(problem, stacklevel=2)
    if len(letters) >= LARGE_BATCH:
        _evict_typst_cache()
    return pdf


def _evict_typst_cache() -> None:
    """Free what Typst memoized for a large document.

    Typst keeps its layout cache process-wide, and the ``typst`` package evicts an entry only
    after it has gone unused for 10 compilations: about 0.9 MB a page, so each whole-school
    batch would keep over 1 GB alive. The package has no call to clear it, so run the cheapest
    compilations that age everything past the limit (about 0.6 s after 1,000 pages).
    """
    for _ in range(EVICTION_AGE + 1):
        typst.compile(b"", format="pdf", ignore_system_fonts=True)
