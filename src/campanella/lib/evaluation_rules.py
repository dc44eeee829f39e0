"""The rules of the term-end evaluation (scrutinio), pure and typed (no Django at all).

What the class council may deliberate, by level of school and kind of session, read from the
law in force in 2026/27 (sources in ``/work/shared/domain/term-evaluation.md`` and
``docs/evaluation-rules.md``). The evaluation app calls these functions; forms, the API and
imports show their messages as they are, hence in Italian.

* **Levels** are plain strings equal to ``school.models.SchoolKind`` values (``lib`` may not
  import ``school``): :data:`PRIMARY`, :data:`LOWER_SECONDARY`, :data:`UPPER_SECONDARY`.
* **Credits** (Table A of D.Lgs 62/2017): :func:`credit_band`, :func:`credit_problems`,
  :func:`check_credit`, :func:`credits_total`.
* **The average M** of the final marks, behaviour included: :func:`final_average`.
* **Outcomes**: :func:`outcome_problems` (a list of problems, never raises for bad facts),
  :func:`check_outcome` (raises :class:`EvaluationRuleError`), :func:`suggest_outcome`.
* **Attendance** (the 25 % limit, waivers deducted): :func:`attendance_status`.
* **Marks in letters** for upper secondary report cards (DPR 135/2025):
  :func:`mark_in_letters`, :func:`mark_in_figures`.
* **What the school decides** is a :class:`SchoolCriteria` (documented defaults): every
  function takes one, :data:`DEFAULT_CRITERIA` when omitted.

Decisions (recorded in docs/evaluation-rules.md):

* Final marks are whole numbers from ``criteria.lowest_mark`` to 10, or "NC" (*non
  classificato*), which counts as ``lowest_mark`` in every average and as a failing mark. A
  school may allow half marks in final marks (``criteria.half_marks_in_final``): 6,5 is then
  written "6,5" in figures and "sei e mezzo" in letters. Behaviour is always a whole number.
* The average M is rounded to two decimals (half up) before Table A is read: with whole or
  half marks and fewer than 100 subjects the rounding can never move M across a band's edge.
* The upper point of a credit band needs behaviour ≥ 9 (D.Lgs 62/2017 art. 15 c. 2-bis, from
  L. 150/2024) *and* the school's criteria (attendance, interest, activities): the council
  says whether the latter are met, per student (``school_criteria_met``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final, NamedTuple

from campanella.lib.grades import SYNTHETIC_JUDGEMENTS, average

__all__ = [
    "ABROAD",
    "ADMITTED",
    "DEFAULT_CRITERIA",
    "LEVELS",
    "LOWER_SECONDARY",
    "NC",
    "NOT_ADMITTED",
    "NOT_ASSESSED",
    "OUTCOMES",
    "PRIMARY",
    "SESSIONS",
    "SESSION_FINAL",
    "SESSION_INTERMEDIATE",
    "SESSION_SUPPLEMENTARY",
    "SUSPENDED",
    "UPPER_SECONDARY",
    "WITHDRAWN",
    "AttendanceStatus",
    "CreditBand",
    "EvaluationRuleError",
    "Mark",
    "OutcomeFacts",
    "Problem",
    "SchoolCriteria",
    "Suggestion",
    "attendance_status",
    "behaviour_problems",
    "check_credit",
    "check_outcome",
    "counts_in_final_average",
    "credit_band",
    "credit_due",
    "credit_problems",
    "credits_total",
    "credits_total_problems",
    "failing_subjects",
    "final_average",
    "final_mark_problems",
    "is_failing",
    "mark_in_figures",
    "mark_in_figures_and_letters",
    "mark_in_letters",
    "outcome_label",
    "outcome_problems",
    "suggest_outcome",
    "years_of_course",
]

# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------

# Levels of school: the values of school.models.SchoolKind (tests keep them equal).
PRIMARY: Final = "primaria"
LOWER_SECONDARY: Final = "secondaria1"
UPPER_SECONDARY: Final = "secondaria2"
LEVELS: Final = (PRIMARY, LOWER_SECONDARY, UPPER_SECONDARY)
_LEVEL_NAMES: Final = {
    PRIMARY: "scuola primaria",
    LOWER_SECONDARY: "scuola secondaria di primo grado",
    UPPER_SECONDARY: "scuola secondaria di secondo grado",
}

# Kinds of session of a classroom (domain §1).
SESSION_INTERMEDIATE: Final = "intermedio"
SESSION_FINAL: Final = "finale"
SESSION_SUPPLEMENTARY: Final = "integrativo"  # for suspended judgements (O.M. 92/2007 art. 8)
SESSIONS: Final = (SESSION_INTERMEDIATE, SESSION_FINAL, SESSION_SUPPLEMENTARY)

# Outcomes of a student (domain §3.7); in the last year "admitted" means to the State exam.
ADMITTED: Final = "ammesso"
NOT_ADMITTED: Final = "non_ammesso"
SUSPENDED: Final = "sospeso"  # sospensione del giudizio: upper secondary years 1–4
NOT_ASSESSED: Final = "non_valutato"  # over the attendance limit without a waiver
WITHDRAWN: Final = "ritirato"
ABROAD: Final = "anno_estero"  # a year of study abroad (upper secondary)
OUTCOMES: Final[tuple[tuple[str, str], ...]] = (
    (ADMITTED, "Ammesso"),
    (NOT_ADMITTED, "Non ammesso"),
    (SUSPENDED, "Giudizio sospeso"),
    (NOT_ASSESSED, "Non valutato per le assenze"),
    (WITHDRAWN, "Ritirato"),
    (ABROAD, "Anno all'estero"),
)
_OUTCOME_CODES: Final = frozenset(code for code, _ in OUTCOMES)

NC: Final = "NC"  # non classificato
PASS_MARK: Final = 6
TOP_MARK: Final = 10
BEHAVIOUR_FOR_UPPER_POINT: Final = 9  # L. 150/2024
MAX_TOTAL_CREDITS: Final = 40
MAX_CREDITS: Final = {3: 12, 4: 13, 5: 15}  # the top of Table A in each year
WEEKS_PER_YEAR: Final = 33  # the conventional annual timetable: weekly hours × 33

_SYNTHETIC_CODES: Final = frozenset(code for code, _ in SYNTHETIC_JUDGEMENTS)
_SYNTHETIC_FAIL: Final = "non_sufficiente"
# Subject kinds (school.models.SubjectKind values) outside the average M: religion and the
# alternative activity have judgements; support is no subject of its own; behaviour is passed
# to final_average apart.
_OUTSIDE_AVERAGE: Final = frozenset({"religione", "alternativa", "sostegno", "condotta"})

Mark = Decimal | int | str
"""A final mark: a number, "NC", or (primary school) the code of a giudizio sintetico."""


class Problem(str):
    """One Italian message about a deliberation, with a stable ``code`` for the API."""

    code: str

    def __new__(cls, message: str, code: str) -> Problem:
        problem = super().__new__(cls, message)
        problem.code = code
        return problem


class EvaluationRuleError(ValueError):
    """Facts that break a rule; ``str()`` is the Italian message (every problem, in order),
    ``problems`` the single problems, ``code`` the first one's code."""

    def __init__(self, problems: Sequence[Problem] | Problem) -> None:
        self.problems: list[Problem] = (
            [problems] if isinstance(problems, Problem) else list(problems)
        )
        self.message = " ".join(self.problems)
        self.code = self.problems[0].code if self.problems else "invalid"
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


