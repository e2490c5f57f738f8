"""The synthetic client behaves like the habituation model it claims to be."""

from __future__ import annotations

from vrtherapy.session.synthetic import ClientProfile, SyntheticClient


def test_distress_peaks_then_habituates() -> None:
    client = SyntheticClient(ClientProfile(seed=1, noise=0, refusal=0))
    client.enter_step(2, at=0.0)
    start = client.true_suds(60, 50, 5)
    peak = client.true_suds(60, 50, 60)
    later = client.true_suds(60, 50, 60 + 8 * 60)
    assert start < peak and later < 0.6 * peak
    assert peak == client.peak(2, 60, 50)


def test_peak_grows_with_anticipated_suds_and_intensity_and_falls_with_repeats() -> None:
    client = SyntheticClient(ClientProfile(seed=1))
    client.enter_step(1, 0)
    assert client.peak(1, 70, 50) > client.peak(1, 40, 50)
    assert client.peak(1, 50, 90) > client.peak(1, 50, 10)
    first = client.peak(1, 60, 50)
    client.enter_step(1, 100)
    assert client.peak(1, 60, 50) < first


def test_same_seed_same_answers_and_answers_fit_the_scale() -> None:
    def answers(seed: int, scale: int) -> list[float | None]:
        c = SyntheticClient(ClientProfile(seed=seed), scale)
        c.enter_step(0, 0)
        return [c.answer_suds(50, 50, t * 30.0) for t in range(40)]

    assert answers(5, 100) == answers(5, 100)
    assert answers(5, 100) != answers(6, 100)
    ten = [a for a in answers(5, 10) if a is not None]
    assert all(0 <= a <= 10 and a == int(a) for a in ten)
    hundred = [a for a in answers(5, 100) if a is not None]
    assert all(0 <= a <= 100 and a % 5 == 0 for a in hundred)


def test_refuses_now_and_then() -> None:
    c = SyntheticClient(ClientProfile(seed=2, refusal=0.2))
    c.enter_step(0, 0)
    got = [c.answer_suds(50, 50, 60.0) for _ in range(500)]
    refusals = got.count(None)
    assert 60 < refusals < 140
