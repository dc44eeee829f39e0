"""Tests for campanella.lib.grades: the Italian grade notation (pure Python, no Django).

Run alone with: .venv/bin/python -m pytest -q tests/lib/test_grades.py
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from campanella.lib.grades import (
    DEFAULT_SCALE,
    DESCRIPTIVE_LEVELS,
    JUDGEMENTS,
    GradeError,
    NumericScale,
    average,
    format_average,
    format_grade,
    judgement_label,
    judgement_rank,
    level_label,
    level_rank,
    parse_grade,
    parse_judgement,
    parse_level,
)

D = Decimal


def refusal(text: str, scale: NumericScale = DEFAULT_SCALE) -> GradeError:
    with pytest.raises(GradeError) as excinfo:
        parse_grade(text, scale)
    return excinfo.value


# --- parsing: the examples --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("7", "7.00"),
        ("7+", "7.25"),
        ("7-", "6.75"),
        ("6½", "6.50"),
        ("6.5", "6.50"),
        ("6,5", "6.50"),
        ("6/7", "6.50"),
        ("6-7", "6.50"),
        ("6 1/2", "6.50"),
        ("6 e mezzo", "6.50"),
        ("6 E Mezzo", "6.50"),
        ("6 e ½", "6.50"),
        ("6 ½", "6.50"),
        ("  7+  ", "7.25"),
        ("7 +", "7.25"),
        ("6 / 7", "6.50"),
        ("6–7", "6.50"),  # an en dash pasted from a word processor
        ("7−", "6.75"),  # the Unicode minus sign
        ("6,25", "6.25"),
        ("6.75", "6.75"),
        ("7,0", "7.00"),
        ("10", "10.00"),
        ("1", "1.00"),
        ("10-", "9.75"),
        ("1+", "1.25"),
        ("9/10", "9.50"),
        ("1/2", "1.50"),  # "uno/due", not one half
    ],
)
def test_parse_accepts_the_italian_notation(text: str, value: str) -> None:
    parsed = parse_grade(text)
    assert parsed == D(value)
    assert str(parsed) == value  # always two decimal places


def test_plus_and_minus_follow_the_scale() -> None:
    scale = NumericScale(plus_value=D("0.3"), minus_value=D("0.2"))
    assert parse_grade("7+", scale) == D("7.30")
    assert parse_grade("7-", scale) == D("6.80")


def test_double_minus_is_half_a_point_when_the_school_uses_it() -> None:
    scale = NumericScale(allow_double_minus=True)
    assert parse_grade("7--", scale) == D("6.50")
    assert parse_grade("7--", scale) == parse_grade("6½", scale)
    assert parse_grade("7-", scale) == D("6.75")


def test_double_minus_is_refused_by_default() -> None:
    error = refusal("7--")
    assert error.code == "not_in_use"
    assert "doppio meno" in str(error)


def test_half_and_between_can_be_switched_off() -> None:
    scale = NumericScale(allow_half=False, allow_between=False, decimal_step=D(1))
    for text in ("6½", "6 1/2", "6 e mezzo", "6/7", "6-7", "6,5"):
        with pytest.raises(GradeError):
            parse_grade(text, scale)
    assert parse_grade("6-", scale) == D("5.75")  # "6 meno" is still fine


def test_scale_range_is_configurable() -> None:
    scale = NumericScale(minimum=3, maximum=10)
    assert parse_grade("3", scale) == D(3)
    assert refusal("2+", scale).code == "out_of_range"


# --- parsing: refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("11", "out_of_range"),
        ("0", "out_of_range"),
        ("10+", "out_of_range"),
        ("1-", "out_of_range"),
        ("10½", "out_of_range"),
        ("10/11", "out_of_range"),
        ("7++", "invalid"),
        ("+7", "invalid"),
        ("abc", "invalid"),
        ("sette", "invalid"),
        ("7 8", "invalid"),
        ("7+ 8", "invalid"),
        ("6½+", "invalid"),
        ("½", "invalid"),
        ("-7", "invalid"),
        ("6.", "invalid"),
        (",5", "invalid"),
        ("6..5", "invalid"),
        ("7+-", "invalid"),
        ("7---", "invalid"),
        ("61/2", "not_consecutive"),  # "61 over 2": the space of "6 1/2" is needed
        ("٧", "invalid"),  # an Arabic-Indic seven: digits are ASCII only
        pytest.param("9" * 5000, "invalid", id="5000-digits"),  # int()'s digit limit
        ("", "empty"),
        ("   ", "empty"),
        ("6.3", "decimal_step"),
        ("6,1", "decimal_step"),
        ("6/8", "not_consecutive"),
        ("7/6", "not_consecutive"),
    ],
)
def test_parse_refuses_bad_input(text: str, code: str) -> None:
    error = refusal(text)
    assert error.code == code
    assert isinstance(error, ValueError)


def test_refusals_speak_italian_to_the_teacher() -> None:
    assert str(refusal("7++")) == "Voto non valido: «7++». Esempi: 7, 7+, 7-, 6½, 6/7."
    assert str(refusal("11")) == (
        "Voto fuori scala: «11». Il voto deve essere compreso tra 1 e 10."
    )
    assert str(refusal("10+")) == (
        "Voto fuori scala: «10+» (vale 10,25). Il voto deve essere compreso tra 1 e 10."
    )
    assert "multipli di 0,25" in str(refusal("6.3"))
    assert "consecutivi" in str(refusal("6/8"))
    assert str(refusal("")).startswith("Voto mancante")
    assert "decimali" in str(refusal("6,5", NumericScale(decimal_step=D(1))))
    assert "«99999999999999999999…»" in str(refusal("9" * 100))


def test_decimal_step_is_configurable() -> None:
    tenths = NumericScale(decimal_step=D("0.1"))
    assert parse_grade("6.3", tenths) == D("6.30")
    assert refusal("6.25", tenths).code == "decimal_step"


@pytest.mark.parametrize(
    "options",
    [
        {"minimum": 10, "maximum": 10},
        {"minimum": -1},
        {"plus_value": D(0)},
        {"minus_value": D(1)},
        {"plus_value": D("0.125")},
        {"decimal_step": D("0.3")},
        {"decimal_step": D(0)},
        {"decimal_step": D(2)},
    ],
)
def test_nonsense_scales_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="NumericScale"):
        NumericScale(**options)  # type: ignore[arg-type]


# --- formatting ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D("7.00"), "7"),
        (D("7.25"), "7+"),
        (D("6.75"), "7-"),
        (D("6.50"), "6½"),
        (D("10"), "10"),
        (D("9.75"), "10-"),
        (D("1.25"), "1+"),
        (D("6.43"), "6,43"),
        (D("6.2"), "6,20"),
        (7.25, "7+"),
        (6.43, "6,43"),
        ("6.75", "7-"),
        (D("6.749"), "6,75"),  # not quite "7-": shown as a number, never misread as one
    ],
)
def test_format_grade(value: Decimal | float | str, text: str) -> None:
    assert format_grade(value) == text


def test_format_uses_only_the_notations_of_the_scale() -> None:
    between = NumericScale(allow_half=False)
    assert format_grade(D("6.5"), between) == "6/7"
    double_minus = NumericScale(allow_half=False, allow_double_minus=True)
    assert format_grade(D("6.5"), double_minus) == "7--"
    numbers = NumericScale(allow_half=False, allow_between=False)
    assert format_grade(D("6.5"), numbers) == "6,50"
    assert format_grade(D("7.3"), NumericScale(plus_value=D("0.3"))) == "7+"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D("6.43"), "6,43"),
        (D("6.445"), "6,45"),  # ROUND_HALF_UP, not banker's rounding
        (D("6.435"), "6,44"),
        (6.435, "6,44"),  # the float is read as written, not as its binary 6.43499999…
        (D(7), "7,00"),
        ("8.5", "8,50"),
    ],
)
def test_format_average(value: Decimal | float | str, text: str) -> None:
    assert format_average(value) == text


@pytest.mark.parametrize("value", ["abc", "nan", "inf", float("nan"), D("Infinity")])
def test_format_refuses_non_numbers(value: Decimal | float | str) -> None:
    with pytest.raises(GradeError):
        format_grade(value)
    with pytest.raises(GradeError):
        format_average(value)


# --- round trip ----------------------------------------------------------------------------------


def test_every_quarter_of_the_default_scale_round_trips() -> None:
    value = D(1)
    while value <= 10:
        assert parse_grade(format_grade(value)) == value
        value += D("0.25")


scales = st.builds(
    NumericScale,
    minimum=st.integers(0, 5),
    maximum=st.integers(6, 12),
    plus_value=st.sampled_from([D("0.25"), D("0.3"), D("0.5"), D("0.2"), D("0.75")]),
    minus_value=st.sampled_from([D("0.25"), D("0.3"), D("0.5"), D("0.2"), D("0.75")]),
    allow_double_minus=st.booleans(),
    allow_half=st.booleans(),
    allow_between=st.booleans(),
    decimal_step=st.sampled_from([D("0.05"), D("0.1"), D("0.2"), D("0.25"), D("0.5"), D(1)]),
)


@st.composite
def grade_texts(draw: st.DrawFn) -> str:
    """Texts written the way teachers write grades (valid or nearly so)."""
    n = draw(st.integers(0, 13))
    kind = draw(st.sampled_from(["suffix", "between", "decimal"]))
    if kind == "suffix":
        return str(n) + draw(st.sampled_from(["", "+", "-", "--", "½", " 1/2", " e mezzo"]))
    if kind == "between":
        return f"{n}{draw(st.sampled_from(['/', '-', ' / ']))}{n + 1}"
    cents = draw(st.integers(0, 99))
    return f"{n}{draw(st.sampled_from(['.', ',']))}{cents:02d}"


@given(text=grade_texts(), scale=scales)
@example(text="7--", scale=NumericScale(allow_double_minus=True, allow_half=False))
@example(text="6/7", scale=NumericScale(allow_half=False))
def test_parse_format_round_trip(text: str, scale: NumericScale) -> None:
    try:
        value = parse_grade(text, scale)
    except GradeError:
        return
    assert scale.minimum <= value <= scale.maximum
    assert value == value.quantize(D("0.01"))
    shown = format_grade(value, scale)
    assert parse_grade(shown, scale) == value, shown


@given(st.text(max_size=30))
@example("7+\x00")
@example("6\u00a0½")
def test_parse_only_ever_refuses_with_grade_error(text: str) -> None:
    try:
        value = parse_grade(text)
    except GradeError as error:
        message = str(error)
        assert message.startswith(("Voto non valido", "Voto fuori scala", "Voto mancante"))
        return
    assert 1 <= value <= 10
    assert parse_grade(format_grade(value)) == value


# --- descriptive levels --------------------------------------------------------------------------


def test_levels_are_the_four_of_the_ordinance_lowest_first() -> None:
    assert [label for _, label in DESCRIPTIVE_LEVELS] == [
        "In via di prima acquisizione",
        "Base",
        "Intermedio",
        "Avanzato",
    ]
    assert [level_rank(code) for code, _ in DESCRIPTIVE_LEVELS] == [0, 1, 2, 3]
    assert level_label("base") == "Base"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("avanzato", "avanzato"),
        ("AVANZATO", "avanzato"),
        ("avanz.", "avanzato"),
        ("av.", None),  # too short to be sure
        ("intermedio", "intermedio"),
        ("int.", "intermedio"),
        ("Int", "intermedio"),
        ("base", "base"),
        ("  Base ", "base"),
        ("in via di prima acquisizione", "in_via_di_prima_acquisizione"),
        ("In via di prima acq.", "in_via_di_prima_acquisizione"),
        ("in  via di prima   acq", "in_via_di_prima_acquisizione"),
        ("ipa", "in_via_di_prima_acquisizione"),
        ("I.P.A.", "in_via_di_prima_acquisizione"),
        ("in_via_di_prima_acquisizione", "in_via_di_prima_acquisizione"),
        ("in", None),
        ("basso", None),
        ("ottimo", None),  # a judgement, not a level
        ("7", None),
        ("avanzatissimo", None),
    ],
)
def test_parse_level(text: str, code: str | None) -> None:
    if code is not None:
        assert parse_level(text) == code
    else:
        with pytest.raises(GradeError, match="Livello non valido"):
            parse_level(text)


def test_empty_level_is_refused() -> None:
    with pytest.raises(GradeError, match="Livello mancante") as excinfo:
        parse_level(" ")
    assert excinfo.value.code == "empty"


# --- judgements ----------------------------------------------------------------------------------


def test_judgements_are_ordered_and_ranked() -> None:
    codes = [code for code, _ in JUDGEMENTS]
    assert codes == ["insufficiente", "sufficiente", "discreto", "buono", "distinto", "ottimo"]
    assert [judgement_rank(code) for code in codes] == list(range(6))
    assert sorted(["ottimo", "sufficiente", "buono"], key=judgement_rank) == [
        "sufficiente",
        "buono",
        "ottimo",
    ]
    assert judgement_label("distinto") == "Distinto"
    with pytest.raises(GradeError):
        judgement_rank("Buono")  # codes only: labels go through parse_judgement
    with pytest.raises(GradeError):
        level_rank("ottimo")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("insufficiente", "insufficiente"),
        ("insuff.", "insufficiente"),
        ("Non sufficiente", "insufficiente"),
        ("sufficiente", "sufficiente"),
        ("suff.", "sufficiente"),
        ("SUFF", "sufficiente"),
        ("discreto", "discreto"),
        ("disc.", "discreto"),
        ("buono", "buono"),
        ("Buono", "buono"),
        ("distinto", "distinto"),
        ("dist.", "distinto"),
        ("ottimo", "ottimo"),
        ("ott.", "ottimo"),
        ("dis", None),  # discreto or distinto?
        ("b", None),
        ("eccellente", None),
        ("avanzato", None),  # a level, not a judgement
        ("6", None),
    ],
)
def test_parse_judgement(text: str, code: str | None) -> None:
    if code is not None:
        assert parse_judgement(text) == code
    else:
        with pytest.raises(GradeError, match="Giudizio non valido"):
            parse_judgement(text)


def test_empty_judgement_is_refused() -> None:
    with pytest.raises(GradeError, match="Giudizio mancante"):
        parse_judgement("")


@given(st.text(max_size=30))
def test_levels_and_judgements_only_ever_refuse_with_grade_error(text: str) -> None:
    for parse, choices in ((parse_level, DESCRIPTIVE_LEVELS), (parse_judgement, JUDGEMENTS)):
        try:
            code = parse(text)
        except GradeError:
            continue
        assert code in dict(choices)


# --- averages ------------------------------------------------------------------------------------


def test_average_of_nothing_is_none() -> None:
    assert average([]) is None
    assert average([], []) is None


def test_arithmetic_average() -> None:
    assert average([D(6), D(7)]) == D("6.50")
    assert average([D(6), D(7), D(7)]) == D("6.67")
    assert average([D("7.25"), D("6.75"), D("5.5")]) == D("6.50")
    assert str(average([D(8)])) == "8.00"


def test_average_rounds_half_up() -> None:
    assert average([D("6.445")]) == D("6.45")
    assert average([D("6.44"), D("6.45")]) == D("6.45")  # 6.445 exactly
    assert average([D("-6.44"), D("-6.45")]) == D("-6.45")  # away from zero


def test_weighted_average() -> None:
    assert average([D(6), D("7.5")], [D(1), D(2)]) == D("7.00")
    assert average([D(4), D(8)], [D("0.5"), D("1.5")]) == D("7.00")
    assert average([D(4), D(8)], [D(0), D(1)]) == D("8.00")  # weight 0: does not count


def test_zero_weights_give_no_average() -> None:
    assert average([D(5), D(6)], [D(0), D(0)]) is None


def test_average_refuses_mismatched_or_negative_weights() -> None:
    with pytest.raises(ValueError, match="as many weights"):
        average([D(5), D(6)], [D(1)])
    with pytest.raises(ValueError, match="negative"):
        average([D(5), D(6)], [D(1), D(-1)])


grades = st.decimals(min_value=1, max_value=10, places=2)
weights = st.decimals(min_value=0, max_value=5, places=2)


@given(st.lists(st.tuples(grades, weights), max_size=20))
def test_weighted_average_is_the_exact_mean_rounded(pairs: list[tuple[Decimal, Decimal]]) -> None:
    values = [value for value, _ in pairs]
    result = average(values, [weight for _, weight in pairs])
    weight_sum = sum((Fraction(weight) for _, weight in pairs), Fraction(0))
    if weight_sum == 0:
        assert result is None
        return
    assert result is not None
    exact = sum((Fraction(v) * Fraction(w) for v, w in pairs), Fraction(0)) / weight_sum
    assert abs(Fraction(result) - exact) <= Fraction(1, 200)
    assert min(values) <= result <= max(values)
    assert result == result.quantize(D("0.01"))


@given(st.lists(grades, min_size=1, max_size=20))
def test_unweighted_average_equals_equal_weights(values: list[Decimal]) -> None:
    assert average(values) == average(values, [D(3)] * len(values))


long_decimals = st.decimals(min_value=0, max_value=10, places=40, allow_nan=False)


@given(st.lists(st.tuples(long_decimals, long_decimals), min_size=1, max_size=6))
def test_average_stays_exact_when_decimal_arithmetic_would_round(
    pairs: list[tuple[Decimal, Decimal]],
) -> None:
    # 40 decimals × 40 decimals exceed any fixed precision: the exact path must take over.
    result = average([v for v, _ in pairs], [w for _, w in pairs])
    weight_sum = sum((Fraction(w) for _, w in pairs), Fraction(0))
    if weight_sum == 0:
        assert result is None
        return
    exact = sum((Fraction(v) * Fraction(w) for v, w in pairs), Fraction(0)) / weight_sum
    cents = exact * 100
    expected = Decimal(int(cents + Fraction(1, 2))) / 100  # half up; everything is positive
    assert result == expected.quantize(D("0.01"))


def test_negative_weights_are_refused_on_the_exact_path_too() -> None:
    long_value = Decimal("1." + "3" * 70)  # forces the exact (Fraction) path
    with pytest.raises(ValueError, match="negative"):
        average([long_value, D(5)], [D(1), D(-1)])


@given(
    st.decimals(min_value=0, max_value=10_000, places=4),
    st.decimals(min_value=D("0.0001"), max_value=1_000, places=4),
)
def test_the_integer_rounding_of_averages_is_the_exact_one(
    total: Decimal, weights: Decimal
) -> None:
    from campanella.lib.grades import _ratio_half_up, _round_half_up

    assert _ratio_half_up(total, weights) == _round_half_up(Fraction(total) / Fraction(weights))


# --- giudizi sintetici (primary school from 2024/25, O.M. 3/2025) -------------------------------


def test_synthetic_judgements_in_order_with_ranks_and_labels():
    from campanella.lib.grades import (
        SYNTHETIC_JUDGEMENTS,
        synthetic_judgement_label,
        synthetic_judgement_rank,
    )

    assert [label for _, label in reversed(SYNTHETIC_JUDGEMENTS)] == [
        "Ottimo", "Distinto", "Buono", "Discreto", "Sufficiente", "Non sufficiente",
    ]  # fmt: skip
    assert synthetic_judgement_rank("ottimo") == 5
    assert synthetic_judgement_rank("non_sufficiente") == 0
    assert synthetic_judgement_label("non_sufficiente") == "Non sufficiente"
    with pytest.raises(GradeError, match="Giudizio sconosciuto"):
        synthetic_judgement_rank("avanzato")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Ottimo", "ottimo"),
        ("ott.", "ottimo"),
        ("dist.", "distinto"),
        ("disc", "discreto"),
        ("suff.", "sufficiente"),
        ("non suff.", "non_sufficiente"),
        ("NON SUFFICIENTE", "non_sufficiente"),
        ("insufficiente", "non_sufficiente"),
        ("NS", "non_sufficiente"),
        ("non_sufficiente", "non_sufficiente"),
    ],
)
def test_parse_synthetic_judgement(text, code):
    from campanella.lib.grades import parse_synthetic_judgement

    assert parse_synthetic_judgement(text) == code


def test_parse_synthetic_judgement_refuses_in_italian():
    from campanella.lib.grades import parse_synthetic_judgement

    with pytest.raises(GradeError, match="Giudizio mancante: scegliere tra ottimo, distinto"):
        parse_synthetic_judgement(" ")
    with pytest.raises(GradeError, match="Giudizio non valido: «di»"):
        parse_synthetic_judgement("di")  # discreto or distinto?
    with pytest.raises(GradeError, match="Giudizio non valido: «avanzato»"):
        parse_synthetic_judgement("avanzato")


def test_default_descriptions_cover_every_giudizio():
    from campanella.lib.grades import (
        DEFAULT_BEHAVIOUR_DESCRIPTIONS,
        DEFAULT_SYNTHETIC_DESCRIPTIONS,
        SYNTHETIC_JUDGEMENTS,
    )

    codes = {code for code, _ in SYNTHETIC_JUDGEMENTS}
    assert set(DEFAULT_SYNTHETIC_DESCRIPTIONS) == codes
    assert set(DEFAULT_BEHAVIOUR_DESCRIPTIONS) == codes
    assert all(text.endswith(".") for text in DEFAULT_SYNTHETIC_DESCRIPTIONS.values())


def test_primary_scale_by_school_year_and_old_levels_still_read():
    from campanella.lib.grades import primary_scale_for_year

    assert primary_scale_for_year(2026) == "sintetico"
    assert primary_scale_for_year(2024) == "sintetico"
    assert primary_scale_for_year(2023) == "livello"
    assert primary_scale_for_year(2020) == "livello"
    assert primary_scale_for_year(2019) == "numerico"
    assert level_label(parse_level("avanz.")) == "Avanzato"


def test_primary_label_reads_both_regimes():
    from campanella.lib.grades import SYNTHETIC_JUDGEMENTS, primary_label

    level_codes = {code for code, _ in DESCRIPTIVE_LEVELS}
    assert level_codes.isdisjoint(code for code, _ in SYNTHETIC_JUDGEMENTS)
    assert primary_label("distinto") == "Distinto"
    assert primary_label("non_sufficiente") == "Non sufficiente"
    assert primary_label("in_via_di_prima_acquisizione") == "In via di prima acquisizione"
    with pytest.raises(GradeError, match="Livello sconosciuto"):
        primary_label("bravo")


@given(
    st.lists(
        st.decimals(min_value=0, max_value=10, places=40, allow_nan=False), min_size=1, max_size=8
    )
)
def test_the_plain_mean_of_long_decimals_is_the_weighted_one_with_weights_of_one(
    values: list[Decimal],
) -> None:
    """The plain mean has a way of its own (a sum, no products); sums Decimal cannot hold
    exactly take the exact fractions' way, as the weighted mean does."""
    assert average(values) == average(values, [D(1)] * len(values))