def _raise_if(problems: Sequence[Problem]) -> None:
    if problems:
        raise EvaluationRuleError(problems)


def _number(value: Decimal | int) -> str:
    """6 -> "6"; Decimal("6.50") -> "6,5" (Italian decimal comma)."""
    text = f"{Decimal(value).normalize():f}"
    return text.replace(".", ",")


def years_of_course(level: str) -> range:
    """1–5 in primary and upper secondary, 1–3 in lower secondary."""
    if level == LOWER_SECONDARY:
        return range(1, 4)
    if level in (PRIMARY, UPPER_SECONDARY):
        return range(1, 6)
    raise EvaluationRuleError(Problem(f"Ordine di scuola sconosciuto: «{level}».", "level"))


def outcome_label(code: str) -> str:
    for known, label in OUTCOMES:
        if known == code:
            return label
    raise EvaluationRuleError(Problem(f"Esito sconosciuto: «{code}».", "outcome_unknown"))


# --------------------------------------------------------------------------------------------
# What the school decides
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SchoolCriteria:
    """The school's own criteria for the scrutinio (collegio dei docenti, in the PTOF).

    These are **school settings**, not law; the defaults are what most schools deliberate:

    * ``max_debts_for_suspension`` (3): at most this many subjects below 6 allow a suspended
      judgement in upper secondary years 1–4; more mean non-admission (O.M. 92/2007 leaves it
      to the school).
    * ``lowest_mark`` (1): the lowest final mark in use (schools often use 2, 3 or 4); "NC"
      counts as this in the average.
    * ``half_marks_in_final`` (False): final marks are whole numbers; True allows 6,5.
    * ``lower_secondary_max_failures`` (None): in lower secondary the council may admit with
      subjects below 6 (D.Lgs 62/2017 art. 6); a number makes admission with more failing
      subjects a problem. None: the council decides case by case.
    * ``exam_requires_invalsi`` / ``exam_requires_pcto`` (True): admission to the State exams
      requires taking the INVALSI tests (both levels) and the hours of PCTO (upper
      secondary), as D.Lgs 62/2017 arts. 7 and 13 say; a yearly decree has waived them before
      (2020–2023), so they can be switched off.
    """

    max_debts_for_suspension: int = 3
    lowest_mark: int = 1
    half_marks_in_final: bool = False
    lower_secondary_max_failures: int | None = None
    exam_requires_invalsi: bool = True
    exam_requires_pcto: bool = True

    def __post_init__(self) -> None:
        if not 0 <= self.lowest_mark < PASS_MARK:
            raise ValueError("SchoolCriteria.lowest_mark must be between 0 and 5")
        if self.max_debts_for_suspension < 1:
            raise ValueError("SchoolCriteria.max_debts_for_suspension must be at least 1")
        if self.lower_secondary_max_failures is not None and self.lower_secondary_max_failures < 0:
            raise ValueError("SchoolCriteria.lower_secondary_max_failures must not be negative")


DEFAULT_CRITERIA: Final = SchoolCriteria()


# --------------------------------------------------------------------------------------------
# Final marks
# --------------------------------------------------------------------------------------------


def _as_mark_number(mark: Mark, criteria: SchoolCriteria) -> Decimal | None:
    """The value of a numeric final mark ("NC" = the lowest mark); None if it is not one."""
    if isinstance(mark, bool):
        return None
    if isinstance(mark, int):
        return Decimal(mark)
    if isinstance(mark, Decimal):
        return mark if mark.is_finite() else None
    text = mark.strip()
    if text.upper() == NC:
        return Decimal(criteria.lowest_mark)
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _is_nc(mark: Mark) -> bool:
    return isinstance(mark, str) and mark.strip().upper() == NC


