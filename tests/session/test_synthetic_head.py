"""The synthetic client's head: seeded, and looking away more the more distressed it is."""

from __future__ import annotations

from vrtherapy.session.synthetic import SyntheticHead
from vrtherapy.session.tracking import TrackingSamples
from vrtherapy.session.tracking.measures import behaviour

SPIDER = (0.15, 0.8, -1.75)


def _measures(distress: float, seed: int = 7, stimulus: tuple[float, float, float] | None = SPIDER):  # type: ignore[no-untyped-def]
    moments = SyntheticHead(seed).moments(0.0, 300.0, lambda _t: distress, stimulus)
    return behaviour(TrackingSamples.from_moments(moments), 0.0, 300.0)


def test_the_same_seed_moves_the_same_head() -> None:
    a = SyntheticHead(3).moments(0.0, 20.0, lambda t: 40.0, SPIDER)
    b = SyntheticHead(3).moments(0.0, 20.0, lambda t: 40.0, SPIDER)
    c = SyntheticHead(4).moments(0.0, 20.0, lambda t: 40.0, SPIDER)
    assert a == b and a != c
    assert len(a) == 400 and a[1].t == 0.05


def test_more_distress_more_looking_away_and_less_looking_at() -> None:
    calm, tense, panicked = _measures(0.0), _measures(50.0), _measures(95.0)
    assert calm.at_share is not None and tense.at_share is not None
    assert panicked.at_share is not None and panicked.away_share is not None
    assert calm.away_share is not None and tense.away_share is not None
    assert calm.at_share > tense.at_share > panicked.at_share
    assert calm.away_share < tense.away_share < panicked.away_share
    assert calm.at_share > 0.8 and panicked.away_share > 0.35
    assert calm.closest_m is not None and panicked.closest_m is not None
    assert calm.closest_m < panicked.closest_m  # leans in when calm, back when distressed


def test_without_a_stimulus_the_head_still_moves() -> None:
    b = _measures(60.0, stimulus=None)
    assert b.with_stimulus == 0 and b.at_share is None
    assert b.down_share is not None and b.down_share > 0 and b.path_m > 0
