"""Humanoid avatars made of segments, and the rig that animates one or many of them.

An avatar faces +z (so one placed at -z faces a client at the origin); its left is
+x. Every segment is its own part so the rig can move it: hips, torso, neck, head
(with separate eyes, eyelids, brows and jaw), arms and legs. Meshes are neutral
and shared by every avatar; skin, clothes and hair colours come from per-part
tints, so a crowd of any size uses the same handful of mesh keys.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from vrtherapy.world import attitude as attitudes
from vrtherapy.world.geometry import Geo, box, ellipsoid, lathe, merge, rgba
from vrtherapy.world.geometry import bake as _bake
from vrtherapy.world.model import (
    Animator,
    Args,
    AvatarBatch,
    AvatarControls,
    Built,
    Part,
    PoseContext,
)
from vrtherapy.world.transforms import (
    compose,
    identity,
    rot_x,
    rot_y,
    rot_z,
    translate,
)
from vrtherapy.world.types import F32, Material, Mesh

WHITE = rgba("#ffffff")
SKIN = ("#f1c7a5", "#e0ac86", "#c68b62", "#9c6b48", "#6e4a33", "#f5d6c0")
SHIRT = ("#3d5a80", "#98c1d9", "#ee6c4d", "#293241", "#6a994e", "#bc4749", "#f2e8cf",
         "#7f5539", "#5e548e", "#adb5bd")  # fmt: skip
TROUSERS = ("#22223b", "#4a4e69", "#3a3a3a", "#6b705c", "#283618", "#5c4033")
HAIR = ("#2b1d14", "#4b3621", "#8d5524", "#c9a66b", "#1a1a1a", "#9e9e9e")
IRIS = ("#4b2e1a", "#3b6ea5", "#4f7942")

# Joints the rig drives, in this order, by path below the avatar's own root.
JOINTS = (
    "",
    "hips",
    "hips/torso",
    "hips/torso/neck/head",
    "hips/torso/neck/head/eye_l",
    "hips/torso/neck/head/eye_r",
    "hips/torso/neck/head/lid_l",
    "hips/torso/neck/head/lid_r",
    "hips/torso/neck/head/jaw",
    "hips/torso/neck/head/brow_l",
    "hips/torso/neck/head/brow_r",
    "hips/torso/shoulder_l",
    "hips/torso/shoulder_r",
    "hips/torso/shoulder_l/elbow_l",
    "hips/torso/shoulder_r/elbow_r",
    "hips/hip_l",
    "hips/hip_r",
    "hips/hip_l/knee_l",
    "hips/hip_r/knee_r",
)
(ROOT, HIPS, TORSO, HEAD, EYE_L, EYE_R, LID_L, LID_R, JAW, BROW_L, BROW_R,
 SHO_L, SHO_R, ELB_L, ELB_R, HIP_L, HIP_R, KNEE_L, KNEE_R) = range(len(JOINTS))  # fmt: skip

EYE_R_SIZE = 0.014
LID_OPEN = -0.75  # eyelid rotation (radians about x) when open
LID_CLOSED = 1.25  # ... and when shut over the eye
JAW_MAX = 0.38  # jaw rotation when fully open
HIPS_STANDING = 0.95
HIPS_SEATED = 0.48
NECK_IN_TORSO = (0.0, 0.55, 0.0)
HEAD_IN_NECK = (0.0, 0.08, 0.0)
EYE_IN_HEAD = (0.035, 0.135, 0.088)
ATTITUDES = ("friendly", "interested", "neutral", "bored", "hostile")


# Tessellation, as (sections around, rings): an avatar is about 2,300 triangles, so a
# seated audience of 60 stays near 140k triangles per eye. The face gets the most;
# limbs are octagonal, hands and ears a few dozen triangles.
FACE = (14, 10)
BODY = (14, 10)
SMALL = (8, 5)
TINY = (6, 4)
LIMB_SECTIONS = 8
EYE_SECTIONS = 10
LID_SECTIONS = 10


@functools.cache
def meshes() -> dict[str, Mesh]:
    """The shared avatar meshes (neutral colours; parts are tinted)."""
    w = WHITE
    lip, mouth = rgba("#8a3b3b"), rgba("#2a0d0d")
    iris = {f"eye{i}": _bake(_eye(rgba(c)), ao=False) for i, c in enumerate(IRIS)}
    head = merge(
        ellipsoid(0.092, 0.105, 0.1, w, translate(0, 0.135, 0), FACE),
        ellipsoid(0.016, 0.03, 0.022, w, translate(0, 0.115, 0.1), SMALL),  # nose
        ellipsoid(0.012, 0.028, 0.02, w, translate(0.092, 0.125, 0.0), TINY),  # ears
        ellipsoid(0.012, 0.028, 0.02, w, translate(-0.092, 0.125, 0.0), TINY),
        ellipsoid(0.035, 0.012, 0.012, lip, translate(0, 0.075, 0.085), SMALL),  # upper lip
        ellipsoid(0.04, 0.03, 0.03, mouth, translate(0, 0.07, 0.06), TINY),  # mouth inside
    )
    jaw = merge(
        ellipsoid(0.072, 0.045, 0.075, w, translate(0, -0.015, 0.035), (12, 8)),
        ellipsoid(0.032, 0.01, 0.012, lip, translate(0, 0.0, 0.098), SMALL),  # lower lip
    )
    return {
        **iris,
        "pelvis": _bake(ellipsoid(0.18, 0.12, 0.12, w, translate(0, -0.02, 0), (10, 6))),
        "torso_slim": _bake(ellipsoid(0.17, 0.3, 0.11, w, translate(0, 0.28, 0), BODY)),
        "torso_broad": _bake(ellipsoid(0.2, 0.3, 0.13, w, translate(0, 0.28, 0), BODY)),
        "neck": _bake(_capsule(0.05, 0.06, translate(0, 0.03, 0))),
        "head": _bake(head, floor=-1.0),
        "jaw": _bake(jaw, floor=-1.0),
        "lid": _bake(_cap(EYE_R_SIZE * 1.12, 0.0, 4, LID_SECTIONS), ao=False),
        "brow": _bake(box(0.036, 0.008, 0.012, w), ao=False),
        "hair_short": _bake(_cap(0.1, 0.05, 5, FACE[0], translate(0, 0.14, -0.004)), floor=-1.0),
        "hair_long": _bake(
            merge(
                _cap(0.102, -0.1, 6, FACE[0], translate(0, 0.14, -0.006)),
                ellipsoid(0.1, 0.14, 0.05, w, translate(0, 0.06, -0.07), (10, 6)),
            ),
            floor=-1.0,
        ),
        "upper_arm": _bake(_capsule(0.045, 0.22, translate(0, -0.15, 0)), floor=-1.0),
        "forearm": _bake(_capsule(0.04, 0.18, translate(0, -0.13, 0)), floor=-1.0),
        "hand": _bake(ellipsoid(0.035, 0.06, 0.025, w, None, TINY), floor=-1.0),
        "thigh": _bake(_capsule(0.065, 0.32, translate(0, -0.22, 0)), floor=-1.0),
        "shin": _bake(_capsule(0.05, 0.33, translate(0, -0.22, 0)), floor=-1.0),
        "foot": _bake(box(0.1, 0.06, 0.25, w, translate(0, 0, 0.05)), floor=-1.0),
        "phone": _bake(
            merge(
                box(0.075, 0.15, 0.012, rgba("#1c1c1e")),
                box(0.065, 0.13, 0.004, rgba("#9fc8ff"), translate(0, 0, 0.007)),
            ),
            ao=False,
        ),
    }


def _capsule(r: float, h: float, at: F32) -> Geo:
    """A light capsule along y (straight part ``h``), octagonal, with two rings per end."""
    a = np.radians([-90.0, -45.0, 0.0, 0.0, 45.0, 90.0])
    y = r * np.sin(a) + np.where(np.arange(6) < 3, -h / 2, h / 2)
    return lathe(r * np.cos(a), y, np.cos(a), np.sin(a), WHITE, LIMB_SECTIONS, at)


def _cap(r: float, down_to: float, rings: int, sections: int, at: F32 | None = None) -> Geo:
    """The part of a sphere of radius r above y = down_to * r, open at the bottom."""
    a = np.linspace(np.arcsin(down_to), np.pi / 2, rings + 1)
    return lathe(r * np.cos(a), r * np.sin(a), np.cos(a), np.sin(a), WHITE, sections, at)


def _eye(iris: tuple[float, float, float, float]) -> Geo:
    """An eyeball looking along +z: pupil, iris and white in rings of their own, so the
    iris stays round and sharp with few triangles; the back (inside the head) is left open."""
    black = (0.02, 0.02, 0.02, 1.0)
    # Angles from the front pole, back to front, and the colour at each ring.
    rings = [(110.0, WHITE), (70.0, WHITE), (46.0, WHITE), (42.0, iris), (24.0, iris),
             (20.0, black), (0.0, black)]  # fmt: skip
    a = np.radians([d for d, _ in rings])
    return lathe(
        EYE_R_SIZE * np.sin(a),
        EYE_R_SIZE * np.cos(a),
        np.sin(a),
        np.cos(a),
        [c for _, c in rings],
        EYE_SECTIONS,
        rot_x(np.pi / 2),  # the lathe's +y axis becomes the gaze, +z
    )


@dataclass(frozen=True)
class Look:
    """Colours and shapes of one avatar, chosen from its seed."""

    skin: tuple[float, float, float, float]
    shirt: tuple[float, float, float, float]
    trousers: tuple[float, float, float, float]
    hair: tuple[float, float, float, float]
    hair_style: str  # short, long, none
    torso: str  # torso_slim, torso_broad
    eye: str  # eye0..eye2

    @staticmethod
    def from_seed(seed: int) -> Look:
        rng = np.random.default_rng(seed)

        def pick(xs: Sequence[str]) -> str:
            return str(xs[int(rng.integers(len(xs)))])

        return Look(
            rgba(pick(SKIN)),
            rgba(pick(SHIRT)),
            rgba(pick(TROUSERS)),
            rgba(pick(HAIR)),
            pick(("short", "long", "short", "none")),
            pick(("torso_slim", "torso_broad")),
            pick(("eye0", "eye1", "eye2")),
        )


def rest_pose(seated: bool, attitude: str) -> dict[int, F32]:
    """Rest local transforms of every rig joint (the root joint is left to the caller)."""
    hips_y = HIPS_SEATED if seated else HIPS_STANDING
    r: dict[int, F32] = {
        HIPS: translate(0, hips_y, 0),
        TORSO: translate(0, 0.05, 0),
        HEAD: translate(*HEAD_IN_NECK),
        EYE_L: translate(*EYE_IN_HEAD),
        EYE_R: translate(-EYE_IN_HEAD[0], *EYE_IN_HEAD[1:]),
        LID_L: compose(translate(*EYE_IN_HEAD), rot_x(LID_OPEN)),
        LID_R: compose(translate(-EYE_IN_HEAD[0], *EYE_IN_HEAD[1:]), rot_x(LID_OPEN)),
        JAW: translate(0, 0.085, 0.01),
        BROW_L: translate(0.036, 0.163, 0.095),
        BROW_R: translate(-0.036, 0.163, 0.095),
        SHO_L: compose(translate(0.21, 0.47, 0), rot_z(0.08)),
        SHO_R: compose(translate(-0.21, 0.47, 0), rot_z(-0.08)),
        ELB_L: translate(0, -0.3, 0),
        ELB_R: translate(0, -0.3, 0),
        HIP_L: translate(0.1, -0.05, 0),
        HIP_R: translate(-0.1, -0.05, 0),
        KNEE_L: translate(0, -0.45, 0),
        KNEE_R: translate(0, -0.45, 0),
    }
    if seated:
        for j in (HIP_L, HIP_R):
            r[j] = r[j] @ rot_x(-np.pi / 2)
        for j in (KNEE_L, KNEE_R):
            r[j] = r[j] @ rot_x(np.pi / 2)
        for j in (SHO_L, SHO_R):
            r[j] = r[j] @ rot_x(-0.25)
        for j in (ELB_L, ELB_R):
            r[j] = r[j] @ rot_x(-1.1)
    a = attitudes.attitude(attitude)
    if a.hands == "crossed":
        r[SHO_L] = compose(translate(0.21, 0.47, 0), rot_x(-0.3), rot_z(0.12))
        r[SHO_R] = compose(translate(-0.21, 0.47, 0), rot_x(-0.3), rot_z(-0.12))
        r[ELB_L] = compose(translate(0, -0.3, 0), rot_y(-1.3), rot_x(-1.45))
        r[ELB_R] = compose(translate(0, -0.3, 0), rot_y(1.3), rot_x(-1.45))
    if a.hands == "phone":  # both forearms up, the phone held low in front of the chest
        r[SHO_L] = compose(translate(0.21, 0.47, 0), rot_x(-0.35), rot_z(-0.12))
        r[SHO_R] = compose(translate(-0.21, 0.47, 0), rot_x(-0.35), rot_z(0.12))
        r[ELB_L] = compose(translate(0, -0.3, 0), rot_y(-0.35), rot_x(-1.35))
        r[ELB_R] = compose(translate(0, -0.3, 0), rot_y(0.35), rot_x(-1.35))
    r[TORSO] = r[TORSO] @ rot_x(a.lean)
    return {k: v.astype(np.float32) for k, v in r.items()}


def avatar_part(name: str, look: Look, seated: bool, attitude: str, at: F32) -> Part:
    """One avatar's part tree, rooted at ``name`` and placed by ``at`` in its parent."""
    m = meshes()
    r = rest_pose(seated, attitude)
    skin, shirt, trousers = Material(look.skin), Material(look.shirt), Material(look.trousers)
    hair = Material(look.hair, roughness=0.6)
    shoes = Material(rgba("#202020"))

    holds_phone = attitudes.attitude(attitude).hands == "phone"

    def arm(side: str) -> Part:
        s, e = (SHO_L, ELB_L) if side == "l" else (SHO_R, ELB_R)
        held: tuple[Part, ...] = ()
        if holds_phone and side == "r":  # screen up towards the face, lit
            at = compose(translate(0.0, -0.06, 0.03), rot_x(-1.3))
            held = (Part("phone", m["phone"], at, Material(emissive=0.5)),)
        hand = Part("hand", m["hand"], translate(0, -0.27, 0), skin, held)
        forearm = Part(f"elbow_{side}", m["forearm"], r[e], shirt, (hand,))
        return Part(f"shoulder_{side}", m["upper_arm"], r[s], shirt, (forearm,))

    def leg(side: str) -> Part:
        h, k = (HIP_L, KNEE_L) if side == "l" else (HIP_R, KNEE_R)
        foot = Part("foot", m["foot"], translate(0, -0.44, 0), shoes)
        shin = Part(f"knee_{side}", m["shin"], r[k], trousers, (foot,))
        return Part(f"hip_{side}", m["thigh"], r[h], trousers, (shin,))

    face: list[Part] = [
        Part("eye_l", m[look.eye], r[EYE_L]),
        Part("eye_r", m[look.eye], r[EYE_R]),
        Part("lid_l", m["lid"], r[LID_L], skin),
        Part("lid_r", m["lid"], r[LID_R], skin),
        Part("jaw", m["jaw"], r[JAW], skin),
        Part("brow_l", m["brow"], r[BROW_L], hair),
        Part("brow_r", m["brow"], r[BROW_R], hair),
    ]
    if look.hair_style != "none":
        face.append(Part("hair", m[f"hair_{look.hair_style}"], identity(), hair))
    head = Part("head", m["head"], r[HEAD], skin, tuple(face))
    neck = Part("neck", m["neck"], translate(*NECK_IN_TORSO), skin, (head,))
    torso = Part("torso", m[look.torso], r[TORSO], shirt, (neck, arm("l"), arm("r")))
    hips = Part("hips", m["pelvis"], r[HIPS], trousers, (torso, leg("l"), leg("r")))
    return Part(name, None, at, Material(), (hips,))


