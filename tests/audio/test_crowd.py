"""The crowd murmur made from many espeak-ng voices: what a listener would notice."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from tests.system_needs import missing
from vrtherapy.audio import clips, crowd, synth

RATE = synth.RATE
F64 = npt.NDArray[np.float64]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def bed(folder: Path) -> npt.NDArray[np.float32]:
    if shutil.which(crowd.ESPEAK) is None:
        missing("espeak-ng", "apt-get install espeak-ng")
    return crowd.build(folder=folder)


def envelope(x: npt.NDArray[np.float32]) -> F64:
    """The loudness envelope at 100 Hz (RMS over 10 ms windows), mean removed."""
    mono = (x.mean(axis=1) if x.ndim == 2 else x).astype(np.float64)
    step = RATE // 100
    frames = mono[: len(mono) // step * step].reshape(-1, step)
    e: F64 = np.sqrt(np.mean(frames**2, axis=1))
    return e - e.mean()


def syllable_share(x: npt.NDArray[np.float32]) -> float:
    """The share of the envelope's modulation power (above 0.2 Hz) at 2–8 Hz."""
    e = envelope(x)
    power = np.abs(np.fft.rfft(e)) ** 2
    f = np.fft.rfftfreq(len(e), 0.01)
    return float(power[(f >= 2) & (f <= 8)].sum() / power[f > 0.2].sum())


def test_the_crowd_is_many_voices_at_different_pitches_rates_and_places() -> None:
    voices = crowd.cast(seed=7)
    assert len(voices) >= 12
    assert len({v.variant for v in voices}) >= 12
    assert len({v.pitch for v in voices}) >= 8
    assert len({v.wpm for v in voices}) >= 8
    assert min(v.pan for v in voices) < -0.3 < 0.3 < max(v.pan for v in voices)
    assert all(v.text.strip() for v in voices)
    assert crowd.cast(seed=7) == voices  # seeded: the same crowd every time
    assert crowd.cast(seed=8) != voices


def test_the_murmur_is_modulated_like_speech(bed: npt.NDArray[np.float32]) -> None:
    assert bed.shape == (int(crowd.SECONDS * RATE), 2)
    rng = np.random.default_rng(0)
    noise = rng.standard_normal(len(bed)).astype(np.float32)
    # speech's energy rises and falls with its syllables (2–8 Hz); steady noise's does not
    assert syllable_share(bed) > 0.35
    assert syllable_share(noise) < 0.2
    depth = float(np.std(envelope(bed)) / np.sqrt(np.mean(bed.astype(np.float64) ** 2)))
    assert depth > 0.25


def test_the_murmur_is_plausibly_loud_and_muffled(bed: npt.NDArray[np.float32]) -> None:
    x = bed.astype(np.float64)
    rms_db = 20 * np.log10(np.sqrt(np.mean(x**2)))
    assert -30 < rms_db < -12
    assert float(np.max(np.abs(x))) <= 0.61
    left, right = np.sqrt(np.mean(x**2, axis=0))
    assert 0.5 < left / right < 2  # voices on both sides
    # words are not intelligible: almost nothing above 2.5 kHz is left of the consonants
    spectrum = np.abs(np.fft.rfft(x.mean(axis=1))) ** 2
    f = np.fft.rfftfreq(len(x), 1.0 / RATE)
    assert spectrum[f > 2500].sum() / spectrum.sum() < 0.01


def test_the_murmur_loops_without_a_click(bed: npt.NDArray[np.float32]) -> None:
    x = bed.astype(np.float64)
    steps = np.abs(np.diff(x, axis=0))
    seam = np.abs(x[0] - x[-1])
    assert np.all(seam <= np.percentile(steps, 99, axis=0))
    # the sound's level carries on across the seam
    before, after = x[-RATE // 10 :], x[: RATE // 10]
    ratio = np.sqrt(np.mean(before**2)) / np.sqrt(np.mean(after**2))
    assert 0.25 < ratio < 4


def test_the_second_build_reads_the_cache(
    bed: npt.NDArray[np.float32], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(list((folder / "murmur").glob("*.wav"))) == 1

    def no_speaking(exe: str, voice: crowd.Voice) -> object:
        raise AssertionError("espeak-ng ran although the murmur is cached")

    monkeypatch.setattr(crowd, "speak", no_speaking)
    again = crowd.build(folder=folder)
    np.testing.assert_array_equal(again, bed)
    # another recipe is another file
    with pytest.raises(AssertionError, match="espeak-ng ran"):
        crowd.build(seed=8, folder=folder)


def test_without_espeak_the_formant_murmur_plays_with_one_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    monkeypatch.setattr(crowd.shutil, "which", lambda name: None)
    monkeypatch.setenv("VRTHERAPY_CACHE_DIR", str(tmp_path))
    crowd.murmur.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger=crowd.__name__):
            first = clips.open_sound(None, "murmur", ())
            second = clips.open_sound(None, "murmur", ())
    finally:
        crowd.murmur.cache_clear()
    assert isinstance(first, clips.Clip) and isinstance(second, clips.Clip)
    np.testing.assert_array_equal(first.samples, synth.murmur(crowd.SECONDS, 7).astype(np.float32))
    assert second.samples is first.samples
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1
    assert "espeak-ng is not installed" in warned[0].getMessage()
    assert not list(tmp_path.iterdir())  # nothing made, nothing cached


def test_a_failing_espeak_falls_back_too(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    fake = tmp_path / "espeak-ng"
    fake.write_text("#!/bin/sh\necho 'no such voice' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(crowd.shutil, "which", lambda name: str(fake))
    monkeypatch.setenv("VRTHERAPY_CACHE_DIR", str(tmp_path / "cache"))
    crowd.murmur.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger=crowd.__name__):
            out = crowd.murmur()
    finally:
        crowd.murmur.cache_clear()
    np.testing.assert_array_equal(out, synth.murmur(crowd.SECONDS, 7).astype(np.float32))
    assert not out.flags.writeable
    assert [r.getMessage() for r in caplog.records].count(
        "espeak-ng failed for voice en+m1: no such voice; "
        "the crowd murmur uses synthetic formant voices instead"
    ) == 1
