"""fewer_collections: the collector's young threshold raised for the duration, then restored."""

from __future__ import annotations

import gc

import pytest

from campanella.lib.collections_pause import fewer_collections


def test_raised_inside_and_restored_after_even_on_error() -> None:
    before = gc.get_threshold()
    with fewer_collections(123_456):
        assert gc.get_threshold() == (123_456, *before[1:])
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), fewer_collections(99_999):
        raise RuntimeError("interrotto")
    assert gc.get_threshold() == before


def test_never_lowers_a_higher_threshold() -> None:
    before = gc.get_threshold()
    gc.set_threshold(500_000, *before[1:])
    try:
        with fewer_collections(100_000):
            assert gc.get_threshold()[0] == 500_000
    finally:
        gc.set_threshold(*before)


def test_as_a_decorator() -> None:
    before = gc.get_threshold()

    @fewer_collections(77_777)
    def inside() -> int:
        return gc.get_threshold()[0]

    assert inside() == 77_777
    assert gc.get_threshold() == before
