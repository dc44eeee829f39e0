"""Validation and computation of Italian identification codes.

Pure Python on purpose (no Django imports): these helpers are used by forms, model validators,
CSV imports and the demo-data generator alike, and must be testable without a configured project.

Covered:

* the *codice fiscale* of natural persons (DM 23/12/1976 and DPR 605/1973), including the
  *omocodia* variants issued by the Agenzia delle Entrate when two people would get the same code;
* the *codice meccanografico* that the Ministry of Education assigns to every school;
* dates as Italians write them (``12 giugno 2027``).

Error messages are meant to be shown to end users as they are, hence in Italian.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "CURRENT_PROVINCE_CODES",
    "HISTORICAL_PROVINCE_CODES",
    "MONTH_LETTERS",
    "OMOCODIA_LETTERS",
    "OMOCODIA_POSITIONS",
    "PROVINCE_CODES",
    "CodiceFiscaleInfo",
    "ItalianCodeError",
    "check_codice_fiscale",
    "check_codice_meccanografico",
    "codice_fiscale_check_char",
    "codice_fiscale_matches",
    "decode_codice_fiscale",
    "italian_date",
    "make_codice_fiscale",
    "normalize_codice_fiscale",
]

MONTHS: Final = (
    "gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno",
    "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre",
)  # fmt: skip


def italian_date(day: datetime.date) -> str:
    """``23 novembre 2026``; the first of the month is written ``1º`` as Italians do."""
    number = "1º" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS[day.month - 1]} {day.year}"


class ItalianCodeError(ValueError):
    """An Italian code is malformed; ``str()`` is a message fit for the end user.

    ``code`` is a short stable identifier (e.g. ``"cf_length"``) so callers such as Django
    validators can map the failure to a ``ValidationError`` code without parsing the message.
    """

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------------------------
# Codice fiscale
# --------------------------------------------------------------------------------------------

# Month letters, January to December (F, G, I, N, O and Q are not used).
MONTH_LETTERS: Final = "ABCDEHLMPRST"

# Omocodia replaces digits with these letters (0 -> L, 1 -> M, ..., 9 -> V).
OMOCODIA_LETTERS: Final = "LMNPQRSTUV"
_OMOCODIA_TO_DIGIT: Final = str.maketrans(OMOCODIA_LETTERS, "0123456789")

# 0-based indexes of the characters that are digits in a plain code and may be omocodia letters:
# year (6, 7), day (9, 10) and the three digits of the place code (12, 13, 14).
OMOCODIA_POSITIONS: Final = (6, 7, 9, 10, 12, 13, 14)

# Conversion tables for the check character. Characters in odd positions (1st, 3rd, ... counting
# from 1) use a scrambled table; those in even positions use their plain value. Digits count as
# the letter with the same index (0 = A, 1 = B, ...).
_ODD_VALUES: Final = (
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21,  # A..J (and 0..9)
    2, 4, 18, 20, 11, 3, 6, 8, 12, 14,  # K..T
    16, 10, 22, 25, 24, 23,  # U..Z
)  # fmt: skip
_ALNUM: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _char_index(char: str) -> int:
    """Index of an uppercase alphanumeric in the A=0 alphabet (digits map onto A..J)."""
    if "0" <= char <= "9":
        return ord(char) - ord("0")
    return ord(char) - ord("A")


# Precomputed per-character values: the check character is computed for every generated person,
# so avoid repeated branching in the hot loop.
_ODD_TABLE: Final = {c: _ODD_VALUES[_char_index(c)] for c in _ALNUM}
_EVEN_TABLE: Final = {c: _char_index(c) for c in _ALNUM}

# Structure: 6 letters, 2 digits, month letter, 2 digits, place letter + 3 digits, check
# letter; every digit except the check may be an omocodia letter.
_DIGIT_OR_OMOCODIA: Final = f"[0-9{OMOCODIA_LETTERS}]"
_CF_RE: Final = re.compile(
    rf"[A-Z]{{6}}{_DIGIT_OR_OMOCODIA}{{2}}[A-Z]{_DIGIT_OR_OMOCODIA}{{2}}"
    rf"[A-Z]{_DIGIT_OR_OMOCODIA}{{3}}[A-Z]"
)
_PLACE_CODE_RE: Final = re.compile(r"[A-Z][0-9]{3}")
_WHITESPACE_RE: Final = re.compile(r"\s+")

# Maximum day per month. February allows 29 because the two-digit year does not tell the century
# (00 may be 1900, not leap, or 2000, leap).
_MAX_DAY: Final = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

_VOWELS: Final = frozenset("AEIOU")


@dataclass(frozen=True, slots=True)
class CodiceFiscaleInfo:
    """What a codice fiscale says about its holder (omocodia already undone)."""

    sex: Literal["M", "F"]
    birth_day: int
    birth_month: int
    birth_year_two_digits: int
    place_code: str


def normalize_codice_fiscale(value: str) -> str:
    """Uppercase and drop every whitespace, so "rss mra 85t10 a562s " compares equal."""
    return _WHITESPACE_RE.sub("", value).upper()


def codice_fiscale_check_char(first_fifteen: str) -> str:
    """Return the official check character for the first 15 characters of a codice fiscale.

    Works on omocodia variants too: the check character is always computed on the characters as
    written, letters included.
    """
    chars = normalize_codice_fiscale(first_fifteen)
    if len(chars) != 15 or any(c not in _EVEN_TABLE for c in chars):
        raise ItalianCodeError(
            "Per calcolare il carattere di controllo servono 15 lettere o cifre.",
            code="cf_check_input",
        )
    # Index 0 is the 1st character, i.e. an "odd" position in the official numbering.
    total = sum(_ODD_TABLE[c] for c in chars[0::2]) + sum(_EVEN_TABLE[c] for c in chars[1::2])
    return chr(ord("A") + total % 26)


def _undo_omocodia(code: str) -> str:
    """Turn omocodia letters back into digits (only at the positions where that is allowed)."""
    chars = list(code)
    for index in OMOCODIA_POSITIONS:
        chars[index] = chars[index].translate(_OMOCODIA_TO_DIGIT)
    return "".join(chars)


def _parse(value: str) -> tuple[str, CodiceFiscaleInfo]:
    """Validate ``value`` and return (normalized code, decoded info); the single source of truth
    for both ``check_codice_fiscale`` and ``decode_codice_fiscale``."""
    code = normalize_codice_fiscale(value)
    if not code:
        raise ItalianCodeError("Il codice fiscale è obbligatorio.", code="cf_required")
    if len(code) != 16:
        raise ItalianCodeError("Il codice fiscale deve avere 16 caratteri.", code="cf_length")
    if not code.isascii() or not code.isalnum():
        raise ItalianCodeError(
            "Il codice fiscale può contenere solo lettere e cifre.", code="cf_characters"
        )
    if _CF_RE.fullmatch(code) is None:
        raise ItalianCodeError(
            "Il codice fiscale non ha la struttura corretta: sei lettere, due cifre, una lettera, "
            "due cifre, una lettera, tre cifre e una lettera finale.",
            code="cf_structure",
        )
    plain = _undo_omocodia(code)
    # Month is checked apart from the structure to give a more helpful message.
    month_letter = plain[8]
    if month_letter not in MONTH_LETTERS:
        raise ItalianCodeError(
            "Il mese di nascita indicato nel codice fiscale non è valido.", code="cf_month"
        )
    month = MONTH_LETTERS.index(month_letter) + 1
    day_field = int(plain[9:11])
    sex: Literal["M", "F"] = "F" if day_field > 40 else "M"
    day = day_field - 40 if sex == "F" else day_field
    if not 1 <= day <= _MAX_DAY[month - 1]:
        raise ItalianCodeError(
            "Il giorno di nascita indicato nel codice fiscale non è valido.", code="cf_day"
        )
    if codice_fiscale_check_char(code[:15]) != code[15]:
        raise ItalianCodeError(
            "Il carattere di controllo del codice fiscale non è corretto.", code="cf_check_char"
        )
    info = CodiceFiscaleInfo(
        sex=sex,
        birth_day=day,
        birth_month=month,
        birth_year_two_digits=int(plain[6:8]),
        place_code=plain[11:15],
    )
    return code, info


def check_codice_fiscale(value: str) -> str:
    """Return the normalized codice fiscale, or raise ``ItalianCodeError``.

    Omocodia variants are accepted as written (they are the holder's real code) and returned
    unchanged apart from normalization. Temporary 11-digit numeric codes are not accepted.
    """
    code, _info = _parse(value)
    return code


def decode_codice_fiscale(value: str) -> CodiceFiscaleInfo:
    """Check ``value`` and return sex, birth day/month/two-digit year and place code."""
    _code, info = _parse(value)
    return info


def _letters_only(text: str) -> str:
    """Uppercase ASCII letters of ``text``: accents stripped, apostrophes/spaces/dashes dropped.

    ``upper()`` comes first so that e.g. German sharp s becomes "SS" before decomposition.
    """
    decomposed = unicodedata.normalize("NFKD", text.upper())
    return "".join(c for c in decomposed if "A" <= c <= "Z")


def _split(letters: str) -> tuple[str, str]:
    consonants = "".join(c for c in letters if c not in _VOWELS)
    vowels = "".join(c for c in letters if c in _VOWELS)
    return consonants, vowels


def _surname_part(surname: str) -> str:
    letters = _letters_only(surname)
    if not letters:
        raise ItalianCodeError("Il cognome deve contenere almeno una lettera.", code="cf_surname")
    consonants, vowels = _split(letters)
    return (consonants + vowels + "XXX")[:3]


def _name_part(name: str) -> str:
    letters = _letters_only(name)
    if not letters:
        raise ItalianCodeError("Il nome deve contenere almeno una lettera.", code="cf_name")
    consonants, vowels = _split(letters)
    # The name differs from the surname only here: with four or more consonants the second one
    # is skipped, so "Gianfranco" gives GFR rather than GNF.
    if len(consonants) >= 4:
        return consonants[0] + consonants[2] + consonants[3]
    return (consonants + vowels + "XXX")[:3]


def _first_eleven(surname: str, name: str, birth_date: datetime.date, sex: str) -> str:
    if sex not in ("M", "F"):
        raise ItalianCodeError("Il sesso deve essere M o F.", code="cf_sex")
    day = birth_date.day + (40 if sex == "F" else 0)
    return (
        f"{_surname_part(surname)}{_name_part(name)}{birth_date.year % 100:02d}"
        f"{MONTH_LETTERS[birth_date.month - 1]}{day:02d}"
    )


def make_codice_fiscale(
    *,
    surname: str,
    name: str,
    birth_date: datetime.date,
    sex: Literal["M", "F"],
    place_code: str,
) -> str:
    """Compute the (non-omocodic) codice fiscale from personal data.

    ``place_code`` is the cadastral (Belfiore) code of the comune of birth, or the "Z" code of
    the foreign state for people born abroad. Only the Agenzia delle Entrate can say which code
    a person really holds (omocodia), so this is the *expected* code, not necessarily the real one.
    """
    place = normalize_codice_fiscale(place_code)
    if _PLACE_CODE_RE.fullmatch(place) is None:
        raise ItalianCodeError(
            "Il codice catastale del luogo di nascita deve essere una lettera seguita da tre "
            "cifre.",
            code="cf_place",
        )
    first_fifteen = _first_eleven(surname, name, birth_date, sex) + place
    return first_fifteen + codice_fiscale_check_char(first_fifteen)


def codice_fiscale_matches(
    value: str, *, surname: str, name: str, birth_date: datetime.date, sex: str
) -> bool:
    """Tell whether a codice fiscale is consistent with surname, name, birth date and sex.

    The place of birth is not compared (imports often lack it or spell it differently) and
    omocodia is undone first, so a legitimately omocodic code still matches. Never raises:
    an invalid code or unusable data simply do not match.
    """
    try:
        code, _info = _parse(value)
        expected = _first_eleven(surname, name, birth_date, sex.strip().upper())
    except ItalianCodeError:
        return False
    return _undo_omocodia(code)[:11] == expected


# --------------------------------------------------------------------------------------------
# Codice meccanografico
# --------------------------------------------------------------------------------------------

# Sigle of the current provinces, metropolitan cities and equivalent bodies (107).
CURRENT_PROVINCE_CODES: Final[frozenset[str]] = frozenset(
    {
        # Abruzzo, Basilicata, Calabria, Campania
        "AQ", "CH", "PE", "TE", "MT", "PZ", "CS", "CZ", "KR", "RC", "VV",
        "AV", "BN", "CE", "NA", "SA",
        # Emilia-Romagna, Friuli-Venezia Giulia, Lazio, Liguria
        "BO", "FC", "FE", "MO", "PC", "PR", "RA", "RE", "RN", "GO", "PN", "TS", "UD",
        "FR", "LT", "RI", "RM", "VT", "GE", "IM", "SP", "SV",
        # Lombardia, Marche, Molise
        "BG", "BS", "CO", "CR", "LC", "LO", "MB", "MI", "MN", "PV", "SO", "VA",
        "AN", "AP", "FM", "MC", "PU", "CB", "IS",
        # Piemonte, Puglia, Sardegna
        "AL", "AT", "BI", "CN", "NO", "TO", "VB", "VC", "BA", "BR", "BT", "FG", "LE", "TA",
        "CA", "NU", "OR", "SS", "SU",
        # Sicilia, Toscana
        "AG", "CL", "CT", "EN", "ME", "PA", "RG", "SR", "TP",
        "AR", "FI", "GR", "LI", "LU", "MS", "PI", "PO", "PT", "SI",
        # Trentino-Alto Adige, Umbria, Valle d'Aosta, Veneto
        "BZ", "TN", "PG", "TR", "AO", "BL", "PD", "RO", "TV", "VE", "VI", "VR",
    }
)  # fmt: skip

# Abolished or renamed sigle that still appear in codici meccanografici, which the Ministry
# did not renumber: the four former Sardinian provinces (Carbonia-Iglesias, Medio Campidano,
# Ogliastra, Olbia-Tempio), and the old Forlì (FO) and Pesaro (PS) sigle.
HISTORICAL_PROVINCE_CODES: Final[frozenset[str]] = frozenset({"CI", "VS", "OG", "OT", "FO", "PS"})

# Every sigla accepted as the first two characters of a codice meccanografico.
PROVINCE_CODES: Final[frozenset[str]] = CURRENT_PROVINCE_CODES | HISTORICAL_PROVINCE_CODES

_MECCANOGRAFICO_RE: Final = re.compile(r"[A-Z]{2}[A-Z0-9]{2}[A-Z0-9]{6}")


def check_codice_meccanografico(value: str) -> str:
    """Return the normalized codice meccanografico of a school, or raise ``ItalianCodeError``.

    Format: province sigla (2 letters), school type (2 letters or digits, e.g. IC, EE, PS, or
    "1A" for paritarie), then 6 letters or digits. The last character is a check character whose
    algorithm is not published, so it is not verified.
    """
    code = normalize_codice_fiscale(value)
    if not code:
        raise ItalianCodeError(
            "Il codice meccanografico è obbligatorio.", code="meccanografico_required"
        )
    if len(code) != 10:
        raise ItalianCodeError(
            "Il codice meccanografico deve avere 10 caratteri.", code="meccanografico_length"
        )
    if not code.isascii() or _MECCANOGRAFICO_RE.fullmatch(code) is None:
        raise ItalianCodeError(
            "Il codice meccanografico può contenere solo lettere e cifre e deve iniziare con la "
            "sigla di una provincia.",
            code="meccanografico_structure",
        )
    if code[:2] not in PROVINCE_CODES:
        raise ItalianCodeError(
            f"Il codice meccanografico deve iniziare con la sigla di una provincia italiana: "
            f"«{code[:2]}» non lo è.",
            code="meccanografico_province",
        )
    return code
