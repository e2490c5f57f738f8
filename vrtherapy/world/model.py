"""What a builder hands the world: a tree of parts, the animators that move them, and
where the client stands.

Part paths are the part names joined by '/' from the object's root part (whose own
path is ''), e.g. ``member_3/hips/torso/neck/head``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from vrtherapy.world.transforms import identity
from vrtherapy.world.types import F32, Material, Mesh, SkinnedMesh

Args = Mapping[str, float | int | bool | str]


@dataclass(frozen=True, eq=False)
class Part:
    """A node of a built object: an optional mesh placed by ``transform`` in its parent."""

    name: str
    mesh: Mesh | None = None
    transform: F32 = field(default_factory=identity)
    material: Material = field(default_factory=Material)
    children: tuple[Part, ...] = ()
    visible: bool = True


def walk(part: Part, prefix: str = "") -> Iterator[tuple[str, Part, str | None]]:
    """(path, part, parent path) of ``part`` and every descendant, parents first."""
    stack: list[tuple[str, Part, str | None]] = [(prefix, part, None)]
    while stack:
        path, p, parent = stack.pop()
        yield path, p, parent
        for child in reversed(p.children):
            cpath = f"{path}/{child.name}" if path else child.name
            stack.append((cpath, child, path))


@dataclass(frozen=True)
class AvatarControls:
    """What a partner's behaviour asks of an avatar's rig; None leaves a channel automatic.

    ``gaze_target`` is a world point to look at; ``jaw_open`` and ``blink`` are 0..1;
    ``nod`` is 0..1 nodding amount; ``brows`` is the facial expression, -1 (brows drawn
    down, narrowed lids, mouth corners down) .. +1 (brows raised, a smile).
    """

    gaze_target: tuple[float, float, float] | None = None
    jaw_open: float | None = None
    blink: float | None = None
    nod: float = 0.0
    brows: float | None = None
    viseme: int | None = None  # mouth shape, an index into authoring.character.VISEMES


@dataclass(frozen=True, eq=False)
class AvatarBatch:
    """What behaviour asks of every avatar of one object at once, as arrays over its members
    (in the order the object's animator lists them); NaN leaves a channel automatic.

    ``gaze_target`` (N, 3) world points to look at; ``jaw_open``, ``blink`` (N,) 0..1;
    ``brows`` (N,) the facial expression, -1 (frown: brows down, lids narrowed, mouth
    corners down) .. +1 (brows raised, a smile); ``nod_pitch`` (N,) extra head pitch, radians
    (0: none); ``viseme`` (N,) the mouth shape from lip sync, an index into
    ``authoring.character.VISEMES`` (-1: none known; None: none for anyone);
    ``gesture`` (N, 4) a dialogue gesture's channels, :data:`GESTURE_CHANNELS` (0: at
    rest; None: no gesture for anyone). One batch costs the same few array operations
    for 1 or 60 people.
    """

    gaze_target: npt.NDArray[np.float64]
    jaw_open: npt.NDArray[np.float64]
    blink: npt.NDArray[np.float64]
    brows: npt.NDArray[np.float64]
    nod_pitch: npt.NDArray[np.float64]
    viseme: npt.NDArray[np.int64] | None = None
    gesture: npt.NDArray[np.float64] | None = None

    def __len__(self) -> int:
        return len(self.blink)


# The columns of ``AvatarBatch.gesture``: extra head yaw (radians, + to the avatar's
# left), torso lean (radians, + forward), shoulders raised (0..1, a shrug) and the right
# arm raised (0..1, a wave; its forearm waves while raised).
GESTURE_CHANNELS = ("head_yaw", "lean", "shrug", "arm_raise")


@dataclass(frozen=True)
class PoseContext:
    """What an animator may know about the world at one moment."""

    root_world: F32  # (4, 4) the object's root part in world space
    client_eye: tuple[float, float, float]  # where the client's eyes are, world space
    controls: Mapping[str, AvatarControls]  # by avatar path inside the object ('' = the object)
    wind: float = 0.0
    batch: AvatarBatch | None = None  # behaviour for all the object's avatars at once


class Animator(ABC):
    """Moves some parts of one object as a pure function of time."""

    @property
    @abstractmethod
    def paths(self) -> tuple[str, ...]:
        """The parts it drives, by path inside the object."""

    @abstractmethod
    def pose(self, t: float, ctx: PoseContext) -> F32:
        """Local transforms (len(paths), 4, 4) of those parts at time ``t`` seconds."""


@dataclass(frozen=True, eq=False)
class Skin:
    """A mesh bent by some of the object's parts (its joints), drawn by the skinned path:
    each joint's world matrix times its inverse bind matrix places the mesh."""

    mesh: SkinnedMesh
    joints: tuple[str, ...]  # part paths inside the object
    inverse_binds: F32  # (J, 4, 4)
    material: Material = field(default_factory=Material)


class Morpher(ABC):
    """Sets the morph target weights of an object's skins as a pure function of time."""

    @abstractmethod
    def weights(self, t: float, ctx: PoseContext) -> tuple[F32, ...]:
        """One (T,) array per skin of the built object, in order."""


@dataclass(frozen=True)
class InteriorLight:
    """The lights of an interior with windows (an airliner's ceiling panels, a bus's
    strip lights): light from above over a box, not shadowed by the sun's shadow map.

    Under its roof the interior is lit by these, while the sun, shadowed, comes in only
    through the windows; outside the box (the world seen through the windows) they add
    nothing. The box is in the frame of the part ``part`` names (a path inside the
    object; "" is the object's root) and moves with it."""

    low: tuple[float, float, float]  # the box's corners
    high: tuple[float, float, float]
    color: tuple[float, float, float]  # linear RGB x intensity on a floor facing up
    part: str = ""


@dataclass(frozen=True)
class Built:
    """A built object: its parts, animators, and where a client would stand on it."""

    root: Part
    animators: tuple[Animator, ...] = ()
    # where the client stands (floor point under their eyes) in the object's frame
    stand: tuple[float, float, float] | None = None
    eye_height: float | None = None  # e.g. seated in an airplane
    # the object's scale is not applied: a placeholder keeps its 1 m size, so that a
    # broken model authored at scale 50 does not fill the client's view with a box
    unscaled: bool = False
    skins: tuple[Skin, ...] = ()  # meshes bent on the GPU (glTF characters)
    morpher: Morpher | None = None  # their morph weights; None: all zero
    # parts whose world origins, averaged, are the eyes (where a partner looks from);
    # empty: the procedural avatar's own head joint is used
    eyes: tuple[str, ...] = ()
    interior: InteriorLight | None = None  # lights inside (a cabin, a bus)


def stack_rest(parts: list[F32]) -> F32:
    return np.stack(parts).astype(np.float32) if parts else np.zeros((0, 4, 4), np.float32)
