"""What should sound, as plain immutable values: the listener's pose, one scene's
sounds with their parameter values and anchors, and the session's sound state.

The render thread publishes a :class:`ListenerPose`, the wiring publishes a
:class:`SceneSound`; the audio thread reads both by reference. The functions here are
pure: how a parameter expression resolves, how loud the scene is under each safety
state, where a positional sound is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from vrtherapy.authoring.common import is_ref, ref_name
from vrtherapy.authoring.sounds import SoundsSpec

Vec3 = tuple[float, float, float]
ParamValue = float | bool | str

# How loud the scene is under each safety state (multiplies every scene sound).
PAUSE_DUCK = 0.25  # about -12 dB: the scene stays present but steps back
SAFETY_GAIN = {"none": 1.0, "paused": PAUSE_DUCK, "calm_scene": 1.0, "blackout": 0.0}
# Seconds a full-scale change of the scene gain takes (Blackout and Stop: well within 0.5 s).
SAFETY_FADE_S = 0.25
# Seconds a full-scale change of a sound's own gain takes (parameter changes, scene changes).
PARAMETER_FADE_S = 1.0


@dataclass(frozen=True)
class ListenerPose:
    """The client's head in scene (world) coordinates: where, and which way it faces."""

    position: Vec3 = (0.0, 1.6, 0.0)
    forward: Vec3 = (0.0, 0.0, -1.0)
    up: Vec3 = (0.0, 1.0, 0.0)
    published_at: float = 0.0  # time.perf_counter() when published (for latency)

    @classmethod
    def facing(cls, position: Vec3, yaw_degrees: float, pitch_degrees: float = 0.0) -> ListenerPose:
        """Yaw > 0 turns left (towards -x), pitch < 0 looks down, as the display's HeadPose."""
        yaw, pitch = math.radians(yaw_degrees), math.radians(pitch_degrees)
        forward = (
            -math.sin(yaw) * math.cos(pitch),
            math.sin(pitch),
            -math.cos(yaw) * math.cos(pitch),
        )
        up = (
            -math.sin(yaw) * -math.sin(pitch),
            math.cos(pitch),
            -math.cos(yaw) * -math.sin(pitch),
        )
        return cls(position, forward, up)

    @classmethod
    def from_view(cls, views: Sequence[npt.NDArray[np.float32]], offset: Vec3) -> ListenerPose:
        """From the eyes' world->eye view matrices (tracking space) and where tracking
        space sits in the scene: the head is between the eyes."""
        heads = [np.linalg.inv(v.astype(np.float64)) for v in views]
        centre = np.mean([h[:3, 3] for h in heads], axis=0)
        rot = heads[0][:3, :3]
        forward = -rot[:, 2]
        up = rot[:, 1]
        pos = centre + np.asarray(offset)
        return cls(
            (float(pos[0]), float(pos[1]), float(pos[2])),
            (float(forward[0]), float(forward[1]), float(forward[2])),
            (float(up[0]), float(up[1]), float(up[2])),
        )


@dataclass(frozen=True)
class SpokenLine:
    """A virtual partner's line, played once from its mouth (``speaker`` is the anchor
    the mouth's position is published under). A new line from the same speaker cuts the
    one it is still saying; ``file`` None only silences the speaker (a skipped line)."""

    fire_id: int  # played once, when new within the scene's cue_scope
    speaker: str
    file: Path | None
    gain: float = 1.0


@dataclass(frozen=True)
class SceneSound:
    """One scene's sounds as they should be now.

    ``key`` names the scene (a new key fades the old sounds out and the new ones in);
    ``anchors`` are the world positions of the objects sounds attach to; ``gain`` is
    the safety state's gain; ``cues`` are fired cues as (fire id, cue name), each
    played once, when its id is new within ``cue_scope`` (e.g. one session's record);
    ``speech`` the partners' lines (their own numbering, in the same scope).
    """

    key: str = ""
    sounds: SoundsSpec = field(default_factory=SoundsSpec)
    values: Mapping[str, ParamValue] = field(default_factory=dict)
    anchors: Mapping[str, Vec3] = field(default_factory=dict)
    base_dirs: tuple[Path, ...] = ()
    gain: float = 1.0
    cues: tuple[tuple[int, str], ...] = ()
    cue_scope: str = ""
    speech: tuple[SpokenLine, ...] = ()


@dataclass(frozen=True)
class Output:
    """The console's master volume and mute (apply to everything the client hears)."""

    volume: float = 1.0
    muted: bool = False

    @property
    def gain(self) -> float:
        return 0.0 if self.muted else max(0.0, min(1.0, self.volume))


SILENT = SceneSound(key="", gain=0.0)


def safety_gain(safety: str, status: str) -> float:
    """The scene's gain for a session's safety state and status.

    Nothing plays once the session has ended (Stop); Blackout silences; Pause ducks.
    """
    if status == "ended":
        return 0.0
    return SAFETY_GAIN.get(safety, 1.0)


def number(value: object, values: Mapping[str, ParamValue], default: float) -> float:
    """A number or a $parameter (numbers and booleans, which count as 0 or 1)."""
    if is_ref(value):
        value = values.get(ref_name(str(value)), default)
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return default


def flag(value: object, values: Mapping[str, ParamValue]) -> bool:
    """True/false or a $parameter (a number counts as playing when above 0)."""
    if is_ref(value):
        value = values.get(ref_name(str(value)), False)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value > 0
    return False


def place(
    attach: str | None,
    position: Sequence[object] | None,
    scene: SceneSound,
) -> Vec3:
    """Where a positional sound is: its object's position plus its offset."""
    base = scene.anchors.get(attach, (0.0, 0.0, 0.0)) if attach else (0.0, 0.0, 0.0)
    offset = [number(v, scene.values, 0.0) for v in (position or (0.0, 0.0, 0.0))]
    return (base[0] + offset[0], base[1] + offset[1], base[2] + offset[2])


def ramp(current: float, target: float, dt: float, full_scale_s: float) -> float:
    """Move towards target by at most dt/full_scale_s (a linear fade)."""
    step = dt / full_scale_s if full_scale_s > 0 else math.inf
    if abs(target - current) <= step:
        return target
    return current + math.copysign(step, target - current)