def final_mark_problems(
    level: str, subject: str, mark: Mark, criteria: SchoolCriteria = DEFAULT_CRITERIA
) -> list[Problem]:
    """Whether ``mark`` can be the final mark of ``subject``: a giudizio sintetico in primary
    school, a whole number from ``criteria.lowest_mark`` to 10 (or a half, if the school
    allows it) or "NC" in secondary school."""
    if level == PRIMARY:
        if isinstance(mark, str) and mark in _SYNTHETIC_CODES:
            return []
        return [
            Problem(
                f"{subject}: nella scuola primaria la valutazione è un giudizio sintetico "
                "(da ottimo a non sufficiente), non «" + str(mark) + "».",
                "mark_not_judgement",
            )
        ]
    if _is_nc(mark):
        return []
    value = _as_mark_number(mark, criteria)
    scale = f"tra {criteria.lowest_mark} e {TOP_MARK}"
    if value is None:
        return [
            Problem(
                f"{subject}: voto non valido «{mark}»; scrivere un voto {scale} o NC.",
                "mark_invalid",
            )
        ]
    if not criteria.lowest_mark <= value <= TOP_MARK:
        return [
            Problem(
                f"{subject}: il voto {_number(value)} è fuori scala ({scale}).", "mark_out_of_range"
            )
        ]
    if value != value.to_integral_value():
        if criteria.half_marks_in_final and (value * 2) == (value * 2).to_integral_value():
            return []
        allowed = "interi o con il mezzo voto" if criteria.half_marks_in_final else "interi"
        return [
            Problem(
                f"{subject}: il voto finale {_number(value)} non è ammesso; i voti "
                f"finali sono {allowed}.",
                "mark_not_whole",
            )
        ]
    return []


def is_failing(mark: Mark, criteria: SchoolCriteria = DEFAULT_CRITERIA) -> bool:
    """Below the pass mark: a number under 6, "NC", or "non sufficiente" (primary)."""
    if _is_nc(mark):
        return True
    if isinstance(mark, str) and mark in _SYNTHETIC_CODES:
        return mark == _SYNTHETIC_FAIL
    value = _as_mark_number(mark, criteria)
    if value is None:
        raise EvaluationRuleError(Problem(f"Voto non valido: «{mark}».", "mark_invalid"))
    return value < PASS_MARK


def failing_subjects(
    marks: Mapping[str, Mark], criteria: SchoolCriteria = DEFAULT_CRITERIA
) -> list[str]:
    """The subjects whose final mark is failing, in the order given."""
    return [subject for subject, mark in marks.items() if is_failing(mark, criteria)]


def behaviour_problems(
    level: str,
    behaviour: Mark | None,
    reason: str = "",
    criteria: SchoolCriteria = DEFAULT_CRITERIA,
) -> list[Problem]:
    """Behaviour: a giudizio sintetico in primary school; in secondary school a whole mark out
    of ten with a written reason (L. 150/2024, O.M. 3/2025)."""
    if behaviour is None or (isinstance(behaviour, str) and not behaviour.strip()):
        return [Problem("Manca la valutazione del comportamento.", "behaviour_missing")]
    if level == PRIMARY:
        if isinstance(behaviour, str) and behaviour in _SYNTHETIC_CODES:
            return []
        return [
            Problem(
                "Nella scuola primaria il comportamento si valuta con un giudizio "
                "sintetico (da ottimo a non sufficiente).",
                "behaviour_not_judgement",
            )
        ]
    value = None if _is_nc(behaviour) else _as_mark_number(behaviour, criteria)
    problems: list[Problem] = []
    if value is None or value != value.to_integral_value() or not 1 <= value <= TOP_MARK:
        problems.append(
            Problem(
                f"Il voto di comportamento deve essere un numero intero da 1 "
                f"a {TOP_MARK}, non «{behaviour}».",
                "behaviour_invalid",
            )
        )
    if not reason.strip():
        problems.append(
            Problem(
                "Il voto di comportamento richiede una motivazione scritta.",
                "behaviour_reason_missing",
            )
        )
    return problems


def _behaviour_value(behaviour: Mark | None) -> Decimal | None:
    if behaviour is None or isinstance(behaviour, bool) or _is_nc(behaviour):
        return None
    return _as_mark_number(behaviour, DEFAULT_CRITERIA)


# --------------------------------------------------------------------------------------------
# The average M and credits (Table A of D.Lgs 62/2017)
# --------------------------------------------------------------------------------------------


def counts_in_final_average(subject_kind: str) -> bool:
    """Whether a subject of this kind (``school.models.SubjectKind`` value) enters the average
    M: not religion nor the alternative activity (judgements), not support; behaviour enters
    it too but is passed to :func:`final_average` apart."""
    return subject_kind not in _OUTSIDE_AVERAGE


def final_average(
    marks: Iterable[Mark], behaviour: Mark, criteria: SchoolCriteria = DEFAULT_CRITERIA
) -> Decimal:
    """The average M of the final marks *and* behaviour, two decimals, rounded half up.

    ``marks`` are the final marks of the subjects that count (:func:`counts_in_final_average`;
    civic education included); "NC" counts as ``criteria.lowest_mark``. A judgement (religion,
    the alternative activity, a giudizio sintetico) is refused, never skipped.
    """
    values: list[Decimal] = []
    for mark in [*marks, behaviour]:
        value = _as_mark_number(mark, criteria)
        if value is None:
            raise EvaluationRuleError(
                Problem(
                    f"«{mark}» non è un voto numerico: i giudizi (religione, attività alternativa, "
                    "scuola primaria) non entrano nella media.",
                    "average_not_numeric",
                )
            )
        if not 0 <= value <= TOP_MARK:
            raise EvaluationRuleError(
                Problem(f"Il voto {_number(value)} è fuori scala.", "mark_out_of_range")
            )
        values.append(value)
    result = average(values)
    assert result is not None  # behaviour is always there
    return result


