"""RunningAverage (lib/grades.py) gives, after each value, what average() gives for the values
so far: the trend charts use it instead of recomputing every prefix."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from campanella.lib.grades import RunningAverage, average

quarters = st.integers(min_value=0, max_value=40).map(lambda q: Decimal(q) / 4)
weights = st.sampled_from([Decimal(0), Decimal("0.5"), Decimal(1), Decimal("1.5"), Decimal(3)])


@given(st.lists(st.tuples(quarters, weights), max_size=30))
def test_each_step_is_the_average_of_the_values_so_far(
    pairs: list[tuple[Decimal, Decimal]],
) -> None:
    running = RunningAverage()
    assert running.value is None
    for size, (value, weight) in enumerate(pairs, start=1):
        running.add(value, weight)
        so_far = pairs[:size]
        assert running.value == average([v for v, _w in so_far], [w for _v, w in so_far])


def test_thirds_round_half_up_and_negative_weights_are_refused() -> None:
    running = RunningAverage()
    for value in ("6", "6.5", "7.25"):
        running.add(Decimal(value))
    assert running.value == Decimal("6.58")
    with pytest.raises(ValueError, match="negative"):
        running.add(Decimal(6), Decimal(-1))


long_decimals = st.decimals(min_value=0, max_value=10, places=35, allow_nan=False)


@given(st.lists(st.tuples(long_decimals, long_decimals), max_size=12))
def test_sums_too_long_for_decimal_move_to_fractions_with_the_same_result(
    pairs: list[tuple[Decimal, Decimal]],
) -> None:
    """The running sums are Decimals while they stay exact (grades have two decimals), exact
    fractions once a product would be rounded: the averages are average()'s either way."""
    running = RunningAverage()
    for size, (value, weight) in enumerate(pairs, start=1):
        running.add(value, weight)
        so_far = pairs[:size]
        assert running.value == average([v for v, _w in so_far], [w for _v, w in so_far])
