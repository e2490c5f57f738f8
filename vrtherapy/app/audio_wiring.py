"""The client's sound during a session: which scene is heard, how loud, from where.

- :func:`scene_sound` (pure) turns a session snapshot into the audio's
  :class:`SceneSound`: the heard scenario (the calm scene while it is shown), its
  parameter values, the safety state's gain (Pause ducks, Blackout and Stop silence),
  and the cues fired.
- :class:`SessionAudio` runs the engine's control thread during ``run``: each tick it
  follows the latest snapshot (one reference), the partners' lines the engine thread
  published (:mod:`vrtherapy.app.speech_wiring`) and the anchors, partners' mouths and
  head pose the render thread published (references too), so neither thread ever waits
  on the other.
- :func:`render_scenario` renders what a client hears in one scenario offline, through
  the same engine on OpenAL's loopback device (``snapshot --sound``, tests).
"""

from __future__ import annotations

import logging
import math
import operator
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from vrtherapy.app.speech_wiring import Voices, spoken_lines
from vrtherapy.audio import (
    AudioEngine,
    AudioThread,
    ListenerPose,
    Output,
    SceneSound,
    open_offline,
    safety_gain,
)
from vrtherapy.audio.scene import SAFETY_FADE_S, SILENT, Vec3
from vrtherapy.authoring import Library, ScenarioSpec
from vrtherapy.authoring.intensity import parameter_values
from vrtherapy.authoring.sounds import CueSpec, SourceSpec
from vrtherapy.authoring.stock import assets_dir
from vrtherapy.session.snapshot import Snapshot

log = logging.getLogger(__name__)
WAITING_SCENE = "calm.room"  # what the client hears before the session starts
# a cue is played when the audio sees it within this many seconds of its firing; older
# ones (a resumed session's, or fired while nothing followed) are history, not sound
CUE_FRESH_S = 2.0


def base_dirs(library: Library, scenario_id: str) -> tuple[Path, ...]:
    """Where a scenario's sound files are looked up: next to it, then in its library
    folder's assets/, then the stock assets/ (as ``validate`` looks)."""
    return library.asset_dirs(scenario_id)


def calm_values(spec: ScenarioSpec) -> dict[str, float | bool | str]:
    return parameter_values(spec, 0.0)


def scene_sound(
    snap: Snapshot | None,
    library: Library,
    anchors: Mapping[str, Mapping[str, Vec3]],
    previous: SceneSound = SILENT,
) -> SceneSound:
    """What the client should hear for a snapshot (pure).

    Blackout and the end of the session keep the scene but at gain 0, so its sounds
    fade out quickly instead of being swapped for another scene's.
    """
    if snap is None or snap.status == "not_started":
        return _scene(library, WAITING_SCENE, None, anchors, 1.0, ())
    gain = safety_gain(snap.safety, snap.status)
    if snap.status == "ended" or snap.safety == "blackout":
        return replace(previous, gain=0.0)
    if snap.safety == "calm_scene":
        scenario, values = snap.calm_scene, None
    else:
        scenario, values = snap.scenario, dict(snap.parameters)
    recent = tuple(
        (seq, cue) for seq, cue, at in snap.cues_fired if snap.session_time - at <= CUE_FRESH_S
    )
    return replace(
        _scene(library, scenario, values, anchors, gain, recent), cue_scope=snap.session_id
    )


def _scene(
    library: Library,
    scenario: str,
    values: dict[str, float | bool | str] | None,
    anchors: Mapping[str, Mapping[str, Vec3]],
    gain: float,
    cues: tuple[tuple[int, str], ...],
) -> SceneSound:
    spec = library.scenarios.get(scenario)
    if spec is None:
        return replace(SILENT, key=scenario)
    return SceneSound(
        key=scenario,
        sounds=spec.sounds,
        values=calm_values(spec) if values is None else values,
        anchors=anchors.get(scenario, {}),
        base_dirs=base_dirs(library, scenario),
        gain=gain,
        cues=cues,
    )


def object_anchors(world: Any, spec: ScenarioSpec) -> dict[str, Vec3]:
    """World positions of the objects that the scenario's sounds are attached to."""
    placed: list[SourceSpec | CueSpec] = [*spec.sounds.sources, *spec.sounds.cues]
    wanted = {s.attach for s in placed if s.attach}
    out: dict[str, Vec3] = {}
    for full in world.node_names:
        name = full.rsplit("/", 1)[-1]
        if name in wanted and name not in out:
            m = world.world_matrix(full)
            out[name] = (float(m[0, 3]), float(m[1, 3]), float(m[2, 3]))
    return out


def listener_offset(world: Any, standing_height: float) -> Vec3:
    """Where tracking space's origin is in the world: under the client's stand point."""
    x, _, z = world.stand_point
    return (float(x), float(standing_height), float(z))


@dataclass
class _Published:
    """What the render thread hands the audio thread: anchors per scenario (the objects
    sounds attach to, and the partners' mouths)."""

    anchors: Mapping[str, Mapping[str, Vec3]]


MOUTH_MOVED_M = 0.01  # a partner's voice follows its mouth once it moved this far


