"""The Italian grade notation, read and written in one place (DESIGN §3, glossary row "voto").

Pure Python on purpose (no Django imports): forms, model validators, CSV imports, the API and
report cards all go through these helpers, so a grade is stored once, as a number, and its
display form is always derived here.

Three kinds of evaluation exist:

* **numeric grades** on a 1–10 scale with the traditional notation: ``7+`` = 7.25, ``7-`` = 6.75,
  ``6½`` = 6.5, ``6/7`` ("sei/sette") = 6.5; what a school accepts is a :class:`NumericScale`;
* **giudizi sintetici** for primary school from 2024/25 (L. 150/2024, O.M. 3/2025): non
  sufficiente, sufficiente, discreto, buono, distinto, ottimo, each with a description of the
  level that the school writes (defaults in :data:`DEFAULT_SYNTHETIC_DESCRIPTIONS`);
* **descriptive levels** for primary school from 2020/21 to 2023/24 (O.M. 172/2020): in via di
  prima acquisizione, base, intermedio, avanzato — kept so grades of those years stay readable;
* **judgements** for religione cattolica and the attività alternativa (and for comportamento in
  some school orders): insufficiente … ottimo. They are ordered, never averaged.

Notation decisions (the school configures the options, the meaning is fixed):

* ``7--`` ("sette meno meno"), when enabled, is 7 − 0.5 = 6.5, the same value as ``6½``;
* ``6/7`` and ``6-7`` are the midpoint of two *consecutive* integers (6.5); ``6/8`` is refused.
  A dash followed by digits is "between", a trailing dash is "meno": ``6-7`` is 6.5, ``7-`` 6.75;
* ``1/2`` alone is therefore "uno/due" (1.5), while ``6 1/2`` (with a space) is "sei e mezzo";
* typed decimals (``6.5``, ``6,5``) must be a multiple of ``decimal_step``, so ``6,3`` is
  refused with the default step of 0.25;
* the range is checked on the resulting value: ``10+`` (10.25) and ``1-`` (0.75) are refused.

Error messages are meant to be shown to teachers as they are, hence in Italian.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import (
    ROUND_FLOOR,
    ROUND_HALF_UP,
    Context,
    Decimal,
    Inexact,
    InvalidOperation,
    localcontext,
)
from fractions import Fraction
from typing import Final, NoReturn

__all__ = [
    "DEFAULT_BEHAVIOUR_DESCRIPTIONS",
    "DEFAULT_SCALE",
    "DEFAULT_SYNTHETIC_DESCRIPTIONS",
    "DESCRIPTIVE_LEVELS",
    "FIRST_LEVELS_YEAR",
    "FIRST_SYNTHETIC_YEAR",
    "JUDGEMENTS",
    "SYNTHETIC_JUDGEMENTS",
    "GradeError",
    "NumericScale",
    "average",
    "format_average",
    "format_grade",
    "judgement_label",
    "judgement_rank",
    "level_label",
    "level_rank",
    "parse_grade",
    "parse_judgement",
    "parse_level",
    "parse_synthetic_judgement",
    "primary_label",
    "primary_scale_for_year",
    "synthetic_judgement_label",
    "synthetic_judgement_rank",
]


class GradeError(ValueError):
    """A grade, level or judgement cannot be read; ``str()`` is a message fit for the teacher.

    ``code`` is a short stable identifier (``"empty"``, ``"invalid"``, ``"out_of_range"``,
    ``"decimal_step"``, ``"not_in_use"``, ``"not_consecutive"``) so callers such as Django
    validators can map the failure to a ``ValidationError`` code without parsing the message.
    """

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------------------------
# Numeric grades
# --------------------------------------------------------------------------------------------

_CENT: Final = Decimal("0.01")
_ONE: Final = Decimal(1)
# Enough digits for any sum of grades and weights; any rounding at all raises Inexact.
_EXACT: Final = Context(prec=60, traps=[Inexact, InvalidOperation])
_HALF: Final = Decimal("0.5")
_DOUBLE_MINUS: Final = Decimal("0.5")
_MAX_INPUT_LENGTH: Final = 40


def _has_cents_at_most(value: Decimal) -> bool:
    return value == value.quantize(_CENT)


@dataclass(frozen=True, slots=True)
class NumericScale:
    """Which numeric grades a school accepts (per school and subject).

    Every option enables a way of *writing* a grade; the value it stands for is fixed:

    * ``minimum``/``maximum``: the lowest and highest value, inclusive;
    * ``plus_value``/``minus_value``: what ``7+`` adds to and ``7-`` takes from 7;
    * ``allow_double_minus``: accept ``7--``, which is always 7 − 0.5 (= ``6½``);
    * ``allow_half``: accept ``6½``, ``6 1/2`` and ``6 e mezzo`` (6.5);
    * ``allow_between``: accept ``6/7`` and ``6-7`` (the midpoint, 6.5);
    * ``decimal_step``: typed decimals (``6.25``, ``6,5``) must be a multiple of it; ``1``
      accepts only whole numbers written as decimals (``7,0``). It must divide 1;
    * ``sufficiency``: the pass mark: a grade or an average below it is *insufficiente*.
    """

    minimum: int = 1
    maximum: int = 10
    plus_value: Decimal = Decimal("0.25")
    minus_value: Decimal = Decimal("0.25")
    allow_double_minus: bool = False
    allow_half: bool = True
    allow_between: bool = True
    decimal_step: Decimal = Decimal("0.25")
    sufficiency: Decimal = Decimal(6)

    def __post_init__(self) -> None:
        if not 0 <= self.minimum < self.maximum:
            raise ValueError("NumericScale needs 0 <= minimum < maximum")
        if not self.minimum <= self.sufficiency <= self.maximum:
            raise ValueError("NumericScale.sufficiency must lie between minimum and maximum")
        for name in ("plus_value", "minus_value"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not 0 < value < 1 or not _has_cents_at_most(value):
                raise ValueError(f"NumericScale.{name} must be a Decimal in (0, 1) with 2 decimals")
        step = self.decimal_step
        if (
            not isinstance(step, Decimal)
            or not 0 < step <= 1
            or not _has_cents_at_most(step)
            or Decimal(1) % step != 0
        ):
            raise ValueError("NumericScale.decimal_step must be a Decimal that divides 1")

    def is_below_sufficiency(self, value: Decimal) -> bool:
        """A grade or an average under the pass mark (5,99 is, 6 is not)."""
        return value < self.sufficiency

    def examples(self) -> str:
        """A short list of accepted notations, for messages: ``7, 7+, 7-, 6½, 6/7``."""
        examples = ["7", "7+", "7-"]
        if self.allow_half:
            examples.append("6½")
        if self.allow_between:
            examples.append("6/7")
        if self.allow_double_minus:
            examples.append("7--")
        return ", ".join(examples)


DEFAULT_SCALE: Final = NumericScale()

_DASHES: Final = str.maketrans({"−": "-", "–": "-", "—": "-", "‐": "-", "⁄": "/", "∕": "/"})
_SIMPLE_RE: Final = re.compile(r"(?P<n>[0-9]+) ?(?P<suffix>\+|--|-)?")
_HALF_RE: Final = re.compile(r"(?P<n>[0-9]+)(?: ?½| 1/2| e (?:mezzo|½|1/2))")
_BETWEEN_RE: Final = re.compile(r"(?P<a>[0-9]+) ?[/-] ?(?P<b>[0-9]+)")
_DECIMAL_RE: Final = re.compile(r"[0-9]+[.,][0-9]+")


def _italian_number(value: Decimal) -> str:
    """``Decimal("6.50")`` -> ``"6,5"``; ``Decimal("10.00")`` -> ``"10"`` (for messages)."""
    text = f"{value.normalize():f}"
    return text.replace(".", ",")


def _quote(text: str) -> str:
    shown = text if len(text) <= 20 else text[:20] + "…"
    return f"«{shown}»"


def _invalid(
    text: str, scale: NumericScale, reason: str = "", *, code: str = "invalid"
) -> NoReturn:
    detail = f": {reason}" if reason else ""
    raise GradeError(
        f"Voto non valido: {_quote(text)}{detail}. Esempi: {scale.examples()}.", code=code
    )


def _read(text: str, normal: str, scale: NumericScale) -> Decimal:
    """The value ``normal`` stands for, before the range check; raises GradeError."""
    if _DECIMAL_RE.fullmatch(normal):
        value = Decimal(normal.replace(",", "."))
        if value % scale.decimal_step != 0:
            if scale.decimal_step == 1:
                reason = "questa scala non ammette decimali"
            else:
                reason = (
                    f"i decimali ammessi sono multipli di {_italian_number(scale.decimal_step)}"
                )
            _invalid(text, scale, reason, code="decimal_step")
        return value
    if match := _BETWEEN_RE.fullmatch(normal):
        low, high = int(match["a"]), int(match["b"])
        if not scale.allow_between:
            _invalid(text, scale, "la scrittura «6/7» non è in uso", code="not_in_use")
        if high != low + 1:
            _invalid(text, scale, "i due voti devono essere consecutivi", code="not_consecutive")
        return low + _HALF
    if match := _HALF_RE.fullmatch(normal):
        if not scale.allow_half:
            _invalid(text, scale, "il mezzo voto (½) non è in uso", code="not_in_use")
        return int(match["n"]) + _HALF
    if match := _SIMPLE_RE.fullmatch(normal):
        base = Decimal(int(match["n"]))
        suffix = match["suffix"]
        if suffix == "+":
            return base + scale.plus_value
        if suffix == "-":
            return base - scale.minus_value
        if suffix == "--":
            if not scale.allow_double_minus:
                _invalid(text, scale, "il doppio meno non è in uso", code="not_in_use")
            return base - _DOUBLE_MINUS
        return base
    _invalid(text, scale)


def parse_grade(text: str, scale: NumericScale = DEFAULT_SCALE) -> Decimal:
    """Read a grade as a teacher writes it; return its value with 2 decimals.

    ``"7+"`` -> ``Decimal("7.25")``; ``"6½"``, ``"6 e mezzo"``, ``"6,5"``, ``"6/7"`` ->
    ``Decimal("6.50")``. Raises :class:`GradeError` with an Italian message otherwise.
    """
    shown = text.strip()
    if not shown:
        raise GradeError(
            f"Voto mancante: scrivere un voto, ad esempio {scale.examples()}.", code="empty"
        )
    if len(shown) > _MAX_INPUT_LENGTH:  # also keeps int() far from its digit limit
        _invalid(shown, scale)
    normal = " ".join(shown.translate(_DASHES).casefold().split())
    value = _read(shown, normal, scale)
    if not scale.minimum <= value <= scale.maximum:
        worth = "" if value == value.to_integral_value() else f" (vale {_italian_number(value)})"
        raise GradeError(
            f"Voto fuori scala: {_quote(shown)}{worth}. Il voto deve essere compreso "
            f"tra {scale.minimum} e {scale.maximum}.",
            code="out_of_range",
        )
    return value.quantize(_CENT)


def _as_decimal(value: Decimal | float | str) -> Decimal:
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise GradeError(f"Numero non valido: {_quote(value)}.") from None
    if not number.is_finite():
        raise GradeError(f"Numero non valido: {_quote(str(value))}.")
    return number


def format_average(value: Decimal | float | str) -> str:
    """An average (or any number) as Italians write it: 2 decimals, comma: ``"6,43"``."""
    number = _as_decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP)
    return f"{number:f}".replace(".", ",")


def format_grade(value: Decimal | float | str, scale: NumericScale = DEFAULT_SCALE) -> str:
    """The display form of a grade: 7 -> ``"7"``, 7.25 -> ``"7+"``, 6.75 -> ``"7-"``, 6.5 ->
    ``"6½"``; a value with no notation in ``scale`` (an average, 6.43) -> ``"6,43"``.

    Only notations enabled in ``scale`` are used, so ``parse_grade(format_grade(v)) == v`` for
    every value ``parse_grade`` can return.
    """
    number = _as_decimal(value)
    whole = number.to_integral_value(rounding=ROUND_FLOOR)
    fraction = number - whole
    upper = whole + 1
    if fraction == 0:
        return f"{whole:f}"
    if fraction == _HALF and scale.allow_half:
        return f"{whole:f}½"
    if fraction == scale.plus_value:
        return f"{whole:f}+"
    if fraction == 1 - scale.minus_value:
        return f"{upper:f}-"
    if fraction == 1 - _DOUBLE_MINUS and scale.allow_double_minus:
        return f"{upper:f}--"
    if fraction == _HALF and scale.allow_between:
        return f"{whole:f}/{upper:f}"
    return format_average(number)


# --------------------------------------------------------------------------------------------
# Descriptive levels and judgements
# --------------------------------------------------------------------------------------------

# (code, label) pairs from the lowest to the highest, ready to be Django ``choices``.
DESCRIPTIVE_LEVELS: Final[tuple[tuple[str, str], ...]] = (
    ("in_via_di_prima_acquisizione", "In via di prima acquisizione"),
    ("base", "Base"),
    ("intermedio", "Intermedio"),
    ("avanzato", "Avanzato"),
)

JUDGEMENTS: Final[tuple[tuple[str, str], ...]] = (
    ("insufficiente", "Insufficiente"),
    ("sufficiente", "Sufficiente"),
    ("discreto", "Discreto"),
    ("buono", "Buono"),
    ("distinto", "Distinto"),
    ("ottimo", "Ottimo"),
)

# The giudizi sintetici of primary school (O.M. 3/2025 art. 3), lowest first like the others.
# "non sufficiente" has its own code: it is not the "insufficiente" of religion's judgements.
SYNTHETIC_JUDGEMENTS: Final[tuple[tuple[str, str], ...]] = (
    ("non_sufficiente", "Non sufficiente"),
    ("sufficiente", "Sufficiente"),
    ("discreto", "Discreto"),
    ("buono", "Buono"),
    ("distinto", "Distinto"),
    ("ottimo", "Ottimo"),
)

# The school year (its first calendar year) from which primary school writes giudizi sintetici:
# O.M. 3/2025 governs the periodic and final evaluation of 2024/25 onwards. Earlier years
# (2020/21–2023/24) used the descriptive levels, and before them marks in tenths.
FIRST_SYNTHETIC_YEAR: Final = 2024
FIRST_LEVELS_YEAR: Final = 2020

# Default descriptions of each giudizio sintetico: the school replaces them with its own (O.M.
# 3/2025 lets each school word them per subject and year in its PTOF). Written for Campanella
# along the lines of the ordinance's annex: autonomy, continuity, situations met before or new,
# how the pupil expresses what was learnt.
DEFAULT_SYNTHETIC_DESCRIPTIONS: Final[dict[str, str]] = {
    "ottimo": (
        "Porta a termine le attività in piena autonomia e con continuità, anche in situazioni "
        "nuove e complesse; usa conoscenze e abilità in modo personale e sicuro e si esprime "
        "con proprietà e ricchezza di linguaggio."
    ),
    "distinto": (
        "Porta a termine le attività in autonomia e con continuità, anche in situazioni "
        "complesse; usa conoscenze e abilità in modo sicuro e si esprime con proprietà di "
        "linguaggio."
    ),
    "buono": (
        "Porta a termine le attività in autonomia in situazioni note e, con qualche aiuto, in "
        "quelle nuove; usa conoscenze e abilità in modo adeguato e si esprime con un "
        "linguaggio corretto."
    ),
    "discreto": (
        "Porta a termine le attività con parziale autonomia in situazioni note; usa le "
        "conoscenze e le abilità essenziali e si esprime con un linguaggio semplice e "
        "generalmente corretto."
    ),
    "sufficiente": (
        "Porta a termine le attività più semplici con la guida dell'insegnante e in situazioni "
        "già affrontate; usa le conoscenze e le abilità minime e si esprime con un linguaggio "
        "essenziale."
    ),
    "non_sufficiente": (
        "Anche con la guida dell'insegnante non porta ancora a termine le attività più "
        "semplici; le conoscenze e le abilità minime non sono ancora acquisite."
    ),
}

# Default descriptions of the behaviour giudizio in primary school (D.Lgs 62/2017 art. 2 c. 5):
# again the school writes its own, from its criteria and the Statuto/Patto di corresponsabilità.
DEFAULT_BEHAVIOUR_DESCRIPTIONS: Final[dict[str, str]] = {
    "ottimo": (
        "Rispetta sempre le regole e le persone, collabora attivamente con compagni e "
        "insegnanti e si assume responsabilità verso la classe."
    ),
    "distinto": (
        "Rispetta le regole e le persone con costanza e collabora volentieri con compagni e "
        "insegnanti."
    ),
    "buono": "Rispetta generalmente le regole e le persone e partecipa alla vita della classe.",
    "discreto": (
        "Rispetta le regole in modo non sempre costante e partecipa alla vita della classe se "
        "sollecitato."
    ),
    "sufficiente": (
        "Rispetta le regole solo se richiamato e partecipa in modo discontinuo alla vita della "
        "classe."
    ),
    "non_sufficiente": (
        "Non rispetta le regole e le persone nonostante i richiami e ostacola la vita della classe."
    ),
}

_LEVEL_ALIASES: Final = {"ipa": "in_via_di_prima_acquisizione"}
_SYNTHETIC_ALIASES: Final = {
    "insufficiente": "non_sufficiente",
    "ns": "non_sufficiente",
    "non suff": "non_sufficiente",
    "insuff": "non_sufficiente",
}
_JUDGEMENT_ALIASES: Final = {"non sufficiente": "insufficiente"}
_MIN_PREFIX: Final = 3


def _normalize_word(text: str) -> str:
    """Casefold, drop dots, ``_`` as a space, collapse spaces: ``"Prima  Acq."`` -> "prima acq"."""
    return " ".join(text.replace(".", "").replace("_", " ").casefold().split())


def _match_choice(
    text: str, choices: tuple[tuple[str, str], ...], aliases: dict[str, str]
) -> str | None:
    """The code whose label ``text`` spells, abbreviates (an unambiguous prefix of at least 3
    letters, with or without the dot) or is an alias of; ``None`` if there is none."""
    key = _normalize_word(text)
    if key in aliases:
        return aliases[key]
    for code, label in choices:
        if key == _normalize_word(label):
            return code
    if len(key) < _MIN_PREFIX:
        return None
    found = [code for code, label in choices if _normalize_word(label).startswith(key)]
    return found[0] if len(found) == 1 else None


def parse_level(text: str) -> str:
    """Read a descriptive level (primary school); return its code.

    Accepts the labels in any case and abbreviations: ``"avanz."``, ``"int."``, ``"base"``,
    ``"in via di prima acq."``, ``"ipa"``.
    """
    labels = ", ".join(label.lower() for _, label in reversed(DESCRIPTIVE_LEVELS))
    if not text.strip():
        raise GradeError(f"Livello mancante: scegliere tra {labels}.", code="empty")
    code = _match_choice(text, DESCRIPTIVE_LEVELS, _LEVEL_ALIASES)
    if code is None:
        raise GradeError(f"Livello non valido: {_quote(text.strip())}. Livelli: {labels}.")
    return code


def parse_judgement(text: str) -> str:
    """Read a judgement (religione, attività alternativa, comportamento); return its code.

    Accepts the labels in any case and abbreviations: ``"insuff."``, ``"suff."``, ``"disc."``,
    ``"dist."``, ``"ott."``; ``"non sufficiente"`` is ``"insufficiente"``.
    """
    labels = ", ".join(label.lower() for _, label in JUDGEMENTS)
    if not text.strip():
        raise GradeError(f"Giudizio mancante: scegliere tra {labels}.", code="empty")
    code = _match_choice(text, JUDGEMENTS, _JUDGEMENT_ALIASES)
    if code is None:
        raise GradeError(f"Giudizio non valido: {_quote(text.strip())}. Giudizi: {labels}.")
    return code


def parse_synthetic_judgement(text: str) -> str:
    """Read a giudizio sintetico (primary school from 2024/25); return its code.

    Accepts the labels in any case and abbreviations: ``"ott."``, ``"dist."``, ``"disc."``,
    ``"suff."``, ``"non suff."``, ``"NS"``; ``"insufficiente"`` is ``"non_sufficiente"``.
    """
    labels = ", ".join(label.lower() for _, label in reversed(SYNTHETIC_JUDGEMENTS))
    if not text.strip():
        raise GradeError(f"Giudizio mancante: scegliere tra {labels}.", code="empty")
    code = _match_choice(text, SYNTHETIC_JUDGEMENTS, _SYNTHETIC_ALIASES)
    if code is None:
        raise GradeError(f"Giudizio non valido: {_quote(text.strip())}. Giudizi: {labels}.")
    return code


def _rank(code: str, choices: tuple[tuple[str, str], ...], kind: str) -> int:
    for rank, (known, _) in enumerate(choices):
        if known == code:
            return rank
    raise GradeError(f"{kind} sconosciuto: {_quote(code)}.")


def judgement_rank(code: str) -> int:
    """0 for ``"insufficiente"`` up to 5 for ``"ottimo"``: for ordering, never for averages."""
    return _rank(code, JUDGEMENTS, "Giudizio")


def level_rank(code: str) -> int:
    """0 for ``"in_via_di_prima_acquisizione"`` up to 3 for ``"avanzato"``."""
    return _rank(code, DESCRIPTIVE_LEVELS, "Livello")


def synthetic_judgement_rank(code: str) -> int:
    """0 for ``"non_sufficiente"`` up to 5 for ``"ottimo"``: for ordering, never for averages."""
    return _rank(code, SYNTHETIC_JUDGEMENTS, "Giudizio")


def synthetic_judgement_label(code: str) -> str:
    """The display form of a giudizio sintetico: ``"non_sufficiente"`` -> ``"Non sufficiente"``."""
    return SYNTHETIC_JUDGEMENTS[synthetic_judgement_rank(code)][1]


def primary_label(code: str) -> str:
    """The label of a primary school evaluation of either regime: a giudizio sintetico
    (``"distinto"`` -> ``"Distinto"``) or a 2020 level (``"base"`` -> ``"Base"``); their codes
    are distinct, so a stored code is enough to read it."""
    for known, label in (*SYNTHETIC_JUDGEMENTS, *DESCRIPTIVE_LEVELS):
        if known == code:
            return label
    raise GradeError(f"Livello sconosciuto: {_quote(code)}.")


def primary_scale_for_year(first_year: int) -> str:
    """How primary school evaluated learning in the school year starting in ``first_year``:
    ``"sintetico"`` (giudizi sintetici, 2024/25 on), ``"livello"`` (descriptive levels,
    2020/21–2023/24) or ``"numerico"`` (marks in tenths, before). The values are those of
    ``grades.models.ScaleKind``; grades already written keep the scale they were written in."""
    if first_year >= FIRST_SYNTHETIC_YEAR:
        return "sintetico"
    if first_year >= FIRST_LEVELS_YEAR:
        return "livello"
    return "numerico"


def judgement_label(code: str) -> str:
    """The display form of a judgement code: ``"buono"`` -> ``"Buono"``."""
    return JUDGEMENTS[judgement_rank(code)][1]


def level_label(code: str) -> str:
    """The display form of a level code: ``"base"`` -> ``"Base"``."""
    return DESCRIPTIVE_LEVELS[level_rank(code)][1]


# --------------------------------------------------------------------------------------------
# Averages
# --------------------------------------------------------------------------------------------


def _round_half_up(value: Fraction) -> Decimal:
    """Round an exact fraction to 2 decimals, halves away from zero (ROUND_HALF_UP)."""
    cents = abs(value) * 100
    rounded = math.floor(cents + Fraction(1, 2))
    return (Decimal(rounded if value >= 0 else -rounded) / 100).quantize(_CENT)


def average(values: Sequence[Decimal], weights: Sequence[Decimal] | None = None) -> Decimal | None:
    """The arithmetic mean, or the weighted one, rounded to 2 decimals (ROUND_HALF_UP).

    ``None`` when there is nothing to average: no values, or every weight is 0. Weights must be
    as many as the values and not negative. The mean is computed exactly before rounding.
    """
    if weights is None:
        # The plain mean: the sum exact in Decimal (or the exact fractions' way), divided in
        # integers; the same as with weights all 1 (pages and charts compute hundreds).
        if not values:
            return None
        try:
            with localcontext(_EXACT):
                total = sum((_as_decimal(value) for value in values), Decimal(0))
        except Inexact:
            return _exact_average(values, [_ONE] * len(values))
        return _ratio_half_up(total, Decimal(len(values)))
    if len(weights) != len(values):
        raise ValueError("average() needs as many weights as values")
    if any(_as_decimal(weight) < 0 for weight in weights):
        raise ValueError("average() weights must not be negative")
    # Sums of products of short decimals are exact in Decimal (the context traps any rounding,
    # and then the slower exact fractions take over); only the final division needs Fraction.
    with localcontext(_EXACT):
        try:
            total = Decimal(0)
            weight_sum = Decimal(0)
            for value, weight in zip(values, weights, strict=True):
                exact_weight = _as_decimal(weight)
                total += _as_decimal(value) * exact_weight
                weight_sum += exact_weight
        except Inexact:
            return _exact_average(values, weights)
    if weight_sum == 0:
        return None
    return _ratio_half_up(total, weight_sum)


def _ratio_half_up(total: Decimal, weight_sum: Decimal) -> Decimal:
    """``total / weight_sum`` (both exact, the sum not negative) rounded like ``average``, in
    integers: the same result as the Fraction path, several times faster (pages and charts
    compute hundreds of averages)."""
    if total < 0:
        return _round_half_up(Fraction(total) / Fraction(weight_sum))
    total_num, total_den = total.as_integer_ratio()
    weight_num, weight_den = weight_sum.as_integer_ratio()
    numerator, denominator = total_num * weight_den, total_den * weight_num
    cents = (200 * numerator + denominator) // (2 * denominator)
    return (Decimal(cents) / 100).quantize(_CENT)


class RunningAverage:
    """`average()` of the values added so far, each addition in constant time (a trend chart
    asks for the average after every grade: recomputing it each time was quadratic)."""

    # The sums are kept as exact Decimals (sums of products of short decimals, as `average`
    # computes them: the context traps any rounding) and divided in integers; a sum that
    # Decimal cannot hold exactly moves both to exact fractions, the slower way.

    def __init__(self) -> None:
        self._total: Decimal | Fraction = Decimal(0)
        self._weight: Decimal | Fraction = Decimal(0)

    def add(self, value: Decimal, weight: Decimal = _ONE) -> None:
        exact_weight = _as_decimal(weight)
        if exact_weight < 0:
            raise ValueError("average() weights must not be negative")
        exact_value = _as_decimal(value)
        if isinstance(self._total, Decimal) and isinstance(self._weight, Decimal):
            try:
                with localcontext(_EXACT):
                    total = self._total + exact_value * exact_weight
                    weight_sum = self._weight + exact_weight
            except Inexact:
                self._total, self._weight = Fraction(self._total), Fraction(self._weight)
            else:
                self._total, self._weight = total, weight_sum
                return
        self._total = Fraction(self._total) + Fraction(exact_value) * Fraction(exact_weight)
        self._weight = Fraction(self._weight) + Fraction(exact_weight)

    @property
    def value(self) -> Decimal | None:
        if self._weight == 0:
            return None
        if isinstance(self._total, Decimal) and isinstance(self._weight, Decimal):
            return _ratio_half_up(self._total, self._weight)
        return _round_half_up(Fraction(self._total) / Fraction(self._weight))


def _exact_average(values: Sequence[Decimal], weights: Sequence[Decimal]) -> Decimal | None:
    total = Fraction(0)
    weight_sum = Fraction(0)
    for value, weight in zip(values, weights, strict=True):
        exact_weight = Fraction(_as_decimal(weight))
        total += Fraction(_as_decimal(value)) * exact_weight
        weight_sum += exact_weight
    if weight_sum == 0:
        return None
    return _round_half_up(total / weight_sum)