class CreditBand(NamedTuple):
    """The credits the council may give: ``low`` to ``high``, both included."""

    low: int
    high: int


# Table A of D.Lgs 62/2017 (as in the domain file): rows M < 6, M = 6, 6 < M ≤ 7, 7 < M ≤ 8,
# 8 < M ≤ 9, 9 < M ≤ 10; None where there is no band (years III and IV with M < 6).
TABLE_A: Final[dict[int, tuple[CreditBand | None, ...]]] = {
    3: (None, CreditBand(7, 8), CreditBand(8, 9), CreditBand(9, 10), CreditBand(10, 11),
        CreditBand(11, 12)),
    4: (None, CreditBand(8, 9), CreditBand(9, 10), CreditBand(10, 11), CreditBand(11, 12),
        CreditBand(12, 13)),
    5: (CreditBand(7, 8), CreditBand(9, 10), CreditBand(10, 11), CreditBand(11, 12),
        CreditBand(13, 14), CreditBand(14, 15)),
}  # fmt: skip
_ROW_NAMES: Final = ("M < 6", "M = 6", "6 < M ≤ 7", "7 < M ≤ 8", "8 < M ≤ 9", "9 < M ≤ 10")


def _table_a_row(average_m: Decimal) -> int:
    if average_m < PASS_MARK:
        return 0
    if average_m == PASS_MARK:
        return 1
    for row, top in enumerate((7, 8, 9), start=2):
        if average_m <= top:
            return row
    return 5


def _check_average(average_m: Decimal | int) -> Decimal:
    value = Decimal(average_m)
    shown = _number(value) if value.is_finite() else str(average_m)
    if not value.is_finite() or not 0 <= value <= TOP_MARK:
        raise EvaluationRuleError(
            Problem(
                f"La media {shown} non è valida: deve essere compresa tra 0 e {TOP_MARK}.",
                "average_out_of_range",
            )
        )
    return value


def credit_band(
    year_of_course: int,
    average_m: Decimal | int,
    *,
    behaviour: Decimal | int | None = None,
    school_criteria_met: bool = True,
) -> CreditBand | None:
    """The credit band of Table A for a student of upper secondary.

    None in years 1–2 (no credits) and in years 3–4 with M < 6 (no band: such a student is not
    admitted, or suspended until the integrativo). Without ``behaviour``, the band as the table
    prints it; with it, the credits the council may give: the upper point only with behaviour
    ≥ 9 and ``school_criteria_met`` (else the band shrinks to its lower point).
    """
    if year_of_course in (1, 2):
        return None
    if year_of_course not in TABLE_A:
        raise EvaluationRuleError(
            Problem(
                f"Anno di corso {year_of_course} non valido: i crediti si danno dal 3° al 5° anno.",
                "year_invalid",
            )
        )
    band = TABLE_A[year_of_course][_table_a_row(_check_average(average_m))]
    if band is None:
        return None
    top_allowed = school_criteria_met and (
        behaviour is None or behaviour >= BEHAVIOUR_FOR_UPPER_POINT
    )
    return band if top_allowed else CreditBand(band.low, band.low)


def credit_problems(
    year_of_course: int,
    average_m: Decimal | int,
    credit: int,
    *,
    behaviour: Decimal | int,
    school_criteria_met: bool = True,
) -> list[Problem]:
    """Whether the council may give ``credit`` to a student with average M and behaviour."""
    band = credit_band(year_of_course, average_m)
    shown = _number(Decimal(average_m).quantize(Decimal("0.01")))
    if band is None:
        return [
            Problem(
                f"Nessun credito nel {year_of_course}° anno con media {shown}: la Tabella A non "
                "prevede una fascia.",
                "credit_no_band",
            )
        ]
    row = _ROW_NAMES[_table_a_row(Decimal(average_m))]
    if not band.low <= credit <= band.high:
        return [
            Problem(
                f"Il credito {credit} è fuori dalla fascia {band.low}–{band.high} della Tabella A "
                f"({year_of_course}° anno, media {shown}, fascia {row}).",
                "credit_out_of_band",
            )
        ]
    problems: list[Problem] = []
    if credit == band.high and band.high != band.low:
        if behaviour < BEHAVIOUR_FOR_UPPER_POINT:
            problems.append(
                Problem(
                    f"Il punto più alto della fascia ({band.high}) richiede almeno "
                    f"{BEHAVIOUR_FOR_UPPER_POINT} in comportamento (L. 150/2024); il voto di "
                    f"comportamento è {_number(behaviour)}: il credito è {band.low}.",
                    "credit_upper_point_behaviour",
                )
            )
        if not school_criteria_met:
            problems.append(
                Problem(
                    f"Il punto più alto della fascia ({band.high}) richiede i criteri deliberati "
                    "dalla scuola (assiduità, interesse, partecipazione, attività).",
                    "credit_upper_point_criteria",
                )
            )
    return problems


def check_credit(
    year_of_course: int,
    average_m: Decimal | int,
    credit: int,
    *,
    behaviour: Decimal | int,
    school_criteria_met: bool = True,
) -> None:
    """:func:`credit_problems`, raised as one :class:`EvaluationRuleError`."""
    _raise_if(
        credit_problems(
            year_of_course,
            average_m,
            credit,
            behaviour=behaviour,
            school_criteria_met=school_criteria_met,
        )
    )