FloatArr = npt.NDArray[np.float64]
U64 = npt.NDArray[np.uint64]
_FNV_START = np.uint64(1469598103934665603)
_FNV_PRIME = np.uint64(1099511628211)


def _mix(state: U64 | np.uint64, *keys: npt.ArrayLike) -> U64:
    """FNV-style mixing of integer keys into ``state`` (vectorised); mixing a state
    with (a, b) then (c,) equals mixing it with (a, b, c)."""
    out = np.asarray(state, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in keys:
            out = (out ^ np.asarray(k).astype(np.uint64)) * _FNV_PRIME
            out ^= out >> np.uint64(29)
    return out


def _unit(state: U64) -> FloatArr:
    return (state % np.uint64(1 << 24)).astype(np.float64) / float(1 << 24)


def _hash01(*keys: npt.ArrayLike) -> FloatArr:
    """Deterministic pseudo-random numbers in [0, 1) from integer keys (vectorised)."""
    shape = np.broadcast(*[np.asarray(k) for k in keys]).shape
    return _unit(_mix(np.full(shape, _FNV_START, dtype=np.uint64), *keys))


def _smooth(x: FloatArr) -> FloatArr:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


_NECK = translate(*NECK_IN_TORSO)
_AXES = {"x": (1, 2), "y": (2, 0), "z": (0, 1)}  # the columns a rotation about each mixes


def _turn(m: F32, angles: npt.ArrayLike, axis: str) -> None:
    """``m[...] = m @ rot_<axis>(angles)`` in place, for a view ``m`` (..., 4, 4) and
    angles broadcast over its leading axes: two columns mixed, no rotation built."""
    i, j = _AXES[axis]
    a = np.asarray(angles, np.float64)
    c = np.cos(a).astype(np.float32)[..., None]
    s = np.sin(a).astype(np.float32)[..., None]
    mi, mj = m[..., i], m[..., j]
    new_i = c * mi + s * mj
    m[..., j] = c * mj - s * mi
    m[..., i] = new_i


def _lift(m: F32, dy: npt.ArrayLike) -> None:
    """``m[...] = m @ translate(0, dy, 0)`` in place (dy broadcast like ``_turn``'s angles)."""
    m[..., 3] += np.asarray(dy, np.float32)[..., None] * m[..., 1]


_EYE_IN_HEAD = np.array([0.0, EYE_IN_HEAD[1], EYE_IN_HEAD[2]])


@dataclass(frozen=True, eq=False)
class Rig:
    """The members of one or more crowds as arrays, posed in one vectorised pass (the
    cost is a fixed number of array operations for 1 or 200 people).

    ``seed`` and ``idx`` are each member's crowd seed and its index in that crowd:
    together they key the member's own random stream, so a member moves the same
    whether its crowd is posed alone or merged with others.
    """

    rest: F32  # (N, J, 4, 4)
    seated: npt.NDArray[np.bool_]
    gaze: FloatArr  # probability of looking at the client
    traits: attitudes.GroupTraits
    seed: npt.NDArray[np.int64]
    idx: npt.NDArray[np.int64]
    walk: FloatArr  # (N, 3) velocity in the object, zero for people who stay put
    walk_span: FloatArr  # (N,) after how far a walker wraps back (0: no walking)

    def __len__(self) -> int:
        return len(self.seed)

    @staticmethod
    def of(crowds: Sequence[Crowd]) -> Rig:
        def cat(xs: list[npt.NDArray[Any]], empty: npt.NDArray[Any]) -> npt.NDArray[Any]:
            return np.concatenate(xs) if xs else empty

        traits = [c.traits for c in crowds]
        tr = attitudes.GroupTraits(
            *(
                cat([getattr(t, f.name) for t in traits], np.zeros(0))
                for f in dataclasses.fields(attitudes.GroupTraits)
            )
        )
        sizes = [len(c.prefixes) for c in crowds]
        return Rig(
            cat([c.rest for c in crowds], np.zeros((0, len(JOINTS), 4, 4), np.float32)),
            cat([c.seated for c in crowds], np.zeros(0, bool)),
            cat([np.asarray(c.gaze, np.float64) for c in crowds], np.zeros(0)),
            tr,
            cat([np.full(n, c.seed, np.int64) for c, n in zip(crowds, sizes, strict=True)],
                np.zeros(0, np.int64)),
            cat([np.arange(n, dtype=np.int64) for n in sizes], np.zeros(0, np.int64)),
            cat(
                [
                    np.zeros((n, 3)) if c.walk is None or c.walk_span <= 0
                    else np.asarray(c.walk, np.float64).reshape(n, 3)
                    for c, n in zip(crowds, sizes, strict=True)
                ],
                np.zeros((0, 3)),
            ),
            cat(
                [np.full(n, c.walk_span if c.walk is not None else 0.0)
                 for c, n in zip(crowds, sizes, strict=True)],
                np.zeros(0),
            ),
        )  # fmt: skip

    # -- per-member constants: the parts of each random draw that do not change in time --

    @functools.cached_property
    def _stream(self) -> U64:
        """Each member's random stream, mixed with its (seed, index) once."""
        return _mix(np.full(len(self), _FNV_START, dtype=np.uint64), self.seed, self.idx)

    def _draw(self, *keys: npt.ArrayLike) -> FloatArr:
        """Equals ``_hash01(seed, idx, *keys)`` per member."""
        return _unit(_mix(self._stream, *keys))

    @functools.cached_property
    def _constants(self) -> dict[str, FloatArr]:
        d = self._draw
        return {
            "phase": d(1) * 2 * np.pi,
            "blink_period": 3.2 + 1.6 * d(2),
            "blink_offset": d(8),
            "nod_slot": d(3),
            "yawn_slot": d(5),
            "gaze_slot": d(9),
            "walk_offset": d(7) * self.walk_span,
            "speed": np.linalg.norm(self.walk, axis=1),
        }

    @functools.cached_property
    def _walking(self) -> npt.NDArray[np.bool_]:
        return np.asarray((self.walk_span > 0) & (self._constants["speed"] > 0))

    def member_roots(self, t: float) -> F32:
        base = self.rest[:, ROOT]
        walking = self._walking
        if not walking.any():
            return base
        c = self._constants
        span = np.where(walking, self.walk_span, 1.0)
        dist = np.where(walking, np.mod(c["walk_offset"] + c["speed"] * t, span), 0.0)
        dist = np.where(walking, dist - c["walk_offset"], 0.0)
        direction = self.walk / np.maximum(c["speed"], 1e-9)[:, None]
        moved = base.copy()
        moved[:, :3, 3] += direction * dist[:, None]
        return moved

    def pose(
        self,
        t: float,
        root_world: F32,
        client_eye: tuple[float, float, float],
        batch: AvatarBatch | None = None,
        controls: Sequence[tuple[int, AvatarControls]] = (),
    ) -> F32:
        """Local transforms (N, J, 4, 4) of every member's joints at time ``t``.

        ``root_world`` (N, 4, 4): each member's object root in world space; ``batch``:
        behaviour for all N members (NaN rows leave a member automatic); ``controls``:
        explicit requests, as (member, controls)."""
        c = self._constants
        out = self.rest.copy()
        phase = c["phase"]
        roots = self.member_roots(t)
        out[:, ROOT] = roots
        walking = self._walking

        # Breathing (chest rises and tips) and a slow sway of standing people.
        breath = np.sin(2 * np.pi * 0.24 * t + phase)
        _lift(out[:, TORSO], 0.004 * breath)
        _turn(out[:, TORSO], -0.012 * breath, "x")
        sway = np.where(self.seated | walking, 0.0, 0.015 * np.sin(2 * np.pi * 0.11 * t + phase))
        _turn(out[:, HIPS], sway, "z")

        # Walking: legs and arms swing, about 1.8 steps a second.
        if walking.any():
            step = np.where(walking, np.sin(2 * np.pi * 0.9 * t + phase), 0.0)
            _turn(out[:, HIP_L], 0.45 * step, "x")
            _turn(out[:, HIP_R], -0.45 * step, "x")
            _turn(out[:, KNEE_L], np.maximum(0, 0.6 * step), "x")
            _turn(out[:, KNEE_R], np.maximum(0, -0.6 * step), "x")
            _turn(out[:, SHO_L], -0.3 * step, "x")
            _turn(out[:, SHO_R], 0.3 * step, "x")

        traits = self.traits
        head_inverse = self._head_inverse(root_world @ roots)
        yaw, pitch = self._gaze_angles(t, client_eye, head_inverse)
        slot = np.floor(t / 4.0 + c["nod_slot"])
        nodding = self._draw(slot, 4) < traits.nod
        nod = np.where(nodding, 0.12 * np.maximum(0, np.sin(2 * np.pi * 1.6 * t)), 0.0)
        yawn_slot = np.floor(t / 9.0 + c["yawn_slot"])
        yawning = self._draw(yawn_slot, 6) < traits.yawn
        jaw = np.where(yawning, 0.8 * np.sin(np.pi * np.mod(t / 9.0, 1.0)) ** 2, 0.0)
        local = np.mod(t + c["blink_period"] * c["blink_offset"], c["blink_period"])
        blink = np.asarray(np.clip(1.0 - np.abs(local - 0.1) / 0.1, 0.0, 1.0), np.float64)
        brows = traits.brows.copy()

        b = batch
        if b is not None:  # behaviour for every member at once
            aim = ~np.isnan(b.gaze_target[:, 0])
            if aim.any():
                yaw[aim], pitch[aim] = self._look_at_all(head_inverse[aim], b.gaze_target[aim])
            jaw = np.where(np.isnan(b.jaw_open), jaw, b.jaw_open)
            blink = np.where(np.isnan(b.blink), blink, b.blink)
            brows = np.where(np.isnan(b.brows), brows, b.brows)
            nod = nod + np.nan_to_num(b.nod_pitch)

        for i, ctl in controls:  # explicit requests from partner behaviour
            if ctl.gaze_target is not None:
                y1, p1 = self._look_at_all(head_inverse[i : i + 1], np.array(ctl.gaze_target))
                yaw[i], pitch[i] = y1[0], p1[0]
            if ctl.jaw_open is not None:
                jaw[i] = ctl.jaw_open
            if ctl.blink is not None:
                blink[i] = ctl.blink
            if ctl.brows is not None:
                brows[i] = ctl.brows
            nod[i] += ctl.nod * 0.18 * max(0.0, float(np.sin(2 * np.pi * 1.5 * t)))

        head_yaw = np.clip(yaw, -1.1, 1.1)
        head_pitch = np.clip(pitch, -0.5, 0.6)
        _turn(out[:, HEAD], head_yaw, "y")
        _turn(out[:, HEAD], head_pitch + nod, "x")
        eye_yaw = np.clip(yaw - head_yaw, -0.4, 0.4)
        eye_pitch = np.clip(pitch - head_pitch, -0.3, 0.3)
        eyes = out[:, EYE_L : EYE_R + 1]  # both eyes turn alike
        _turn(eyes, eye_yaw[:, None], "y")
        _turn(eyes, eye_pitch[:, None], "x")
        lid = (np.clip(blink, 0, 1) * (LID_CLOSED - LID_OPEN))[:, None]
        _turn(out[:, LID_L : LID_R + 1], lid, "x")
        _turn(out[:, JAW], np.clip(jaw, 0, 1) * JAW_MAX, "x")
        brows_lr = out[:, BROW_L : BROW_R + 1]
        _lift(brows_lr, (0.006 * brows)[:, None])
        _turn(brows_lr, np.stack([-0.25 * brows, 0.25 * brows], 1), "z")
        return out

    def _head_inverse(self, member_world: F32) -> npt.NDArray[np.float64]:
        """World -> head-joint (at rest) matrices of each member, (N, 4, 4)."""
        chain = member_world @ self.rest[:, HIPS] @ self.rest[:, TORSO] @ _NECK
        chain = chain @ self.rest[:, HEAD]
        out: npt.NDArray[np.float64] = np.linalg.inv(chain.astype(np.float64))
        return out

    @staticmethod
    def _look_at_all(
        head_inverse: npt.NDArray[np.float64], target: FloatArr
    ) -> tuple[FloatArr, FloatArr]:
        """Head yaw and pitch (radians) that point each member's face at a world point
        (one (3,) for all, or (N, 3), one each); ``head_inverse`` (N, 4, 4) from
        :meth:`_head_inverse` for those members."""
        target = np.asarray(target, np.float64)
        homog = np.concatenate([target, np.ones((*target.shape[:-1], 1))], axis=-1)
        local = (head_inverse @ homog[..., None])[..., 0]
        d = local[:, :3] - _EYE_IN_HEAD
        yaw = np.arctan2(d[:, 0], d[:, 2])
        pitch = np.arctan2(-d[:, 1], np.hypot(d[:, 0], d[:, 2]))
        return yaw, pitch

    def _gaze_angles(
        self,
        t: float,
        client_eye: tuple[float, float, float],
        head_inverse: npt.NDArray[np.float64],
    ) -> tuple[FloatArr, FloatArr]:
        """Each member looks at the client for a share ``gaze`` of ~2.5 s glances, elsewhere
        otherwise; a new glance blends in over 0.4 s."""
        eye = np.array(client_eye)
        at_yaw, at_pitch = self._look_at_all(head_inverse, eye)
        dwell = 2.5
        s = t / dwell + self._constants["gaze_slot"]
        slot = np.floor(s)
        traits = self.traits

        def target(k: FloatArr) -> tuple[FloatArr, FloatArr]:
            at_k = _mix(self._stream, k)  # the three draws below all start with k
            looking = _unit(_mix(at_k, 10)) < self.gaze
            away_yaw = (_unit(_mix(at_k, 11)) - 0.5) * 2 * traits.away
            away_pitch = (_unit(_mix(at_k, 12)) - 0.3) * 0.5 + traits.head_down
            return (
                np.where(looking, at_yaw, away_yaw),
                np.where(looking, at_pitch, away_pitch),
            )

        y0, p0 = target(slot - 1)
        y1, p1 = target(slot)
        w = _smooth((s - slot) * dwell / 0.4)
        return y0 + (y1 - y0) * w, p0 + (p1 - p0) * w


@dataclass(frozen=True, eq=False)
class Crowd(Animator):
    """Animates N avatars in one vectorised pass: breathing, sway, blinking, gaze, nods,
    speech (jaw) and, for walkers, walking along a straight line.

    ``base`` are the members' root transforms in the object; ``walk`` (N, 3) their
    velocities in the object (zero for people who stay put) and ``walk_span`` the
    length after which a walker wraps back to where it started. The world poses the
    crowds of all its objects together (:class:`Rig` over all of them); posed alone, a
    crowd moves the same.
    """

    prefixes: tuple[str, ...]
    rest: F32  # (N, J, 4, 4)
    seated: npt.NDArray[np.bool_]
    gaze: FloatArr  # probability of looking at the client, per member
    attitude: tuple[str, ...]
    seed: int = 0
    walk: FloatArr | None = None
    walk_span: float = 0.0

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple((f"{p}/{j}" if j else p) if p else j for p in self.prefixes for j in JOINTS)

    @functools.cached_property
    def traits(self) -> attitudes.GroupTraits:
        """The members' attitude traits; ``gaze`` as given (it may override the attitude's)."""
        return attitudes.traits(self.attitude, self.gaze)

    @functools.cached_property
    def rig(self) -> Rig:
        return Rig.of([self])

    def member_roots(self, t: float) -> F32:
        return self.rig.member_roots(t)

    def requests(self, controls: Mapping[str, AvatarControls]) -> list[tuple[int, AvatarControls]]:
        """Explicit controls (by avatar path in the object) for this crowd's members, by
        member index."""
        if not controls:
            return []
        out = []
        for i, prefix in enumerate(self.prefixes):
            c = controls.get(prefix)
            if c is None and len(self.prefixes) == 1:
                c = controls.get("")
            if c is not None:
                out.append((i, c))
        return out

    def pose(self, t: float, ctx: PoseContext) -> F32:
        n = len(self.prefixes)
        b = ctx.batch if ctx.batch is not None and len(ctx.batch) == n else None
        roots = np.broadcast_to(ctx.root_world, (n, 4, 4))
        out = self.rig.pose(t, roots, ctx.client_eye, b, self.requests(ctx.controls))
        return out.reshape(-1, 4, 4)


def crowd(
    name_prefix: str,
    members: Sequence[tuple[F32, int, bool, str]],
    gaze: Sequence[float],
    seed: int,
    walk: FloatArr | None = None,
    walk_span: float = 0.0,
) -> tuple[list[Part], Crowd]:
    """Parts and one animator for avatars given as (placement, look seed, seated, attitude)."""
    parts: list[Part] = []
    rests: list[F32] = []
    for i, (at, look_seed, seated, attitude) in enumerate(members):
        name = f"{name_prefix}{i}"
        pose_attitude = attitudes.attitude(attitude).name
        parts.append(avatar_part(name, Look.from_seed(look_seed), seated, pose_attitude, at))
        r = rest_pose(seated, pose_attitude)
        rests.append(np.stack([at, *(r[j] for j in range(1, len(JOINTS)))]))
    rest = (
        np.stack(rests).astype(np.float32)
        if rests
        else np.zeros((0, len(JOINTS), 4, 4), np.float32)
    )
    anim = Crowd(
        tuple(f"{name_prefix}{i}" for i in range(len(members))),
        rest,
        np.array([m[2] for m in members], dtype=bool),
        np.asarray(gaze, dtype=np.float64),
        tuple(attitudes.attitude(m[3]).name for m in members),
        seed,
        walk,
        walk_span,
    )
    return parts, anim


def build_avatar(args: Args, seed: int) -> Built:
    """kind ``avatar``: one person, standing or seated, with a full face rig."""
    look_seed = int(args["seed"]) + 7919 * seed
    seated = args["pose"] == "seated"
    attitude = str(args["attitude"])
    look = Look.from_seed(look_seed)
    r = rest_pose(seated, attitude)
    parts = avatar_part("body", look, seated, attitude, identity())
    rest = np.stack([identity(), *(r[j] for j in range(1, len(JOINTS)))])[None]
    anim = Crowd(
        ("body",),
        rest.astype(np.float32),
        np.array([seated]),
        np.array([float(args["gaze"])]),
        (attitude,),
        look_seed,
    )
    return Built(Part("", None, identity(), Material(), (parts,)), (anim,))
