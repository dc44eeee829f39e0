"""Parse one cell into a typed value, or raise BadValueError with an Italian message."""

from __future__ import annotations

import datetime
import functools
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from campanella.interop.tabular import Cell
from campanella.lib.italian import ItalianCodeError, check_codice_fiscale
from campanella.school.models import TeachingKind

EXCEL_EPOCH = datetime.date(1899, 12, 30)  # serial 1 = 1900-01-01 (with Excel's leap-year bug)
_DAY_FIRST = re.compile(
    r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:\s+\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)?"
)
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_EXCEL_SERIAL = re.compile(r"(\d{1,5})(?:[.,]0+)?")
_ROLE_SPLIT = re.compile(r"\s*(?:[,+;/]|\s+e\s+)\s*")

SEXES = {"M": "M", "F": "F", "MASCHIO": "M", "FEMMINA": "F", "MASCHILE": "M", "FEMMINILE": "F"}
ROLES = {
    "docente": "teacher",
    "docenti": "teacher",
    "insegnante": "teacher",
    "segreteria": "office",
    "amministrativo": "office",
    "dirigente": "principal",
    "dirigente scolastico": "principal",
    "preside": "principal",
}
TEACHING_KINDS = {
    "": TeachingKind.NORMAL,
    "curricolare": TeachingKind.NORMAL,
    "curriculare": TeachingKind.NORMAL,
    "normale": TeachingKind.NORMAL,
    "sostegno": TeachingKind.SUPPORT,
    "compresenza": TeachingKind.CO_TEACHING,
}


class BadValueError(ValueError):
    """`str()` is the message for the office, in Italian."""


def as_text(cell: Cell) -> str:
    if isinstance(cell, datetime.date):
        return cell.strftime("%d/%m/%Y")
    return " ".join(cell.split())


def required_text(cell: Cell) -> str:
    value = as_text(cell)
    if not value:
        raise BadValueError(_("il valore è obbligatorio"))
    return value


def codice_fiscale(cell: Cell) -> str:
    value = as_text(cell)
    try:
        return check_codice_fiscale(value)
    except ItalianCodeError as error:
        if not value:
            raise BadValueError(str(error)) from None
        raise BadValueError(f"«{value}»: {error}") from None


def date_value(cell: Cell) -> datetime.date:
    """gg/mm/aaaa (also with - or .), aaaa-mm-gg, an Excel date cell or an Excel serial number."""
    if isinstance(cell, datetime.date):
        return cell
    return _date_of_text(cell.strip())


@functools.lru_cache(maxsize=4096)
def _date_of_text(value: str) -> datetime.date:
    """Remembered: a file of 100,000 rows has a few hundred days, each read on many rows (a
    refusal is an exception, never remembered, so its message is always in today's language)."""
    try:
        if match := _DAY_FIRST.fullmatch(value):
            day, month, year = (int(part) for part in match.groups())
            return datetime.date(year, month, day)
        if match := _ISO.fullmatch(value):
            year, month, day = (int(part) for part in match.groups())
            return datetime.date(year, month, day)
        if match := _EXCEL_SERIAL.fullmatch(value):
            serial = int(match.group(1))
            if serial >= 1:
                return EXCEL_EPOCH + datetime.timedelta(days=serial)
    except ValueError:
        pass
    if not value:
        raise BadValueError(_("la data è obbligatoria"))
    raise BadValueError(
        _("data non valida «%(value)s»: usare il formato gg/mm/aaaa, es. 25/03/2011")
        % {"value": value}
    )


def optional_date(cell: Cell) -> datetime.date | None:
    if isinstance(cell, str) and not cell.strip():
        return None
    return date_value(cell)


def sex(cell: Cell) -> str:
    value = as_text(cell).upper()
    if value in SEXES:
        return SEXES[value]
    if not value:
        raise BadValueError(_("il sesso è obbligatorio: M o F"))
    raise BadValueError(_("sesso non valido «%(value)s»: usare M o F") % {"value": value})


def email(cell: Cell) -> str:
    value = as_text(cell)
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise BadValueError(
                _("indirizzo e-mail non valido «%(value)s»") % {"value": value}
            ) from None
    return value.lower()