def credits_total_problems(
    year_of_course: int, earlier: Sequence[int], current: int
) -> list[Problem]:
    """Credits of earlier years (3rd, then 4th) plus this year's: each within its year's
    maximum (12, 13, 15), one per earlier year, the total out of 40."""
    if year_of_course not in MAX_CREDITS:
        return [
            Problem(
                f"Anno di corso {year_of_course} non valido: i crediti si danno dal 3° al 5° anno.",
                "year_invalid",
            )
        ]
    problems: list[Problem] = []
    expected = year_of_course - 3
    if len(earlier) != expected:
        problems.append(
            Problem(
                f"Nel {year_of_course}° anno servono i crediti di {expected} anni precedenti, "
                f"ne sono indicati {len(earlier)}.",
                "credits_earlier_count",
            )
        )
    by_year = list(zip(range(3, year_of_course), earlier, strict=False))
    if len(earlier) != expected:
        by_year = []  # which credit is which year's is unknown
    for year, credit in [*by_year, (year_of_course, current)]:
        if not 0 <= credit <= MAX_CREDITS[year]:
            problems.append(
                Problem(
                    f"Il credito del {year}° anno ({credit}) deve essere tra 0 e "
                    f"{MAX_CREDITS[year]}.",
                    "credit_out_of_range",
                )
            )
    total = sum(earlier) + current
    if total > MAX_TOTAL_CREDITS:
        problems.append(
            Problem(
                f"Il credito complessivo ({total}) supera i {MAX_TOTAL_CREDITS} punti.",
                "credits_total_over",
            )
        )
    return problems


def credits_total(year_of_course: int, earlier: Sequence[int], current: int) -> int:
    """The total of the credits so far (out of 40); raises on :func:`credits_total_problems`."""
    _raise_if(credits_total_problems(year_of_course, earlier, current))
    return sum(earlier) + current


def credit_due(level: str, year_of_course: int, session: str, outcome: str) -> bool:
    """Whether this deliberation gives a credit: upper secondary years 3–5, an admitted student
    at the final session, or at the integrativo for a judgement suspended in June."""
    return (
        level == UPPER_SECONDARY
        and year_of_course in MAX_CREDITS
        and session in (SESSION_FINAL, SESSION_SUPPLEMENTARY)
        and outcome == ADMITTED
    )


# --------------------------------------------------------------------------------------------
# Attendance: the 25 % limit (DPR 122/2009 art. 14 c. 7; D.Lgs 62/2017 arts. 5 and 13)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AttendanceStatus:
    """Hours absent against the annual timetable.

    ``applies`` is False in primary school (no limit): ``over_limit`` is then always False.
    ``counted_hours`` are the hours absent less the waived ones (never below 0);
    ``limit_hours`` the most that may be counted (a quarter of the annual hours, rounded down);
    ``remaining_hours`` how many more may be missed (negative when over).
    """

    applies: bool
    annual_hours: int
    absent_hours: int
    waived_hours: int
    counted_hours: int
    limit_hours: int
    over_limit: bool
    share: Decimal  # counted / annual, as a percentage with 2 decimals

    @property
    def remaining_hours(self) -> int:
        return self.limit_hours - self.counted_hours

    @property
    def assessable(self) -> bool:
        """The year is valid: the student can be assessed (admitted, suspended…)."""
        return not self.over_limit


