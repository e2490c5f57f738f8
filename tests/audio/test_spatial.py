"""What a listener notices, rendered offline through the engine: direction, distance,
head turns, smooth changes of gain, streaming of long files."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import soundfile

from tests.audio.conftest import RATE, channels, rms
from tests.system_needs import missing
from vrtherapy.audio import AudioEngine, ListenerPose, OpenALError, SceneSound
from vrtherapy.authoring.sounds import BedSpec, CueSpec, SoundsSpec, SourceSpec

HEAD = (0.0, 1.6, 0.0)


def _source(**kw: object) -> SoundsSpec:
    args = {"name": "src", "sound": "ventilation", "distance": 1.0, **kw}
    return SoundsSpec(sources=[SourceSpec.model_validate(args)])


def test_the_engine_mixes_with_hrtf_at_48_khz(engine: AudioEngine) -> None:
    assert engine.device.frequency == RATE
    assert engine.hrtf


def test_a_source_on_the_left_is_louder_left_and_moves_right_after_a_half_turn(
    engine: AudioEngine,
) -> None:
    engine.publish_scene(SceneSound("t", _source(position=[-3.0, 1.6, 0.0])))
    engine.publish_pose(ListenerPose.facing(HEAD, 0.0))
    left, right = channels(engine.render(2.0), start_s=1.2)
    assert left > 1.5 * right

    engine.publish_pose(ListenerPose.facing(HEAD, 180.0))
    left, right = channels(engine.render(1.0), start_s=0.1)
    assert right > 1.5 * left


def test_turning_the_head_left_brings_a_source_ahead_to_the_right(engine: AudioEngine) -> None:
    engine.publish_scene(SceneSound("t", _source(position=[0.0, 1.6, -3.0])))
    engine.publish_pose(ListenerPose.facing(HEAD, 90.0))  # yaw > 0: turned left
    left, right = channels(engine.render(2.0), start_s=1.2)
    assert right > 1.5 * left


def test_a_source_twice_as_far_is_quieter(engine: AudioEngine) -> None:
    engine.publish_pose(ListenerPose.facing(HEAD, 0.0))
    engine.publish_scene(SceneSound("near", _source(position=[0.0, 1.6, -3.0])))
    near = rms(engine.render(2.5), 1.5)
    engine.publish_scene(SceneSound("far", _source(position=[0.0, 1.6, -6.0])))
    far = rms(engine.render(2.5), 1.5)  # the near scene has faded out by then
    assert far < 0.65 * near
    assert far > 0.35 * near  # inverse distance: about half


def test_a_bed_sounds_the_same_whichever_way_the_head_turns(engine: AudioEngine) -> None:
    bed = SoundsSpec(beds=[BedSpec(name="hum", sound="engine_hum")])
    engine.publish_scene(SceneSound("t", bed))
    engine.publish_pose(ListenerPose.facing(HEAD, 0.0))
    ahead = channels(engine.render(2.0), 1.2)
    engine.publish_pose(ListenerPose.facing(HEAD, 120.0))
    turned = channels(engine.render(1.0), 0.2)
    assert np.allclose(ahead, turned, rtol=0.1)
    assert abs(ahead[0] - ahead[1]) < 0.05 * ahead[0]


def test_a_gain_parameter_changes_the_level_smoothly(engine: AudioEngine) -> None:
    sounds = SoundsSpec(beds=[BedSpec(name="air", sound="ventilation", gain="$wind")])
    engine.publish_pose(ListenerPose.facing(HEAD, 0.0))
    engine.publish_scene(SceneSound("t", sounds, {"wind": 0.2}))
    quiet = rms(engine.render(2.0), 1.2)
    engine.publish_scene(SceneSound("t", sounds, {"wind": 0.8}))
    out = engine.render(2.0)
    windows = [rms(out, t, t + 0.1) for t in np.arange(0.0, 1.0, 0.1)]
    loud = rms(out, 1.2)
    assert 3.0 < loud / quiet < 5.0  # four times the gain
    # no jump: it rises over about a second, never by more than a third in 0.1 s
    assert windows[1] < 0.6 * loud
    assert all(b < 1.6 * a for a, b in itertools.pairwise(windows))


def test_playing_false_is_silent_and_true_plays(engine: AudioEngine) -> None:
    sounds = SoundsSpec(beds=[BedSpec(name="e", sound="engine_hum", playing="$engines")])
    engine.publish_scene(SceneSound("t", sounds, {"engines": False}))
    assert rms(engine.render(1.5), 0.5) == 0.0
    engine.publish_scene(SceneSound("t", sounds, {"engines": True}))
    assert rms(engine.render(1.5), 1.1) > 0.05


def test_a_cue_plays_once_when_fired(engine: AudioEngine) -> None:
    sounds = SoundsSpec(cues=[CueSpec(name="bell", sound="chime")])
    engine.publish_scene(SceneSound("t", sounds))
    assert rms(engine.render(0.5)) == 0.0
    engine.publish_scene(SceneSound("t", sounds, cues=((7, "bell"),)))
    out = engine.render(4.0)
    assert rms(out, 0.0, 0.5) > 0.02
    assert rms(out, 3.2) == 0.0  # a one-shot: over after its three seconds, not repeated
    assert not engine.voices


def test_a_long_file_streams_without_running_dry(engine: AudioEngine, tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    rate = 8_000  # OpenAL resamples to 48 kHz
    samples = (0.3 * rng.standard_normal(rate * 40)).astype(np.float32)
    soundfile.write(str(tmp_path / "long.flac"), samples, rate)
    sounds = SoundsSpec(beds=[BedSpec(name="long", file="long.flac")])
    engine.publish_scene(SceneSound("t", sounds, base_dirs=(tmp_path,)))
    out = engine.render(3.0)
    [voice] = engine.voices
    assert voice.reader is not None  # streamed, not decoded whole
    assert rms(out, 1.2) > 0.05
    assert engine.underruns == 0


def test_a_missing_file_is_silent_with_one_warning(
    engine: AudioEngine, warnings: list[str], tmp_path: Path
) -> None:
    sounds = SoundsSpec(beds=[BedSpec(name="gone", file="gone.ogg")])
    engine.publish_scene(SceneSound("t", sounds, base_dirs=(tmp_path,)))
    out = engine.render(1.0)
    out = np.concatenate([out, engine.render(1.0)])
    assert rms(out) == 0.0
    assert len(warnings) == 1
    assert "gone.ogg" in warnings[0] and "not found" in warnings[0]


def test_the_audio_benchmark_reports_underruns_cpu_and_head_turn_latency() -> None:
    from vrtherapy.app.audio_bench import run_audio_bench

    try:
        result = run_audio_bench(seconds=3.0)
    except OpenALError as exc:
        missing(f"OpenAL Soft ({exc})", "apt-get install libopenal1")
    assert result.sources >= 16
    assert result.hrtf
    assert result.stream_underruns == 0
    assert result.control_cpu_s > 0 and result.mix_cpu_s > 0
    # a pose is applied at the next 5 ms tick and heard from the next 21.3 ms period
    assert all(0 <= ms <= 21.3 + 5 + 2.5 + 3 for ms in result.latencies_ms)
    report = result.report()
    assert "buffer underruns:" in report and "head-turn -> sound field:" in report


def test_cue_numbers_start_again_in_another_session(engine: AudioEngine) -> None:
    sounds = SoundsSpec(cues=[CueSpec(name="bell", sound="chime")])
    engine.publish_scene(SceneSound("t", sounds, cues=((40, "bell"),), cue_scope="session-1"))
    assert rms(engine.render(0.5)) > 0.02
    engine.render(3.0)
    engine.publish_scene(SceneSound("t", sounds, cues=((3, "bell"),), cue_scope="session-2"))
    assert rms(engine.render(0.5)) > 0.02  # seq 3 of the next session is a new cue
    engine.render(3.0)
    assert rms(engine.render(0.5)) == 0.0  # and is played once


def test_a_sound_that_fails_to_decode_leaves_the_others_playing(
    engine: AudioEngine, warnings: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import vrtherapy.audio.engine as engine_module

    real = engine_module.open_sound  # type: ignore[attr-defined]

    def flaky(file: str | None, synth: str | None, base_dirs: tuple[Path, ...]) -> object:
        if synth == "rain":
            raise ValueError("decoder exploded")
        return real(file, synth, base_dirs)

    monkeypatch.setattr(engine_module, "open_sound", flaky)
    sounds = SoundsSpec(
        beds=[BedSpec(name="rain", sound="rain"), BedSpec(name="hum", sound="engine_hum")]
    )
    engine.publish_scene(SceneSound("t", sounds))
    assert rms(engine.render(2.0), 1.2) > 0.05
    assert [v.spec.name for v in engine.voices] == ["hum"]
    assert warnings == ["sound 'rain' is silent: decoder exploded"]
