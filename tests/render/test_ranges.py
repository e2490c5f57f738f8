"""The shared mesh buffers' bookkeeping: ranges handed out never overlap, freed space
is reused and merges with its neighbours, and growing keeps every range where it was."""

from __future__ import annotations

import numpy as np
import pytest

from vrtherapy.render.ranges import RangeAllocator


def test_ranges_are_first_fit_and_do_not_overlap() -> None:
    a = RangeAllocator(100)
    assert [a.alloc(30), a.alloc(30), a.alloc(30)] == [0, 30, 60]
    assert a.alloc(20) is None  # 10 left
    assert a.used == 90


def test_freed_ranges_merge_and_are_reused() -> None:
    a = RangeAllocator(100)
    starts = [a.alloc(20) for _ in range(5)]
    assert starts == [0, 20, 40, 60, 80]
    a.free(20, 20)
    a.free(60, 20)
    assert a.alloc(40) is None  # two holes of 20, not one of 40
    a.free(40, 20)  # joins both neighbours: 20..80 free
    assert a.alloc(60) == 20
    assert a.used == 100


def test_freeing_what_is_free_is_refused() -> None:
    a = RangeAllocator(50)
    start = a.alloc(10)
    assert start == 0
    a.free(0, 10)
    with pytest.raises(ValueError, match="already free"):
        a.free(0, 10)
    with pytest.raises(ValueError, match="already free"):
        a.free(5, 2)


def test_growing_keeps_ranges_and_makes_room_at_the_end() -> None:
    a = RangeAllocator(64)
    kept = a.alloc(60)
    assert a.alloc(10) is None
    assert a.grow(10) == 128
    assert a.alloc(10) == 60  # the old tail joined the new space
    assert kept == 0 and a.used == 70
    b = RangeAllocator(8)
    assert b.alloc(8) == 0
    assert b.grow(100) == 108  # more than doubling where one mesh needs it
    assert b.alloc(100) == 8


def test_random_use_never_hands_out_overlapping_ranges() -> None:
    rng = np.random.default_rng(5)
    a = RangeAllocator(1000)
    owned = np.zeros(4000, bool)
    held: list[tuple[int, int]] = []
    for _ in range(2000):
        if held and rng.random() < 0.45:
            start, size = held.pop(int(rng.integers(len(held))))
            a.free(start, size)
            owned[start : start + size] = False
            continue
        size = int(rng.integers(1, 60))
        start = a.alloc(size)
        if start is None:
            if a.capacity >= 4000 - 60:
                continue
            a.grow(size)
            start = a.alloc(size)
        assert start is not None and start + size <= a.capacity
        assert not owned[start : start + size].any()
        owned[start : start + size] = True
        held.append((start, size))
    assert a.used == int(owned.sum())