class SessionAudio:
    """The engine and its control thread during a session (None engine: silent)."""

    def __init__(
        self,
        engine: AudioEngine,
        library: Library | Callable[[], Library],
        snapshot: Callable[[], Any],
        voices: Callable[[], Voices] = Voices,
    ):
        self.engine = engine
        # a callable follows files reloaded during the session (`run --watch`)
        self._library = library if callable(library) else (lambda: library)
        self.snapshot = snapshot  # returns the latest Snapshot (a reference read)
        self.voices = voices  # returns the partners' latest lines (a reference read)
        self._published = _Published({})
        self._world_seen: dict[str, object] = {}
        self._followed: tuple[Any, ...] | None = None
        self._scene = SILENT
        self.thread = AudioThread(engine, before_step=self.follow)

    @property
    def library(self) -> Library:
        return self._library()

    def start(self) -> None:
        self.thread.start()

    # -- the render thread ----------------------------------------------------------------
    def on_frame(self, scenario: str, world: Any, views: Sequence[Any], standing: float) -> None:
        """Publish the head pose (every frame) and, when a world is new or its parameters
        changed, the positions of the objects sounds are attached to."""
        if world is None:
            return
        views_m: list[npt.NDArray[np.float32]] = [v.view for v in views]
        self.engine.publish_pose(ListenerPose.from_view(views_m, listener_offset(world, standing)))
        # anchors move when the world is rebuilt or its parameters change
        seen = (id(world), tuple(sorted(dict(getattr(world, "values", {})).items())))
        if self._world_seen.get(scenario) != seen:
            spec = self.library.scenarios.get(scenario)
            if spec is not None and (spec.sounds.sources or spec.sounds.cues):
                anchors = {**self._published.anchors, scenario: object_anchors(world, spec)}
                self._published = _Published(anchors)  # one reference swap
            self._world_seen[scenario] = seen

    def publish_mouths(self, scenario: str, mouths: Mapping[str, Vec3]) -> None:
        """Where the partners' mouths are (render thread, every frame): their voices come
        from there. Published again only when one moved noticeably."""
        known = self._published.anchors.get(scenario, {})
        if all(
            pid in known and math.dist(known[pid], at) < MOUTH_MOVED_M for pid, at in mouths.items()
        ):
            return
        anchors = {**self._published.anchors, scenario: {**known, **mouths}}
        self._published = _Published(anchors)  # one reference swap

    # -- the audio thread -------------------------------------------------------------------
    def follow(self) -> None:
        """Publish what the client should hear now (the audio thread, before each step)."""
        snap = self.snapshot()
        published = self._published
        library = self.library
        voices = self.voices()
        key = (snap, published, library, voices)
        if self._followed is not None and all(map(operator.is_, self._followed, key)):
            return  # nothing new (compared by reference: no deep comparison per step)
        self._followed = key
        scene = scene_sound(snap, library, published.anchors, self._scene)
        if snap is not None and snap.session_id == voices.scope:
            scene = replace(scene, speech=spoken_lines(voices))
        self._scene = scene
        self.engine.publish_scene(self._scene)
        if snap is not None:
            self.engine.publish_output(Output(snap.sound_volume, snap.sound_muted))

    def close(self) -> None:
        """Fade out what still sounds, then stop the thread and close the device."""
        self.thread.before_step = None  # no more following: the fade-out is final
        self.engine.publish_scene(replace(self._scene, gain=0.0))
        if self.thread.alive:
            time.sleep(SAFETY_FADE_S + 0.05)
        self.thread.stop()
        self.engine.close()


def render_scenario(
    spec: ScenarioSpec,
    values: dict[str, Any],
    seconds: float,
    yaw: float = 0.0,
    pitch: float = 0.0,
    library: Library | None = None,
    world: Any = None,
    engine: AudioEngine | None = None,
) -> npt.NDArray[np.float32]:
    """What the client hears in ``spec`` at ``values`` for ``seconds``, head at
    yaw/pitch on the client's stand point: stereo float32 at 48 kHz, via loopback."""
    if world is None:
        from vrtherapy.world import build_world

        dirs = library.asset_dirs(spec.id) if library else (assets_dir(),)
        world = build_world(spec, values, asset_dirs=dirs)
    draw_list = world.draw_list()
    offset = listener_offset(world, draw_list.standing_height)
    head = (offset[0], offset[1] + draw_list.eye_height, offset[2])
    dirs = base_dirs(library, spec.id) if library else (assets_dir(),)
    own = engine is None
    engine = engine or open_offline()
    try:
        engine.publish_pose(ListenerPose.facing(head, yaw, pitch))
        engine.publish_scene(
            SceneSound(spec.id, spec.sounds, values, object_anchors(world, spec), dirs)
        )
        return engine.render(seconds)
    finally:
        if own:
            engine.close()


class AudioDeviceNotFound(Exception):
    """The named output device does not exist; the message lists those that do."""


def open_session_audio(
    device: str | None,
    library: Library | Callable[[], Library],
    snapshot: Callable[[], Any],
    warn: Callable[[str], None],
    report: Callable[[str], None],
    voices: Callable[[], Voices] = Voices,
) -> SessionAudio | None:
    """The session's sound on the named output device (None: the system's default).

    Without a sound card (or without OpenAL) this calls ``warn`` once and returns None:
    the session runs silently and nothing else changes. A device named but not
    present raises :class:`AudioDeviceNotFound`. ``report`` receives run-time problems
    (a sound file that cannot be read) for the console.
    """
    from vrtherapy.audio import open_output, output_devices

    if device is not None:
        names, _default = output_devices()
        if names and device not in names:
            listed = "\n  ".join(names)
            raise AudioDeviceNotFound(
                f"no audio output device '{device}'; the devices are:\n  {listed}"
            )
    engine, why = open_output(device, report)
    if engine is None:
        warn(f"no sound: {why}; the session runs silently")
        return None
    audio = SessionAudio(engine, library, snapshot, voices)
    audio.start()
    return audio
