"""Speech: espeak-ng writes audio of plausible length, cached by content hash; the
mouth opens while the partner speaks and closes in silence."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tests.system_needs import missing
from vrtherapy.authoring.scenario import VoiceSpec
from vrtherapy.partners.lipsync import WINDOW_S, mouth_track
from vrtherapy.partners.speech import (
    SpeechCache,
    SpeechError,
    SpeechRequest,
    espeak_available,
)

LINE = "Good morning! Please, take a seat. Tell me a little about yourself."


@pytest.fixture
def cache(tmp_path: Path) -> SpeechCache:
    if not espeak_available():
        missing("espeak-ng", "apt-get install espeak-ng")
    return SpeechCache(tmp_path / "speech")


def test_line_is_synthesised_with_plausible_duration_then_read_from_cache(
    cache: SpeechCache,
) -> None:
    request = SpeechRequest(LINE, VoiceSpec(name="en-gb", rate=160, pitch=40))
    first = cache.get(request)
    words = len(LINE.split())
    expected = words / 160 * 60  # seconds at 160 words a minute
    assert 0.6 * expected < first.seconds < 1.8 * expected, first.seconds
    assert not first.cached and cache.synthesised == 1
    again = cache.get(request)
    assert again.cached and cache.synthesised == 1
    np.testing.assert_array_equal(first.samples, again.samples)
    # another voice, rate or text is another entry
    faster = cache.get(SpeechRequest(LINE, request.voice, rate_factor=1.5))
    assert cache.synthesised == 2 and faster.seconds < 0.85 * first.seconds


def test_synthesis_runs_ahead_of_need_on_an_executor(cache: SpeechCache) -> None:
    with ThreadPoolExecutor(1) as pool:
        future = cache.prepare(
            SpeechRequest("Hallo, wie geht es Ihnen?", VoiceSpec(name="de")), pool
        )
        utterance = future.result(timeout=30)
    assert utterance.seconds > 0.5


def test_mouth_opens_while_speaking_and_closes_in_silence(cache: SpeechCache) -> None:
    u = cache.get(SpeechRequest("Hello there. Nice to meet you.", VoiceSpec(name="en")))
    track = u.mouth
    hop = round(u.rate * WINDOW_S)
    n = len(track.openness)
    rms = np.sqrt(np.mean(u.samples[: n * hop].reshape(n, hop) ** 2, axis=1))
    speaking = rms > 0.3 * np.percentile(rms, 95)
    silent = rms < 1e-3
    assert speaking.sum() > 20 and silent.sum() > 5
    assert track.openness[speaking].mean() > 0.35
    # silence: the mouth is shut once it has had 150 ms of silence to close
    run = np.convolve(silent.astype(int), np.ones(15, int))[: len(silent)]
    settled = run == 15
    assert settled.sum() > 0
    assert track.openness[settled].max() < 0.05
    assert track.at(-0.1) == 0.0 and track.at(u.seconds + 0.5) == 0.0


def test_mouth_track_of_a_tone_burst() -> None:
    """Without espeak-ng: 0.5 s of silence, 0.5 s of tone, 0.5 s of silence."""
    rate = 16000
    t = np.arange(rate // 2) / rate
    tone = 0.5 * np.sin(2 * np.pi * 220 * t)
    samples = np.concatenate([np.zeros(rate // 2), tone, np.zeros(rate // 2)])
    track = mouth_track(samples, rate)
    assert track.at(0.25) == 0.0
    assert track.at(0.75) > 0.9
    assert track.at(1.4) < 0.01
    times = np.array([0.25, 0.75, 1.4, 9.0])
    np.testing.assert_allclose(track.at_all(times)[[0, 3]], 0.0)


def test_unknown_voice_is_a_clear_error(cache: SpeechCache) -> None:
    with pytest.raises(SpeechError, match="espeak-ng --voices"):
        cache.get(SpeechRequest("Hello", VoiceSpec(name="xx-nonesuch")))
    assert not list(cache.folder.rglob("*.wav"))  # nothing half-written is left


def test_missing_espeak_says_what_to_install(tmp_path: Path) -> None:
    def absent(argv: list[str], text: str) -> None:
        from vrtherapy.partners.speech import _run_espeak

        _run_espeak(["/nonexistent/espeak-ng", *argv[1:]], text)

    with pytest.raises(SpeechError, match="install the Debian package 'espeak-ng'"):
        SpeechCache(tmp_path, run=absent).get(SpeechRequest("Hello"))


def test_rendered_line_is_louder_on_the_side_where_the_partner_stands(
    cache: SpeechCache,
) -> None:
    from tests.audio.conftest import channels
    from vrtherapy.audio import ListenerPose, OpenALError, SceneSound, open_offline
    from vrtherapy.audio.scene import SpokenLine

    utterance = cache.get(SpeechRequest("Good morning, please take a seat.", VoiceSpec()))
    try:
        engine = open_offline(lambda message: None)
    except OpenALError as exc:
        missing(f"OpenAL Soft ({exc})", "apt-get install libopenal1")
    try:
        levels = {}
        for side, x in (("left", -2.0), ("right", 2.0)):
            # as the session plays it: from the partner's mouth, published as an anchor
            line = SpokenLine(1, "host", utterance.path)
            scene = SceneSound(side, anchors={"host": (x, 1.55, -0.5)}, cue_scope=side)
            engine.publish_scene(replace(scene, speech=(line,)))
            engine.publish_pose(ListenerPose.facing((0.0, 1.6, 0.0), 0.0))
            levels[side] = channels(engine.render(utterance.seconds + 0.2))
        left, right = levels["left"]
        assert left > 1.5 * right > 0
        left, right = levels["right"]
        assert right > 1.5 * left > 0
        # a new line cuts the one still playing; a line without a file only silences
        engine.publish_scene(replace(scene, cue_scope="cut", speech=(line,)))
        playing = channels(engine.render(0.3))
        silenced = replace(scene, cue_scope="cut", speech=(line, SpokenLine(2, "host", None)))
        engine.publish_scene(silenced)
        engine.render(0.05)
        after = channels(engine.render(0.5))
        assert max(playing) > 0.01 and max(after) < 0.01 * max(playing)
    finally:
        engine.close()
