"""The synthesised sounds added for the stock families: present, finite, and shaped like
what they stand for."""

from __future__ import annotations

import numpy as np
import pytest

from vrtherapy.audio.synth import MAKERS, RATE, synthesise
from vrtherapy.authoring.sounds import SYNTHESISED


def test_every_synthesised_name_the_format_accepts_has_a_maker() -> None:
    assert set(SYNTHESISED) == set(MAKERS)


@pytest.mark.parametrize(
    "name", ["jet_engine", "applause", "question", "announcement", "rustle", "crockery"]
)
def test_new_sounds_are_audible_and_bounded(name: str) -> None:
    x = synthesise(name)
    assert np.isfinite(x).all()
    assert 0.3 < float(np.abs(x).max()) <= 1.0
    assert float(np.sqrt(np.mean(x.astype(np.float64) ** 2))) > 0.01


def _pitch_track(x: np.ndarray, start: float, end: float) -> float:
    """The dominant frequency (Hz) below 400 Hz in a stretch of a voice."""
    seg = x[int(start * RATE) : int(end * RATE)].astype(np.float64)
    spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
    freqs = np.fft.rfftfreq(len(seg), 1 / RATE)
    band = (freqs > 80) & (freqs < 400)
    return float(freqs[band][np.argmax(spec[band])])


def test_a_question_rises_at_the_end() -> None:
    x = synthesise("question")
    assert _pitch_track(x, 2.0, 2.35) > 1.15 * _pitch_track(x, 0.3, 1.0)


def test_applause_is_made_of_many_short_claps_and_fades_out() -> None:
    x = synthesise("applause").mean(axis=1)
    env = np.abs(x).reshape(-1, RATE // 100).max(axis=1)  # 10-ms peaks
    middle, tail = env[100:400], env[-30:]
    assert middle.mean() > 5 * tail.mean()
    assert np.count_nonzero(np.diff((middle > middle.mean()).astype(int)) == 1) > 30
