"""Tests for campanella.lib.evaluation_rules: credits, the average M, outcomes, attendance and
marks in letters (pure Python, no Django).

The tables come from /work/shared/domain/term-evaluation.md (Table A of D.Lgs 62/2017 row by
row); the properties hold for any marks, behaviour and hours.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from campanella.lib.evaluation_rules import (
    ABROAD,
    ADMITTED,
    DEFAULT_CRITERIA,
    LEVELS,
    LOWER_SECONDARY,
    NC,
    NOT_ADMITTED,
    NOT_ASSESSED,
    OUTCOMES,
    PRIMARY,
    SESSION_FINAL,
    SESSION_INTERMEDIATE,
    SESSION_SUPPLEMENTARY,
    SESSIONS,
    SUSPENDED,
    UPPER_SECONDARY,
    WITHDRAWN,
    CreditBand,
    EvaluationRuleError,
    OutcomeFacts,
    SchoolCriteria,
    attendance_status,
    behaviour_problems,
    check_credit,
    check_outcome,
    counts_in_final_average,
    credit_band,
    credit_due,
    credit_problems,
    credits_total,
    credits_total_problems,
    failing_subjects,
    final_average,
    final_mark_problems,
    mark_in_figures,
    mark_in_figures_and_letters,
    mark_in_letters,
    outcome_label,
    outcome_problems,
    suggest_outcome,
    years_of_course,
)

D = Decimal


def codes(problems: list) -> list[str]:
    return [p.code for p in problems]


# --- Table A, every row ---------------------------------------------------------------------

# (M, III, IV, V) with the domain file's rows, at both edges of each row.
TABLE_A_ROWS = [
    ("0", None, None, (7, 8)),
    ("5.99", None, None, (7, 8)),
    ("6", (7, 8), (8, 9), (9, 10)),
    ("6.00", (7, 8), (8, 9), (9, 10)),
    ("6.01", (8, 9), (9, 10), (10, 11)),
    ("7", (8, 9), (9, 10), (10, 11)),
    ("7.01", (9, 10), (10, 11), (11, 12)),
    ("8", (9, 10), (10, 11), (11, 12)),
    ("8.01", (10, 11), (11, 12), (13, 14)),
    ("9", (10, 11), (11, 12), (13, 14)),
    ("9.01", (11, 12), (12, 13), (14, 15)),
    ("10", (11, 12), (12, 13), (14, 15)),
]


@pytest.mark.parametrize(("average_m", "third", "fourth", "fifth"), TABLE_A_ROWS)
def test_table_a_every_row(average_m, third, fourth, fifth):
    for year, expected in ((3, third), (4, fourth), (5, fifth)):
        band = credit_band(year, D(average_m))
        assert band == (None if expected is None else CreditBand(*expected)), (year, average_m)


@pytest.mark.parametrize("year", [1, 2])
def test_no_credits_in_the_first_two_years(year):
    assert credit_band(year, D(8)) is None
    assert not credit_due(UPPER_SECONDARY, year, SESSION_FINAL, ADMITTED)


def test_credit_band_refuses_bad_input_in_italian():
    with pytest.raises(EvaluationRuleError, match="Anno di corso 6 non valido"):
        credit_band(6, D(7))
    with pytest.raises(EvaluationRuleError, match="La media 10,5 non è valida"):
        credit_band(3, D("10.5"))


def test_the_upper_point_needs_behaviour_nine_and_the_school_criteria():
    assert credit_band(3, D("7.5"), behaviour=9) == (9, 10)
    assert credit_band(3, D("7.5"), behaviour=10) == (9, 10)
    assert credit_band(3, D("7.5"), behaviour=8) == (9, 9)
    assert credit_band(3, D("7.5"), behaviour=9, school_criteria_met=False) == (9, 9)
    assert credit_band(5, D("5.5"), behaviour=6) == (7, 7)


def test_credit_problems_speak_italian():
    assert credit_problems(4, D("8.4"), 12, behaviour=9) == []
    assert credit_problems(4, D("8.4"), 11, behaviour=6) == []
    (outside,) = credit_problems(4, D("8.4"), 13, behaviour=10)
    assert outside.code == "credit_out_of_band"
    assert outside == (
        "Il credito 13 è fuori dalla fascia 11–12 della Tabella A (4° anno, media 8,4, "
        "fascia 8 < M ≤ 9)."
    )
    (upper,) = credit_problems(4, D("8.4"), 12, behaviour=8)
    assert upper.code == "credit_upper_point_behaviour"
    assert "almeno 9 in comportamento" in upper
    (criteria,) = credit_problems(4, D("8.4"), 12, behaviour=9, school_criteria_met=False)
    assert criteria.code == "credit_upper_point_criteria"
    (none,) = credit_problems(3, D("5.8"), 7, behaviour=8)
    assert none.code == "credit_no_band"
    with pytest.raises(EvaluationRuleError) as excinfo:
        check_credit(5, D(6), 11, behaviour=9)
    assert excinfo.value.code == "credit_out_of_band"
    assert "fascia 9–10" in str(excinfo.value)


def test_credits_total_out_of_forty():
    assert credits_total(3, [], 12) == 12
    assert credits_total(5, [12, 13], 15) == 40
    assert credits_total(5, [8, 9], 10) == 27
    assert codes(credits_total_problems(5, [12], 15)) == ["credits_earlier_count"]
    assert codes(credits_total_problems(4, [13], 10)) == ["credit_out_of_range"]
    assert codes(credits_total_problems(2, [], 5)) == ["year_invalid"]
    with pytest.raises(EvaluationRuleError, match="Il credito del 5° anno \\(16\\)"):
        credits_total(5, [12, 13], 16)


def test_credit_due():
    assert credit_due(UPPER_SECONDARY, 3, SESSION_FINAL, ADMITTED)
    assert credit_due(UPPER_SECONDARY, 4, SESSION_SUPPLEMENTARY, ADMITTED)
    assert not credit_due(UPPER_SECONDARY, 4, SESSION_FINAL, SUSPENDED)
    assert not credit_due(UPPER_SECONDARY, 5, SESSION_INTERMEDIATE, ADMITTED)
    assert not credit_due(LOWER_SECONDARY, 3, SESSION_FINAL, ADMITTED)


@given(
    year=st.sampled_from([3, 4, 5]),
    low=st.decimals(min_value=0, max_value=10, places=2),
    high=st.decimals(min_value=0, max_value=10, places=2),
)
def test_bands_are_two_points_and_never_fall_as_m_rises(year, low, high):
    low, high = min(low, high), max(low, high)
    first, second = credit_band(year, low), credit_band(year, high)
    for band in (first, second):
        if band is not None:
            assert band.high == band.low + 1
            assert band.low >= 7 and band.high <= {3: 12, 4: 13, 5: 15}[year]
    if first is not None:
        assert second is not None and second.low >= first.low
    assert (first is None) == (year != 5 and low < 6)


@given(
    year=st.sampled_from([3, 4, 5]),
    average_m=st.decimals(min_value=6, max_value=10, places=2),
    behaviour=st.integers(min_value=1, max_value=10),
    criteria_met=st.booleans(),
)
def test_every_credit_the_band_allows_passes_and_no_other(year, average_m, behaviour, criteria_met):
    allowed = credit_band(year, average_m, behaviour=behaviour, school_criteria_met=criteria_met)
    assert allowed is not None
    for credit in range(0, 16):
        problems = credit_problems(
            year, average_m, credit, behaviour=behaviour, school_criteria_met=criteria_met
        )
        assert (problems == []) == (allowed.low <= credit <= allowed.high)


# --- the average M ----------------------------------------------------------------------------


def test_final_average_includes_behaviour():
    assert final_average([6, 7, 8], 9) == D("7.50")
    assert final_average([D(6), D(7)], D(8)) == D("7.00")
    assert final_average([7, 7], 6) == D("6.67")


def test_nc_counts_as_the_lowest_mark():
    assert final_average([NC, 9], 9) == D("6.33")
    assert final_average(["nc", 9], 9, SchoolCriteria(lowest_mark=3)) == D("7.00")


def test_judgements_are_refused_not_skipped():
    with pytest.raises(EvaluationRuleError, match="non entrano nella media"):
        final_average([7, "buono"], 8)
    assert not counts_in_final_average("religione")
    assert not counts_in_final_average("alternativa")
    assert counts_in_final_average("ordinaria")
    assert counts_in_final_average("civica")


@given(
    marks=st.lists(st.one_of(st.integers(1, 10), st.just(NC)), min_size=1, max_size=15),
    behaviour=st.integers(1, 10),
)
def test_average_lies_between_lowest_and_highest(marks, behaviour):
    values = [1 if m == NC else m for m in [*marks, behaviour]]
    result = final_average(marks, behaviour)
    assert min(values) <= result <= max(values)
    assert result == final_average(list(reversed(marks)), behaviour)


# --- final marks and behaviour ---------------------------------------------------------------


def test_final_marks_are_whole_unless_the_school_allows_halves():
    assert final_mark_problems(UPPER_SECONDARY, "Latino", 7) == []
    assert final_mark_problems(UPPER_SECONDARY, "Latino", NC) == []
    (half,) = final_mark_problems(UPPER_SECONDARY, "Latino", D("6.5"))
    assert half.code == "mark_not_whole"
    assert half == "Latino: il voto finale 6,5 non è ammesso; i voti finali sono interi."
    halves = SchoolCriteria(half_marks_in_final=True)
    assert final_mark_problems(UPPER_SECONDARY, "Latino", D("6.5"), halves) == []
    assert codes(final_mark_problems(UPPER_SECONDARY, "Latino", D("6.25"), halves)) == [
        "mark_not_whole"
    ]
    assert codes(final_mark_problems(LOWER_SECONDARY, "Arte", 11)) == ["mark_out_of_range"]
    assert codes(
        final_mark_problems(LOWER_SECONDARY, "Arte", 2, SchoolCriteria(lowest_mark=3))
    ) == ["mark_out_of_range"]
    assert codes(final_mark_problems(LOWER_SECONDARY, "Arte", "sette")) == ["mark_invalid"]
    assert final_mark_problems(PRIMARY, "Italiano", "distinto") == []
    assert codes(final_mark_problems(PRIMARY, "Italiano", 8)) == ["mark_not_judgement"]


def test_behaviour_by_level():
    assert behaviour_problems(PRIMARY, "buono") == []
    assert codes(behaviour_problems(PRIMARY, 8)) == ["behaviour_not_judgement"]
    assert behaviour_problems(UPPER_SECONDARY, 8, "Corretto e partecipe.") == []
    assert codes(behaviour_problems(UPPER_SECONDARY, 8)) == ["behaviour_reason_missing"]
    assert codes(behaviour_problems(LOWER_SECONDARY, D("7.5"), "x")) == ["behaviour_invalid"]
    assert codes(behaviour_problems(LOWER_SECONDARY, None)) == ["behaviour_missing"]


def test_failing_subjects():
    marks = {"Italiano": 5, "Matematica": NC, "Storia": 6, "Inglese": D("5.5")}
    assert failing_subjects(marks) == ["Italiano", "Matematica", "Inglese"]
    assert failing_subjects({"Italiano": "non_sufficiente", "Arte": "sufficiente"}) == ["Italiano"]


# --- outcomes ---------------------------------------------------------------------------------

GOOD = {"Italiano": 7, "Matematica": 6, "Inglese": 8}
TWO_FAILING = {"Italiano": 5, "Matematica": 4, "Inglese": 8}


def upper(outcome: str, **kwargs) -> OutcomeFacts:
    values = {"marks": GOOD, "behaviour": 8, "year_of_course": 3, "session": SESSION_FINAL}
    values.update(kwargs)
    return OutcomeFacts(level=UPPER_SECONDARY, outcome=outcome, **values)


def test_consistent_outcomes_have_no_problems():
    assert outcome_problems(upper(ADMITTED)) == []
    assert (
        outcome_problems(upper(SUSPENDED, marks=TWO_FAILING, debts=["Italiano", "Matematica"]))
        == []
    )
    assert outcome_problems(upper(NOT_ADMITTED, marks=TWO_FAILING, reason="Lacune gravi.")) == []
    assert outcome_problems(upper(WITHDRAWN, behaviour=None, marks={})) == []
    assert outcome_problems(upper(ABROAD, behaviour=None, marks={})) == []
    check_outcome(upper(ADMITTED))


def test_behaviour_five_and_admitted_is_refused():
    facts = upper(ADMITTED, behaviour=5)
    assert codes(outcome_problems(facts)) == ["behaviour_not_admitted"]
    with pytest.raises(EvaluationRuleError) as excinfo:
        check_outcome(facts)
    assert str(excinfo.value) == "Con 5 in comportamento lo studente non può essere ammesso."
    assert excinfo.value.code == "behaviour_not_admitted"
    suspended = upper(SUSPENDED, behaviour=4, marks=TWO_FAILING, debts=["Italiano", "Matematica"])
    assert "behaviour_not_admitted" in codes(outcome_problems(suspended))
    assert outcome_problems(upper(NOT_ADMITTED, behaviour=5, reason="Condotta.")) == []


def test_behaviour_six_suspends_with_the_citizenship_assignment():
    assert codes(outcome_problems(upper(ADMITTED, behaviour=6))) == ["behaviour_six_suspends"]
    assert codes(outcome_problems(upper(SUSPENDED, behaviour=6))) == [
        "citizenship_assignment_missing"
    ]
    assert outcome_problems(upper(SUSPENDED, behaviour=6, citizenship_assignment=True)) == []
    # At the integrativo, 6 in behaviour admits.
    assert outcome_problems(upper(ADMITTED, behaviour=6, session=SESSION_SUPPLEMENTARY)) == []


def test_suspension_only_in_upper_secondary_years_one_to_four_with_debts():
    debts = ["Italiano", "Matematica"]
    assert codes(
        outcome_problems(upper(SUSPENDED, marks=TWO_FAILING, debts=debts, year_of_course=5))
    ) == ["suspended_not_here"]
    lower = OutcomeFacts(LOWER_SECONDARY, 2, SESSION_FINAL, SUSPENDED, TWO_FAILING, 8, debts=debts)
    assert codes(outcome_problems(lower)) == ["suspended_not_here"]
    assert codes(outcome_problems(upper(SUSPENDED))) == ["suspended_without_debts"]
    assert codes(outcome_problems(upper(SUSPENDED, marks=TWO_FAILING, debts=["Italiano"]))) == [
        "debt_missing"
    ]
    assert "debt_sufficient_subject" in codes(
        outcome_problems(upper(SUSPENDED, marks=TWO_FAILING, debts=[*debts, "Inglese"]))
    )
    assert codes(
        outcome_problems(
            upper(SUSPENDED, marks=TWO_FAILING, debts=debts, session=SESSION_SUPPLEMENTARY)
        )
    ) == ["suspended_not_final"]


def test_the_school_sets_how_many_debts_allow_suspension():
    four = {"A": 5, "B": 5, "C": 4, "D": 5, "E": 7}
    facts = upper(SUSPENDED, marks=four, debts=["A", "B", "C", "D"])
    (problem,) = outcome_problems(facts)
    assert problem.code == "too_many_debts"
    assert "al massimo 3 debiti" in problem
    assert outcome_problems(facts, SchoolCriteria(max_debts_for_suspension=4)) == []


def test_admitted_with_failing_marks_in_upper_secondary_is_refused():
    assert codes(outcome_problems(upper(ADMITTED, marks=TWO_FAILING))) == ["admitted_with_failing"]
    assert codes(outcome_problems(upper(ADMITTED, marks={"Italiano": NC}))) == [
        "admitted_with_failing"
    ]


def test_non_admission_needs_a_reason_and_grounds():
    assert codes(outcome_problems(upper(NOT_ADMITTED, marks=TWO_FAILING))) == ["reason_missing"]
    assert codes(outcome_problems(upper(NOT_ADMITTED, reason="Scarso impegno."))) == [
        "not_admitted_without_grounds"
    ]


def test_lower_secondary():
    def lower(outcome, **kwargs):
        values = {"marks": GOOD, "behaviour": 7, "year_of_course": 2, "session": SESSION_FINAL}
        values.update(kwargs)
        return OutcomeFacts(level=LOWER_SECONDARY, outcome=outcome, **values)

    # Below 6 in behaviour at the final: not admitted.
    assert codes(outcome_problems(lower(ADMITTED, behaviour=5))) == ["behaviour_not_admitted"]
    assert outcome_problems(lower(NOT_ADMITTED, behaviour=5, reason="Sanzioni gravi.")) == []
    # Admission with subjects below 6 is the council's call, unless the school set a limit.
    assert outcome_problems(lower(ADMITTED, marks=TWO_FAILING)) == []
    limited = SchoolCriteria(lower_secondary_max_failures=1)
    assert codes(outcome_problems(lower(ADMITTED, marks=TWO_FAILING), limited)) == [
        "too_many_failing"
    ]
    # Year 3: admission to the exam with a mark out of ten and the INVALSI tests.
    assert codes(outcome_problems(lower(ADMITTED, year_of_course=3))) == ["admission_mark_missing"]
    assert outcome_problems(lower(ADMITTED, year_of_course=3, admission_mark=8)) == []
    assert outcome_problems(lower(ADMITTED, year_of_course=3, admission_mark=5)) == []
    assert codes(outcome_problems(lower(ADMITTED, year_of_course=3, admission_mark=11))) == [
        "admission_mark_invalid"
    ]
    assert codes(
        outcome_problems(lower(ADMITTED, year_of_course=3, admission_mark=7, invalsi_taken=False))
    ) == ["exam_invalsi_missing"]
    assert codes(
        outcome_problems(
            lower(NOT_ADMITTED, year_of_course=2, admission_mark=7, reason="x", marks=TWO_FAILING)
        )
    ) == ["admission_mark_not_admitted"]
    # The attendance limit holds in lower secondary.
    assert codes(outcome_problems(lower(ADMITTED, attendance_ok=False))) == [
        "attendance_over_limit"
    ]
    assert outcome_problems(lower(NOT_ASSESSED, attendance_ok=False)) == []
    assert codes(outcome_problems(lower(NOT_ASSESSED))) == ["attendance_ok"]
    assert codes(outcome_problems(lower(ABROAD))) == ["abroad_not_here"]


def test_primary():
    marks = {"Italiano": "buono", "Matematica": "non_sufficiente"}

    def primary(outcome, **kwargs):
        values = {"marks": marks, "behaviour": "distinto", "year_of_course": 2}
        values.update(kwargs)
        return OutcomeFacts(level=PRIMARY, session=SESSION_FINAL, outcome=outcome, **values)

    assert outcome_problems(primary(ADMITTED)) == []
    # No attendance limit in primary school.
    assert outcome_problems(primary(ADMITTED, attendance_ok=False)) == []
    assert codes(outcome_problems(primary(NOT_ASSESSED, attendance_ok=False))) == [
        "no_attendance_limit"
    ]
    # Holding a pupil back: exceptional, unanimous, reasoned.
    assert codes(outcome_problems(primary(NOT_ADMITTED))) == ["reason_missing", "unanimity_missing"]
    assert outcome_problems(primary(NOT_ADMITTED, reason="Caso eccezionale.", unanimous=True)) == []
    assert codes(outcome_problems(primary(SUSPENDED, debts=["Matematica"]))) == [
        "suspended_not_here"
    ]
    assert codes(outcome_problems(primary(ADMITTED, behaviour=8))) == ["behaviour_not_judgement"]
    assert codes(outcome_problems(primary(ADMITTED, marks={"Italiano": 7}))) == [
        "mark_not_judgement"
    ]


def test_admission_to_the_state_exam():
    def fifth(outcome, **kwargs):
        return upper(outcome, year_of_course=5, **kwargs)

    assert outcome_problems(fifth(ADMITTED)) == []
    assert outcome_problems(fifth(ADMITTED, behaviour=6)) == []
    assert codes(outcome_problems(fifth(ADMITTED, behaviour=5))) == ["behaviour_not_admitted"]
    one = {"Italiano": 5, "Matematica": 7}
    assert codes(outcome_problems(fifth(ADMITTED, marks=one))) == ["exam_reason_missing"]
    assert (
        outcome_problems(fifth(ADMITTED, marks=one, reason="Percorso complessivo positivo.")) == []
    )
    assert codes(outcome_problems(fifth(ADMITTED, marks=TWO_FAILING, reason="x"))) == [
        "exam_too_many_failing"
    ]
    assert codes(outcome_problems(fifth(ADMITTED, invalsi_taken=False))) == ["exam_invalsi_missing"]
    assert codes(outcome_problems(fifth(ADMITTED, pcto_completed=False))) == ["exam_pcto_missing"]
    waived = SchoolCriteria(exam_requires_invalsi=False, exam_requires_pcto=False)
    assert (
        outcome_problems(fifth(ADMITTED, invalsi_taken=False, pcto_completed=False), waived) == []
    )
    assert codes(outcome_problems(fifth(ADMITTED, attendance_ok=False))) == [
        "attendance_over_limit"
    ]
    assert outcome_problems(fifth(NOT_ADMITTED, pcto_completed=False, reason="PCTO.")) == []


def test_structure_of_sessions():
    assert outcome_problems(upper("", session=SESSION_INTERMEDIATE)) == []
    assert codes(outcome_problems(upper(ADMITTED, session=SESSION_INTERMEDIATE))) == [
        "outcome_in_intermediate"
    ]
    assert codes(outcome_problems(upper(""))) == ["outcome_missing"]
    assert codes(outcome_problems(upper("promosso"))) == ["outcome_unknown"]
    assert codes(outcome_problems(upper(ADMITTED, year_of_course=6))) == ["year_invalid"]
    lower = OutcomeFacts(LOWER_SECONDARY, 2, SESSION_SUPPLEMENTARY, ADMITTED, GOOD, 7)
    assert codes(outcome_problems(lower)) == ["supplementary_not_here"]
    assert codes(outcome_problems(upper(ADMITTED, behaviour=None))) == ["behaviour_missing"]
    assert codes(outcome_problems(upper(ADMITTED, marks={"Italiano": 12}))) == ["mark_out_of_range"]
    assert outcome_label(SUSPENDED) == "Giudizio sospeso"
    assert list(years_of_course(LOWER_SECONDARY)) == [1, 2, 3]


# Random facts: outcome_problems answers with a list, whatever they are.
marks_strategy = st.dictionaries(
    st.sampled_from(["Italiano", "Matematica", "Inglese", "Storia", "Scienze"]),
    st.one_of(st.integers(0, 11), st.just(NC), st.sampled_from(["buono", "non_sufficiente"])),
    max_size=5,
)
facts_strategy = st.builds(
    OutcomeFacts,
    level=st.sampled_from([*LEVELS, "infanzia"]),
    year_of_course=st.integers(0, 6),
    session=st.sampled_from([*SESSIONS, "altro"]),
    outcome=st.sampled_from([*(code for code, _ in OUTCOMES), "", "boh"]),
    marks=marks_strategy,
    behaviour=st.one_of(st.none(), st.integers(0, 11), st.sampled_from(["ottimo", NC, ""])),
    attendance_ok=st.booleans(),
    debts=st.lists(st.sampled_from(["Italiano", "Matematica", "Arte"]), max_size=3),
    citizenship_assignment=st.booleans(),
    reason=st.sampled_from(["", "Motivazione."]),
    unanimous=st.booleans(),
    invalsi_taken=st.booleans(),
    pcto_completed=st.booleans(),
    admission_mark=st.one_of(st.none(), st.integers(-1, 12)),
)


@given(facts=facts_strategy)
def test_outcome_problems_never_raise_and_check_agrees(facts):
    problems = outcome_problems(facts)
    assert all(isinstance(p, str) and p and p.code for p in problems)
    if problems:
        with pytest.raises(EvaluationRuleError) as excinfo:
            check_outcome(facts)
        assert excinfo.value.problems == problems
    else:
        check_outcome(facts)


@given(
    level=st.sampled_from(LEVELS),
    year=st.integers(1, 5),
    session=st.sampled_from([SESSION_FINAL, SESSION_SUPPLEMENTARY]),
    numbers=st.dictionaries(
        st.sampled_from(["Italiano", "Matematica", "Inglese", "Storia", "Scienze", "Arte"]),
        st.one_of(st.integers(1, 10), st.just(NC)),
        min_size=1,
    ),
    behaviour=st.integers(1, 10),
    attendance_ok=st.booleans(),
    invalsi_taken=st.booleans(),
    pcto_completed=st.booleans(),
    max_debts=st.integers(1, 5),
)
def test_a_suggestion_never_contradicts_the_rules(
    level,
    year,
    session,
    numbers,
    behaviour,
    attendance_ok,
    invalsi_taken,
    pcto_completed,
    max_debts,
):
    assume(year in years_of_course(level))
    assume(session == SESSION_FINAL or (level == UPPER_SECONDARY and year <= 4))
    criteria = SchoolCriteria(max_debts_for_suspension=max_debts)
    if level == PRIMARY:
        marks = {s: "non_sufficiente" if m == NC or m < 6 else "buono" for s, m in numbers.items()}
        shown_behaviour: object = "buono"
    else:
        marks, shown_behaviour = numbers, behaviour
    suggestion = suggest_outcome(
        level, year, session, marks, shown_behaviour, attendance_ok=attendance_ok,
        invalsi_taken=invalsi_taken, pcto_completed=pcto_completed, criteria=criteria,
    )  # fmt: skip
    assert suggestion is not None
    exam_mark = level == LOWER_SECONDARY and year == 3 and suggestion.outcome == ADMITTED
    facts = OutcomeFacts(
        level=level, year_of_course=year, session=session, outcome=suggestion.outcome,
        marks=marks, behaviour=shown_behaviour, attendance_ok=attendance_ok,
        debts=suggestion.debts, citizenship_assignment=suggestion.citizenship_assignment,
        reason="Motivazione del consiglio." if suggestion.needs_reason else "",
        unanimous=True, invalsi_taken=invalsi_taken, pcto_completed=pcto_completed,
        admission_mark=7 if exam_mark else None,
    )  # fmt: skip
    assert outcome_problems(facts, criteria) == []
    if level == UPPER_SECONDARY and behaviour <= 5 and attendance_ok:
        assert suggestion.outcome == NOT_ADMITTED


@given(behaviour=st.integers(1, 5), year=st.integers(1, 5), marks=marks_strategy)
def test_behaviour_five_or_less_is_never_admitted_in_upper_secondary(behaviour, year, marks):
    facts = upper(ADMITTED, behaviour=behaviour, year_of_course=year, marks=marks)
    assert outcome_problems(facts) != []
    assert outcome_problems(dataclasses.replace(facts, outcome=SUSPENDED)) != []


# --- attendance -------------------------------------------------------------------------------


def test_attendance_limit_is_a_quarter_of_the_annual_hours():
    at_limit = attendance_status(UPPER_SECONDARY, 247, weekly_hours=30)
    assert at_limit.annual_hours == 990
    assert at_limit.limit_hours == 247
    assert not at_limit.over_limit
    assert at_limit.remaining_hours == 0
    assert at_limit.share == D("24.95")
    over = attendance_status(UPPER_SECONDARY, 248, weekly_hours=30)
    assert over.over_limit
    assert not over.assessable
    waived = attendance_status(UPPER_SECONDARY, 300, annual_hours=990, waived_hours=60)
    assert waived.counted_hours == 240
    assert not waived.over_limit
    assert (
        attendance_status(LOWER_SECONDARY, 10, annual_hours=990, waived_hours=20).counted_hours == 0
    )


def test_primary_has_no_attendance_limit():
    status = attendance_status(PRIMARY, 500, weekly_hours=27)
    assert not status.applies
    assert not status.over_limit
    assert status.assessable


def test_attendance_refuses_bad_input_in_italian():
    with pytest.raises(EvaluationRuleError, match="monte ore annuo oppure le ore settimanali"):
        attendance_status(LOWER_SECONDARY, 10)
    with pytest.raises(EvaluationRuleError, match="monte ore annuo oppure le ore settimanali"):
        attendance_status(LOWER_SECONDARY, 10, annual_hours=990, weekly_hours=30)
    with pytest.raises(EvaluationRuleError, match="non possono essere negative"):
        attendance_status(LOWER_SECONDARY, -1, annual_hours=990)
    with pytest.raises(EvaluationRuleError, match="Ordine di scuola sconosciuto"):
        attendance_status("infanzia", 1, annual_hours=990)


@given(
    annual=st.integers(1, 1500),
    absent=st.integers(0, 1500),
    waived=st.integers(0, 400),
    more=st.integers(0, 100),
)
def test_attendance_properties(annual, absent, waived, more):
    status = attendance_status(UPPER_SECONDARY, absent, annual_hours=annual, waived_hours=waived)
    assert status.over_limit == (4 * max(0, absent - waived) > annual)
    worse = attendance_status(
        UPPER_SECONDARY, absent + more, annual_hours=annual, waived_hours=waived
    )
    assert worse.over_limit or not status.over_limit
    better = attendance_status(
        UPPER_SECONDARY, absent, annual_hours=annual, waived_hours=waived + more
    )
    assert status.over_limit or not better.over_limit


# --- marks in letters ------------------------------------------------------------------------


def test_marks_in_letters():
    words = [mark_in_letters(n) for n in range(1, 11)]
    assert words == [
        "uno",
        "due",
        "tre",
        "quattro",
        "cinque",
        "sei",
        "sette",
        "otto",
        "nove",
        "dieci",
    ]
    assert mark_in_letters(D("6.5")) == "sei e mezzo"
    assert mark_in_letters(D("7.00")) == "sette"
    assert mark_in_letters("nc") == "non classificato"
    assert mark_in_figures(D("6.5")) == "6,5"
    assert mark_in_figures(D("8.00")) == "8"
    assert mark_in_figures_and_letters(7) == "7 (sette)"
    assert mark_in_figures_and_letters(NC) == "NC (non classificato)"
    with pytest.raises(EvaluationRuleError, match="non è un voto finale"):
        mark_in_letters(D("6.25"))
    with pytest.raises(EvaluationRuleError, match="non è un voto finale"):
        mark_in_letters(11)


@given(st.integers(0, 20))
def test_letters_are_distinct_for_every_half_mark(twice):
    mark = D(twice) / 2
    assert mark_in_letters(mark) not in {mark_in_letters(D(o) / 2) for o in range(21) if o != twice}
    assert D(mark_in_figures(mark).replace(",", ".")) == mark


def test_default_criteria_are_documented_defaults():
    assert SchoolCriteria() == DEFAULT_CRITERIA
    assert DEFAULT_CRITERIA.max_debts_for_suspension == 3
    assert not DEFAULT_CRITERIA.half_marks_in_final
    with pytest.raises(ValueError, match="lowest_mark"):
        SchoolCriteria(lowest_mark=6)
