"""Credential letters: one printable A4 page per person, made with Typst.

The school office prints them for a whole classroom and hands them out; guardians' and
students' letters go in separate documents (one call each). The values reach the Typst
template only as JSON in ``sys.inputs``, never formatted into markup, so names and passwords
with ``#``, ``*``, ``$``, ``\\``, ``"`` or ``[`` print exactly as they are.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal, TypedDict, get_args

from campanella.lib.italian import italian_date
from campanella.lib.typst_pdf import LARGE_BATCH, TEMPLATES, compile_template

__all__ = [
    "LARGE_BATCH",
    "CredentialLetter",
    "Role",
    "italian_date",
    "render_credential_letters",
    "spell",
]

Role = Literal["studente", "genitore", "personale"]
ROLES: Final = frozenset(get_args(Role))

TEMPLATE: Final[Path] = TEMPLATES / "credential_letters.typ"

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


def _document_data(letters: Sequence[CredentialLetter], title: str) -> dict[str, object]:
    return {
        "title": title,
        "min_password_length": NEW_PASSWORD_MIN_LENGTH,
        "authors": sorted({letter.institute_name for letter in letters}),
        "letters": [_letter_data(letter) for letter in letters],
    }


def render_credential_letters(letters: Sequence[CredentialLetter], *, title: str) -> bytes:
    """One A4 page per letter; returns the PDF bytes. Raises ValueError on an empty list."""
    if not letters:
        raise ValueError("Nessuna lettera di credenziali da stampare.")
    if not title.strip():
        raise ValueError("Il documento delle lettere di credenziali deve avere un titolo.")
    # One compilation for all the pages: fonts load once, identical parts are laid out once.
    return compile_template(TEMPLATE, _document_data(letters, title), pages=len(letters))