def attendance_status(
    level: str,
    absent_hours: int,
    *,
    annual_hours: int | None = None,
    weekly_hours: int | None = None,
    weeks: int = WEEKS_PER_YEAR,
    waived_hours: int = 0,
) -> AttendanceStatus:
    """The attendance check of the scrutinio for one student.

    The annual hours are either given (``annual_hours``, the personalised annual timetable) or
    ``weekly_hours × weeks`` (33 weeks by convention). Absences over a quarter of them, after
    the waived hours (*deroghe*), make the year invalid in lower and upper secondary school.
    """
    if (annual_hours is None) == (weekly_hours is None):
        raise EvaluationRuleError(
            Problem(
                "Indicare il monte ore annuo oppure le ore settimanali, non entrambi né nessuno.",
                "attendance_hours_source",
            )
        )
    if weekly_hours is not None:
        if weekly_hours <= 0 or weeks <= 0:
            raise EvaluationRuleError(
                Problem(
                    "Le ore settimanali e le settimane devono essere positive.",
                    "attendance_hours_invalid",
                )
            )
        annual_hours = weekly_hours * weeks
    assert annual_hours is not None
    if annual_hours <= 0:
        raise EvaluationRuleError(
            Problem("Il monte ore annuo deve essere positivo.", "attendance_hours_invalid")
        )
    if absent_hours < 0 or waived_hours < 0:
        raise EvaluationRuleError(
            Problem(
                "Le ore di assenza e quelle in deroga non possono essere negative.",
                "attendance_hours_invalid",
            )
        )
    years_of_course(level)  # refuses an unknown level
    counted = max(0, absent_hours - waived_hours)
    limit = annual_hours // 4
    applies = level != PRIMARY
    share = (Decimal(100 * counted) / Decimal(annual_hours)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    return AttendanceStatus(
        applies=applies,
        annual_hours=annual_hours,
        absent_hours=absent_hours,
        waived_hours=waived_hours,
        counted_hours=counted,
        limit_hours=limit,
        over_limit=applies and counted > limit,
        share=share,
    )


# --------------------------------------------------------------------------------------------
# Outcomes (domain §3.5, §3.7)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeFacts:
    """What the council knows and decides about one student in one session.

    ``marks``: final mark per subject name, religion and the alternative activity excluded
    (numbers or "NC"; giudizi sintetici in primary school). ``behaviour``: a whole number in
    secondary school, a giudizio sintetico in primary. ``attendance_ok``: within the limit or
    waived (:attr:`AttendanceStatus.assessable`). ``debts``: the subjects of a suspended
    judgement. ``citizenship_assignment``: the critical essay on active citizenship given with
    behaviour 6. ``reason``: the reasoned deliberation (non-admission; admission to the exam
    with one subject below 6). ``unanimous``: the deliberation was unanimous (needed to hold a
    primary pupil back). ``invalsi_taken``, ``pcto_completed``, ``admission_mark``: admission
    to the State exams (the mark out of ten in lower secondary year 3).
    """

    level: str
    year_of_course: int
    session: str
    outcome: str
    marks: Mapping[str, Mark] = field(default_factory=dict)
    behaviour: Mark | None = None
    attendance_ok: bool = True
    debts: Collection[str] = ()
    citizenship_assignment: bool = False
    reason: str = ""
    unanimous: bool = False
    invalsi_taken: bool = True
    pcto_completed: bool = True
    admission_mark: int | None = None


def _last_year(level: str, year: int) -> bool:
    """The year that ends with a State exam (lower secondary 3rd, upper secondary 5th)."""
    return (level, year) in ((LOWER_SECONDARY, 3), (UPPER_SECONDARY, 5))


def _names(subjects: Iterable[str]) -> str:
    return ", ".join(subjects)


def _structure_problems(facts: OutcomeFacts) -> list[Problem]:
    """Level, year, session and outcome known and compatible with each other."""
    if facts.level not in LEVELS:
        return [Problem(f"Ordine di scuola sconosciuto: «{facts.level}».", "level")]
    if facts.year_of_course not in years_of_course(facts.level):
        return [
            Problem(
                f"Anno di corso {facts.year_of_course} non valido per la "
                f"{_LEVEL_NAMES[facts.level]}.",
                "year_invalid",
            )
        ]
    if facts.session not in SESSIONS:
        return [Problem(f"Tipo di scrutinio sconosciuto: «{facts.session}».", "session_unknown")]
    if facts.session == SESSION_INTERMEDIATE:
        if facts.outcome:
            return [
                Problem(
                    "Negli scrutini intermedi non si delibera l'esito.", "outcome_in_intermediate"
                )
            ]
        return []
    if facts.session == SESSION_SUPPLEMENTARY and not (
        facts.level == UPPER_SECONDARY and facts.year_of_course <= 4
    ):
        return [
            Problem(
                "Lo scrutinio integrativo esiste solo nei primi quattro anni della "
                "secondaria di secondo grado.",
                "supplementary_not_here",
            )
        ]
    if not facts.outcome:
        return [Problem("Manca l'esito.", "outcome_missing")]
    if facts.outcome not in _OUTCOME_CODES:
        return [Problem(f"Esito sconosciuto: «{facts.outcome}».", "outcome_unknown")]
    return []


def _value_problems(facts: OutcomeFacts, criteria: SchoolCriteria) -> list[Problem]:
    problems: list[Problem] = []
    for subject, mark in facts.marks.items():
        problems += final_mark_problems(facts.level, subject, mark, criteria)
    if facts.outcome in (WITHDRAWN, ABROAD, NOT_ASSESSED):
        return problems
    # The reason of behaviour is the evaluation app's (it is written with the mark).
    problems += [
        p
        for p in behaviour_problems(facts.level, facts.behaviour, "-", criteria)
        if p.code != "behaviour_reason_missing"
    ]
    return problems


def _suspension_problems(
    facts: OutcomeFacts, failing: list[str], behaviour: Decimal | None, criteria: SchoolCriteria
) -> list[Problem]:
    if not (facts.level == UPPER_SECONDARY and facts.year_of_course <= 4):
        return [
            Problem(
                "La sospensione del giudizio esiste solo nei primi quattro anni della "
                "secondaria di secondo grado.",
                "suspended_not_here",
            )
        ]
    if facts.session != SESSION_FINAL:
        return [
            Problem(
                "Il giudizio si sospende allo scrutinio finale; all'integrativo l'esito "
                "è ammesso o non ammesso.",
                "suspended_not_final",
            )
        ]
    problems: list[Problem] = []
    if behaviour is not None and behaviour < PASS_MARK:
        problems.append(
            Problem(
                f"Con {_number(behaviour)} in comportamento lo studente non è "
                "ammesso: il giudizio non si sospende.",
                "behaviour_not_admitted",
            )
        )
    debts = list(facts.debts)
    behaviour_six = behaviour == PASS_MARK
    if not debts and not behaviour_six:
        problems.append(
            Problem(
                "Per sospendere il giudizio indicare le materie con il debito.",
                "suspended_without_debts",
            )
        )
    unknown = [s for s in debts if s not in facts.marks]
    if unknown:
        problems.append(
            Problem(
                f"Debito in materie senza voto finale: {_names(unknown)}.", "debt_unknown_subject"
            )
        )
    passed = [s for s in debts if s in facts.marks and s not in failing]
    if passed:
        problems.append(
            Problem(
                f"Debito in materie con voto sufficiente: {_names(passed)}.",
                "debt_sufficient_subject",
            )
        )
    missing = [s for s in failing if s not in debts]
    if missing:
        problems.append(
            Problem(f"Materie insufficienti senza debito: {_names(missing)}.", "debt_missing")
        )
    if len(failing) > criteria.max_debts_for_suspension:
        problems.append(
            Problem(
                f"{len(failing)} materie insufficienti: i criteri della scuola sospendono il "
                f"giudizio con al massimo {criteria.max_debts_for_suspension} debiti.",
                "too_many_debts",
            )
        )
    if behaviour_six and not facts.citizenship_assignment:
        problems.append(
            Problem(
                "Con 6 in comportamento si assegna l'elaborato di cittadinanza attiva.",
                "citizenship_assignment_missing",
            )
        )
    return problems


def _admission_problems(
    facts: OutcomeFacts, failing: list[str], behaviour: Decimal | None, criteria: SchoolCriteria
) -> list[Problem]:
    level, year = facts.level, facts.year_of_course
    problems: list[Problem] = []
    if level == PRIMARY:
        return problems
    shown = _number(behaviour) if behaviour is not None else ""
    exam = _last_year(level, year)
    if behaviour is not None and behaviour < PASS_MARK:
        problems.append(
            Problem(
                f"Con {shown} in comportamento lo studente non può essere ammesso.",
                "behaviour_not_admitted",
            )
        )
    elif (
        behaviour == PASS_MARK
        and level == UPPER_SECONDARY
        and not exam
        and facts.session == SESSION_FINAL
    ):
        problems.append(
            Problem(
                "Con 6 in comportamento il giudizio è sospeso e si assegna "
                "l'elaborato di cittadinanza attiva.",
                "behaviour_six_suspends",
            )
        )
    if level == UPPER_SECONDARY and not exam and failing:
        problems.append(
            Problem(
                f"Con materie insufficienti ({_names(failing)}) lo studente non "
                "può essere ammesso: giudizio sospeso o non ammesso.",
                "admitted_with_failing",
            )
        )
    if level == UPPER_SECONDARY and exam:
        if len(failing) > 1:
            problems.append(
                Problem(
                    f"All'esame di Stato si è ammessi con al più una materia "
                    f"insufficiente; sono {len(failing)}: {_names(failing)}.",
                    "exam_too_many_failing",
                )
            )
        elif failing and not facts.reason.strip():
            problems.append(
                Problem(
                    f"Ammissione all'esame con {failing[0]} insufficiente: serve "
                    "una delibera motivata.",
                    "exam_reason_missing",
                )
            )
        if criteria.exam_requires_pcto and not facts.pcto_completed:
            problems.append(
                Problem(
                    "Per l'ammissione all'esame servono le ore di PCTO previste.",
                    "exam_pcto_missing",
                )
            )
    if level == LOWER_SECONDARY and criteria.lower_secondary_max_failures is not None:
        if len(failing) > criteria.lower_secondary_max_failures:
            problems.append(
                Problem(
                    f"{len(failing)} materie insufficienti: i criteri della scuola ammettono "
                    f"con al massimo {criteria.lower_secondary_max_failures}.",
                    "too_many_failing",
                )
            )
    if exam and criteria.exam_requires_invalsi and not facts.invalsi_taken:
        problems.append(
            Problem(
                "Per l'ammissione all'esame serve aver sostenuto le prove INVALSI.",
                "exam_invalsi_missing",
            )
        )
    if level == LOWER_SECONDARY and exam:
        mark = facts.admission_mark
        if mark is None:
            problems.append(
                Problem(
                    "Manca il voto di ammissione all'esame (in decimi).", "admission_mark_missing"
                )
            )
        elif isinstance(mark, bool) or not criteria.lowest_mark <= mark <= TOP_MARK:
            problems.append(
                Problem(
                    f"Il voto di ammissione deve essere un intero tra "
                    f"{criteria.lowest_mark} e {TOP_MARK}.",
                    "admission_mark_invalid",
                )
            )
    return problems


def _non_admission_problems(
    facts: OutcomeFacts, failing: list[str], behaviour: Decimal | None, criteria: SchoolCriteria
) -> list[Problem]:
    problems: list[Problem] = []
    if not facts.reason.strip():
        problems.append(Problem("La non ammissione richiede una motivazione.", "reason_missing"))
    if facts.level == PRIMARY:
        if not facts.unanimous:
            problems.append(
                Problem(
                    "Nella scuola primaria la non ammissione si delibera solo "
                    "all'unanimità, in casi eccezionali.",
                    "unanimity_missing",
                )
            )
        return problems
    grounds = bool(failing) or not facts.attendance_ok
    if behaviour is not None:
        grounds = grounds or behaviour < PASS_MARK
    if _last_year(facts.level, facts.year_of_course):
        grounds = grounds or (criteria.exam_requires_invalsi and not facts.invalsi_taken)
        if facts.level == UPPER_SECONDARY:
            grounds = grounds or (criteria.exam_requires_pcto and not facts.pcto_completed)
    if not grounds:
        problems.append(
            Problem(
                "Voti e comportamento sufficienti e frequenza valida: la non "
                "ammissione non ha fondamento.",
                "not_admitted_without_grounds",
            )
        )
    return problems


def outcome_problems(
    facts: OutcomeFacts, criteria: SchoolCriteria = DEFAULT_CRITERIA
) -> list[Problem]:
    """Everything wrong with deliberating ``facts.outcome`` for these facts, in Italian; an
    empty list when the outcome is consistent with the law and the school's criteria."""
    problems = _structure_problems(facts)
    if problems or facts.session == SESSION_INTERMEDIATE:
        return problems
    problems = _value_problems(facts, criteria)
    if problems:
        return problems
    outcome, level = facts.outcome, facts.level
    if outcome == WITHDRAWN:
        return []
    if outcome == ABROAD:
        if level != UPPER_SECONDARY:
            return [
                Problem(
                    "L'anno all'estero riguarda la secondaria di secondo grado.", "abroad_not_here"
                )
            ]
        return []
    if outcome == NOT_ASSESSED:
        if level == PRIMARY:
            return [
                Problem(
                    "Nella scuola primaria non c'è un limite di assenze: l'alunno si valuta.",
                    "no_attendance_limit",
                )
            ]
        if facts.attendance_ok:
            return [Problem("La frequenza è valida: lo studente si valuta.", "attendance_ok")]
        return []
    failing = failing_subjects(facts.marks, criteria)
    behaviour = None if level == PRIMARY else _behaviour_value(facts.behaviour)
    if level != PRIMARY and not facts.attendance_ok and outcome in (ADMITTED, SUSPENDED):
        problems.append(
            Problem(
                "Assenze oltre un quarto dell'orario annuale senza deroga: "
                "l'anno non è valido e lo studente non si valuta.",
                "attendance_over_limit",
            )
        )
    if outcome == SUSPENDED:
        problems += _suspension_problems(facts, failing, behaviour, criteria)
    elif outcome == ADMITTED:
        problems += _admission_problems(facts, failing, behaviour, criteria)
    else:
        problems += _non_admission_problems(facts, failing, behaviour, criteria)
    if outcome != ADMITTED and facts.admission_mark is not None:
        problems.append(
            Problem(
                "Il voto di ammissione si dà solo agli ammessi all'esame.",
                "admission_mark_not_admitted",
            )
        )
    return problems


def check_outcome(facts: OutcomeFacts, criteria: SchoolCriteria = DEFAULT_CRITERIA) -> None:
    """:func:`outcome_problems`, raised as one :class:`EvaluationRuleError`."""
    _raise_if(outcome_problems(facts, criteria))


@dataclass(frozen=True, slots=True)
class Suggestion:
    """The outcome the rules lead to, for the council to confirm or change."""

    outcome: str
    debts: tuple[str, ...] = ()
    citizenship_assignment: bool = False
    needs_reason: bool = False  # a reasoned deliberation must be written


def suggest_outcome(
    level: str,
    year_of_course: int,
    session: str,
    marks: Mapping[str, Mark],
    behaviour: Mark | None,
    *,
    attendance_ok: bool = True,
    invalsi_taken: bool = True,
    pcto_completed: bool = True,
    criteria: SchoolCriteria = DEFAULT_CRITERIA,
) -> Suggestion | None:
    """The outcome the rules suggest (None in intermediate sessions): the prefill of the
    council's outcome step. A suggestion never contradicts :func:`outcome_problems` once the
    council writes the reasons it asks for (and the admission mark in lower secondary 3rd)."""
    if session == SESSION_INTERMEDIATE:
        return None
    if level == PRIMARY:
        return Suggestion(ADMITTED)
    if not attendance_ok:
        return Suggestion(NOT_ASSESSED)
    failing = tuple(failing_subjects(marks, criteria))
    value = _behaviour_value(behaviour)
    behaviour_fails = value is not None and value < PASS_MARK
    no = Suggestion(NOT_ADMITTED, needs_reason=True)
    if level == LOWER_SECONDARY:
        limit = criteria.lower_secondary_max_failures
        exam_blocked = year_of_course == 3 and criteria.exam_requires_invalsi and not invalsi_taken
        if behaviour_fails or exam_blocked or (limit is not None and len(failing) > limit):
            return no
        return Suggestion(ADMITTED)
    if behaviour_fails:
        return no
    if year_of_course == 5:
        if (
            len(failing) > 1
            or (criteria.exam_requires_invalsi and not invalsi_taken)
            or (criteria.exam_requires_pcto and not pcto_completed)
        ):
            return no
        return Suggestion(ADMITTED, needs_reason=bool(failing))
    if session == SESSION_SUPPLEMENTARY:
        return no if failing else Suggestion(ADMITTED)
    if not failing and value != PASS_MARK:
        return Suggestion(ADMITTED)
    if len(failing) > criteria.max_debts_for_suspension:
        return no
    return Suggestion(SUSPENDED, debts=failing, citizenship_assignment=value == PASS_MARK)


# --------------------------------------------------------------------------------------------
# Marks in figures and in letters (upper secondary report cards, DPR 135/2025)
# --------------------------------------------------------------------------------------------

_WORDS: Final = (
    "zero", "uno", "due", "tre", "quattro", "cinque", "sei", "sette", "otto", "nove", "dieci",
)  # fmt: skip
_NC_WORDS: Final = "non classificato"


def _report_value(mark: Mark) -> Decimal:
    value = _as_mark_number(mark, DEFAULT_CRITERIA)
    if value is None or not 0 <= value <= TOP_MARK or (value * 2) % 1 != 0:
        raise EvaluationRuleError(
            Problem(
                f"«{mark}» non è un voto finale: interi da 0 a 10, il mezzo voto o NC.",
                "mark_invalid",
            )
        )
    return value


def mark_in_letters(mark: Mark) -> str:
    """A final mark in Italian words: 7 -> "sette", 6,5 -> "sei e mezzo", "NC" -> "non
    classificato". Whether a half mark is allowed at all is :func:`final_mark_problems`'."""
    if _is_nc(mark):
        return _NC_WORDS
    value = _report_value(mark)
    whole = int(value)
    word = _WORDS[whole]
    return word if value == whole else f"{word} e mezzo"


def mark_in_figures(mark: Mark) -> str:
    """A final mark in figures: 7 -> "7", 6,5 -> "6,5" (a comma, not "½", on a legal
    document), "NC" -> "NC"."""
    if _is_nc(mark):
        return NC
    return _number(_report_value(mark))


def mark_in_figures_and_letters(mark: Mark) -> str:
    """How an upper secondary report card writes a mark: "7 (sette)", "NC (non classificato)"."""
    return f"{mark_in_figures(mark)} ({mark_in_letters(mark)})"
