"""The client's sound in a session, rendered offline through the engine's loopback
device: the stock scenes sound, safety actions silence or duck them, console cues are
heard and recorded."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from tests.audio.conftest import rms
from tests.system_needs import missing
from vrtherapy.app.audio_wiring import object_anchors, render_scenario, scene_sound
from vrtherapy.audio import AudioEngine, ListenerPose, OpenALError, Output, open_offline
from vrtherapy.audio.scene import SILENT, SceneSound
from vrtherapy.authoring import Library, load_library
from vrtherapy.authoring.intensity import level_intensity, parameter_values
from vrtherapy.cli.run_command import practice_hierarchy
from vrtherapy.console.protocol import Context, build_command
from vrtherapy.session import commands as c
from vrtherapy.session.clock import ManualClock
from vrtherapy.session.service import SessionService
from vrtherapy.session.store import open_store
from vrtherapy.world import build_world


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library()


def _offline() -> AudioEngine:
    try:
        return open_offline()
    except OpenALError as exc:
        missing(f"OpenAL Soft ({exc})", "apt-get install libopenal1")


class Client:
    """A session and what its client hears: snapshots followed as `run` follows them."""

    def __init__(self, service: SessionService, library: Library) -> None:
        self.service = service
        self.library = library
        self.engine = _offline()
        self.scene: SceneSound = SILENT
        self.ids = iter(range(1, 10_000))

    def command(self, name: str, **args: object) -> None:
        """A command as the console sends it (through its protocol)."""
        cmd = build_command(
            name, f"console-{next(self.ids)}", dict(args), Context(self.service.snapshot)
        )
        assert isinstance(cmd, c.Command)
        outcome = self.service.handle(cmd)
        assert outcome.accepted, outcome.reason

    def hear_with_twin(
        self, seconds: float, twin: AudioEngine, twin_output: Output | None = None
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """What the client hears, and what the same scene without any cues sounds like
        (at ``twin_output``) on a second engine kept in step: the difference is what a
        cue or a setting changed."""
        heard = self.hear(seconds)
        twin.publish_scene(replace(self.scene, cues=()))
        twin.publish_pose(self.engine.pose)
        twin.publish_output(twin_output or self.engine.output)
        return heard, twin.render(seconds)

    def hear(self, seconds: float) -> npt.NDArray[np.float32]:
        snap = self.service.snapshot
        anchors = {}
        if snap is not None and snap.scenario:
            spec = self.library.scenarios[snap.scenario]
            anchors[snap.scenario] = object_anchors(build_world(spec, dict(snap.parameters)), spec)
        self.scene = scene_sound(snap, self.library, anchors, self.scene)
        self.engine.publish_scene(self.scene)
        if snap is not None:
            self.engine.publish_output(Output(snap.sound_volume, snap.sound_muted))
        height = dict(snap.parameters).get("height", 0.0) if snap else 0.0
        self.engine.publish_pose(ListenerPose.facing((0.0, float(height) + 1.6, 0.0), 0.0))
        return self.engine.render(seconds)


@pytest.fixture
def client(tmp_path: Path, library: Library) -> Iterator[Client]:
    store = open_store(str(tmp_path / "sound.sqlite3"))
    service = SessionService(store, library, ManualClock())
    hierarchy = practice_hierarchy(library.scenarios["heights.balcony"], "heights.balcony")
    service.start(service.clients.create(hierarchy))
    listener = Client(service, library)
    listener.command("go_to_step", index=4)  # floor_20: wind 0.6
    yield listener
    listener.engine.close()
    store.close()


def test_balcony_wind_grows_louder_from_the_ground_to_the_top(library: Library) -> None:
    spec = library.scenario("heights.balcony")
    levels = ["ground", "floor_5", "floor_20_low_rail"]
    loudness = []
    for level in levels:
        values = parameter_values(spec, level_intensity(spec, level))
        loudness.append(rms(render_scenario(spec, values, 3.0, library=library), 1.5))
    assert loudness[0] < loudness[1] < loudness[2]
    assert loudness[2] > 4 * loudness[0]


def test_the_calm_room_has_its_own_calm_bed(library: Library) -> None:
    out = render_scenario(library.scenario("calm.room"), {}, 3.0, library=library)
    assert 0.01 < rms(out, 1.5) < 0.2  # audible, and quiet


def test_blackout_silences_the_scene_within_half_a_second(client: Client) -> None:
    before = client.hear(2.0)
    assert rms(before, 1.5) > 0.02
    client.command("blackout")
    after = client.hear(1.0)
    assert np.max(np.abs(after[int(0.5 * 48_000) :])) < 1e-4
    client.command("resume")
    assert rms(client.hear(1.5), 1.0) > 0.02


def test_pause_ducks_the_scene(client: Client) -> None:
    playing = rms(client.hear(2.0), 1.5)
    client.command("pause")
    ducked = rms(client.hear(1.0), 0.5)
    assert 0.1 * playing < ducked < 0.4 * playing


def test_nothing_plays_after_stop(client: Client) -> None:
    client.hear(2.0)
    client.command("stop")
    out = np.concatenate([client.hear(1.0), client.hear(2.0)])
    assert np.max(np.abs(out[int(0.5 * 48_000) :])) < 1e-4
    assert client.service.snapshot is not None
    assert client.service.snapshot.status == "ended"


def test_the_calm_scene_plays_the_calm_rooms_sound(client: Client) -> None:
    client.hear(2.0)
    client.command("calm_scene")
    client.hear(2.5)  # the balcony fades out, the room fades in
    keys = {v.spec.name for v in client.engine.voices}
    assert keys == {"room", "sea"}
    assert rms(client.hear(1.0)) > 0.01


def test_a_cue_fired_from_the_console_is_heard_and_recorded(client: Client) -> None:
    twin = _offline()
    client.command("go_to_step", index=3)  # floor_10, where no cue fires by itself
    heard, without = client.hear_with_twin(4.0, twin)  # the level cue of floor_20 ends
    assert rms(heard - without, 3.2) < 1e-4  # in step: the same mix
    client.command("fire_cue", cue="gust")
    heard, without = client.hear_with_twin(2.0, twin)
    cue = heard - without
    assert rms(cue, 0.5, 2.0) > 0.5 * rms(without, 0.5, 2.0)  # clearly audible in the mix
    twin.close()
    kinds = [(e.kind, e.payload) for e in client.service.events()]
    fired = [p for k, p in kinds if k == "sound_cue_fired"]
    assert [(p.cue, p.trigger) for p in fired] == [("gust", "level"), ("gust", "therapist")]


def test_an_unknown_cue_is_refused_with_the_choices(client: Client) -> None:
    cmd = build_command("fire_cue", "x-1", {"cue": "thunder"}, Context())
    assert isinstance(cmd, c.Command)
    outcome = client.service.handle(cmd)
    assert not outcome.accepted
    assert "no sound cue 'thunder'" in outcome.reason and "gust" in outcome.reason


def test_master_volume_and_mute_from_the_console(client: Client) -> None:
    twin = _offline()
    client.hear_with_twin(3.0, twin)
    client.command("sound_output", volume=0.5)
    half, full = client.hear_with_twin(2.0, twin, Output(1.0))
    assert rms(half, 0.5) == pytest.approx(0.5 * rms(full, 0.5), rel=0.02)
    client.command("sound_output", muted=True)
    assert rms(client.hear(1.0), 0.5) == 0.0
    twin.close()
    snap = client.service.snapshot
    assert snap is not None and snap.sound_muted and snap.sound_volume == 0.5
    kinds = [e.kind for e in client.service.events()]
    assert kinds.count("sound_output_set") == 2


def test_entering_a_level_fires_its_cue_once(client: Client) -> None:
    fired = [e for e in client.service.events() if e.kind == "sound_cue_fired"]
    assert [(e.payload.cue, e.payload.trigger) for e in fired] == [("gust", "level")]
    client.service.handle(c.AddNote("n-1", text="later"))
    assert len([e for e in client.service.events() if e.kind == "sound_cue_fired"]) == 1


def test_session_audio_follows_the_snapshot_and_the_head_on_its_thread(
    client: Client, library: Library
) -> None:
    import time

    from vrtherapy.app.audio_wiring import SessionAudio
    from vrtherapy.display.base import EyeView
    from vrtherapy.display.headless import HeadPose

    engine = _offline()
    audio = SessionAudio(engine, library, lambda: client.service.snapshot)
    audio.start()
    snap = client.service.snapshot
    assert snap is not None
    world = build_world(library.scenarios[snap.scenario], dict(snap.parameters))
    head = HeadPose(eye_height=1.6, yaw_degrees=90.0)
    view = np.linalg.inv(head.matrix()).astype(np.float32)
    eye = EyeView(0, view, np.eye(4, dtype=np.float32), 0, (0, 0, 8, 8))
    audio.on_frame(snap.scenario, world, [eye], 60.0)
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline and (
        engine.scene.key != "heights.balcony" or "plaza" not in engine.scene.anchors
    ):
        time.sleep(0.01)
    assert engine.scene.key == "heights.balcony"
    assert engine.scene.anchors["plaza"][1] == pytest.approx(0.02, abs=1e-3)
    assert engine.pose.position[1] == pytest.approx(61.6, abs=1e-3)  # on the 60 m balcony
    assert engine.pose.forward[0] == pytest.approx(-1.0, abs=1e-3)  # turned left
    client.command("blackout")
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline and engine.scene.gain != 0.0:
        time.sleep(0.01)
    assert engine.scene.gain == 0.0
    audio.close()
    assert not audio.thread.alive


def test_session_audio_hears_scene_files_reloaded_during_the_session(
    client: Client, library: Library
) -> None:
    """`run --watch` swaps in reloaded files; the sound follows them, not the files the
    session started with."""
    import time

    from vrtherapy.app.audio_wiring import SessionAudio
    from vrtherapy.authoring.sounds import SoundsSpec

    current = [library]
    engine = _offline()
    audio = SessionAudio(engine, lambda: current[0], lambda: client.service.snapshot)
    audio.start()

    def sounds_now() -> SoundsSpec:
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline and engine.scene.key != "heights.balcony":
            time.sleep(0.01)
        return engine.scene.sounds

    assert sounds_now().sources  # the balcony's wind and town
    balcony = library.scenarios["heights.balcony"]
    quiet = replace(
        library,
        scenarios={
            **library.scenarios,
            "heights.balcony": balcony.model_copy(update={"sounds": SoundsSpec()}),
        },
    )
    current[0] = quiet  # the author removed the sounds and saved; the files reloaded
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline and engine.scene.sounds.sources:
        time.sleep(0.01)
    assert not engine.scene.sounds.sources
    audio.close()


def test_only_fresh_cues_reach_the_audio(client: Client, library: Library) -> None:
    snap = client.service.snapshot
    assert snap is not None
    [(seq, cue, at)] = snap.cues_fired  # the level cue of floor_20
    assert scene_sound(snap, library, {}).cues == ((seq, cue),)
    later = replace(snap, session_time=at + 5.0)  # e.g. a session resumed later
    assert scene_sound(later, library, {}).cues == ()
    assert scene_sound(snap, library, {}).cue_scope == snap.session_id