def roles(cell: Cell) -> frozenset[str]:
    """Role codes (teacher, office, principal) from "docente, segreteria" or "docente+dirigente"."""
    value = as_text(cell).lower()
    if not value:
        raise BadValueError(_("indicare almeno un ruolo: docente, segreteria o dirigente"))
    found: set[str] = set()
    for part in _ROLE_SPLIT.split(value):
        if not part:
            continue
        if part not in ROLES:
            raise BadValueError(
                _("ruolo sconosciuto «%(role)s»: usare docente, segreteria o dirigente")
                % {"role": part}
            )
        found.add(ROLES[part])
    return frozenset(found)


def teaching_kind(cell: Cell) -> str:
    value = as_text(cell).lower()
    if value in TEACHING_KINDS:
        return TEACHING_KINDS[value]
    raise BadValueError(
        _("tipo di cattedra sconosciuto «%(value)s»: usare curricolare, sostegno o compresenza")
        % {"value": value}
    )


# --- grades and attendance ----------------------------------------------------------------------

_TIME = re.compile(r"(\d{1,2})[:.](\d{2})(?:[:.](\d{2}(?:\.\d+)?))?")
_DAY_FRACTION = re.compile(r"0?[.,]\d+")
_DATE_AND_TIME = re.compile(r"(.+?)[ T]+(\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?)")
YES = frozenset({"sì", "si", "s", "x", "1", "vero", "true", "yes", "y"})
NO = frozenset({"", "no", "n", "0", "falso", "false"})
GRADE_KINDS = {
    "scritto": "scritto",
    "s": "scritto",
    "orale": "orale",
    "o": "orale",
    "pratico": "pratico",
    "p": "pratico",
}


def time_value(cell: Cell) -> datetime.time:
    """hh:mm (also hh.mm, with seconds, or an Excel fraction of a day), to the nearest minute."""
    value = as_text(cell)
    seconds: float | None = None
    if match := _TIME.fullmatch(value):
        hours, minutes = int(match.group(1)), int(match.group(2))
        if hours < 24 and minutes < 60:
            seconds = hours * 3600 + minutes * 60 + float(match.group(3) or 0)
    elif _DAY_FRACTION.fullmatch(value):
        seconds = float(value.replace(",", ".")) * 86400
    if seconds is None or not 0 <= seconds < 86400:
        if not value:
            raise BadValueError(_("l'ora è obbligatoria: hh:mm, es. 08:40"))
        raise BadValueError(
            _("ora non valida «%(value)s»: usare il formato hh:mm, es. 08:40") % {"value": value}
        )
    minutes_total = min(round(seconds / 60), 24 * 60 - 1)
    return datetime.time(minutes_total // 60, minutes_total % 60)


def optional_time(cell: Cell) -> datetime.time | None:
    return time_value(cell) if as_text(cell) else None


def yes_no(cell: Cell, *, default: bool = False) -> bool:
    value = as_text(cell).casefold()
    if not value:
        return default
    if value in YES:
        return True
    if value in NO:
        return False
    raise BadValueError(_("valore non valido «%(value)s»: scrivere sì o no") % {"value": value})


def date_and_time(cell: Cell) -> tuple[datetime.date, datetime.time | None] | None:
    """A date with an optional time (gg/mm/aaaa hh:mm, aaaa-mm-ggThh:mm), or None if empty."""
    if isinstance(cell, datetime.date):
        return cell, None
    value = as_text(cell)
    if not value:
        return None
    try:
        return date_value(value), None
    except BadValueError:
        match = _DATE_AND_TIME.fullmatch(value)
        if match is None:
            raise
        return date_value(match.group(1)), time_value(match.group(2))


def grade_kind(cell: Cell) -> str:
    value = as_text(cell).casefold()
    if value in GRADE_KINDS:
        return GRADE_KINDS[value]
    if not value:
        raise BadValueError(_("il tipo è obbligatorio: scritto, orale o pratico"))
    raise BadValueError(
        _("tipo di voto sconosciuto «%(value)s»: usare scritto, orale o pratico") % {"value": value}
    )


def weight(cell: Cell) -> Decimal:
    """The weight of a grade: 1 when empty; 0,5 and 0.5 alike; checked by grades.services."""
    value = as_text(cell).replace(",", ".").removesuffix("%").strip()
    if not value:
        return Decimal(1)
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise BadValueError(
            _("peso non valido «%(value)s»: scrivere un numero, es. 1 oppure 0,5")
            % {"value": as_text(cell)}
        )
    if as_text(cell).endswith("%"):
        number = number / 100
    return number
