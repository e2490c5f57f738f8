"""Human figures (partners, audiences, bystanders) and the rig that animates one or many.

An avatar faces +z (so one placed at -z faces a client at the origin); its left is
+x. Every moving part is its own part so the rig can move it: hips, torso, neck, head
(with separate eyes, eyelids, brows, jaw and mouth corners), arms and legs. The
meshes (``figure.py``) are smooth-shaded and shared by every avatar; skin, clothes
and hair colours come from per-part tints and body build from per-part scale, so a
crowd of any size uses the same handful of mesh keys.

Who a person is — sex, age, skin tone, hair, build, height, clothes — is a
:class:`Look`, drawn from a seed; a scenario may fix any of it per partner
(``avatar:`` arguments, see ``authoring/procedural.py``).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from vrtherapy.world import attitude as attitudes
from vrtherapy.world.geometry import rgba
from vrtherapy.world.model import (
    Animator,
    Args,
    AvatarBatch,
    AvatarControls,
    Built,
    Part,
    PoseContext,
)
from vrtherapy.world.procedural import figure
from vrtherapy.world.procedural.figure import EYE_IN_HEAD, Y_MOUTH
from vrtherapy.world.transforms import (
    compose,
    identity,
    rot_x,
    rot_y,
    rot_z,
    translate,
)
from vrtherapy.world.types import F32, Material, Mesh

# skin tones from lightest to darkest (an author's ``skin: 1..7``)
SKIN = ("#f6dccb", "#f1c7a5", "#e0ac86", "#c68b62", "#9c6b48", "#6e4a33", "#4a3123")
SHIRT = ("#3d5a80", "#98c1d9", "#ee6c4d", "#293241", "#6a994e", "#bc4749", "#f2e8cf",
         "#7f5539", "#5e548e", "#adb5bd", "#e9c46a", "#ffffff")  # fmt: skip
FORMAL = ("#22223b", "#2b2d42", "#3a3a3a", "#1d3557", "#4a4e69", "#5c4033")
TROUSERS = ("#22223b", "#4a4e69", "#3a3a3a", "#6b705c", "#283618", "#5c4033", "#3b5b7d")
HAIR = ("#2b1d14", "#4b3621", "#8d5524", "#c9a66b", "#1a1a1a", "#6a3b22")
GREY_HAIR = ("#9e9e9e", "#c8c6c2", "#7a7570", "#dcdad6")

# Joints the rig drives, in this order, by path below the avatar's own root. New joints
# are only ever added at the end, so the index constants below stay valid.
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
    "hips/torso/neck/head/mouth_l",
    "hips/torso/neck/head/mouth_r",
)
(ROOT, HIPS, TORSO, HEAD, EYE_L, EYE_R, LID_L, LID_R, JAW, BROW_L, BROW_R,
 SHO_L, SHO_R, ELB_L, ELB_R, HIP_L, HIP_R, KNEE_L, KNEE_R,
 MOUTH_L, MOUTH_R) = range(len(JOINTS))  # fmt: skip

EYE_R_SIZE = figure.EYE_R  # eyeball radius
LID_OPEN = -0.5  # eyelid rotation (radians about x) when open
LID_CLOSED = 1.3  # ... and when shut over the eye
JAW_MAX = 0.3  # jaw rotation when fully open
SMILE_JAW = 0.12  # share of JAW_MAX a warm smile (expression +1) parts the lips by
SMILE = 0.6  # mouth-corner turn (radians) at expression +1 (down as far at -1)
HIPS_STANDING = 0.97
HIPS_SEATED = 0.48
NECK_IN_TORSO = (0.0, figure.NECK_IN_TORSO_Y, 0.0)
HEAD_IN_NECK = (0.0, 0.035, 0.0)
FIGURE_HEIGHT = 1.79  # crown above the soles of the figure at scale 1
ATTITUDES = ("friendly", "interested", "neutral", "bored", "hostile")

# What a scenario may fix per partner ("any": drawn from the seed); see authoring/procedural.
SEXES = ("female", "male")
AGES = ("young", "middle", "older")
HAIR_STYLES = ("short", "long", "bun", "bald")
BUILDS = ("slim", "average", "heavy")
STATURES = ("short", "average", "tall")
OUTFITS = ("casual", "formal")
_HEIGHT = {"female": (1.56, 1.65, 1.75), "male": (1.68, 1.77, 1.88)}
_GIRTH = {"slim": 0.9, "average": 1.0, "heavy": 1.16}


def meshes() -> dict[str, Mesh]:
    """The shared avatar meshes (neutral colours; parts are tinted)."""
    return figure.meshes()


def _diag(x: float, y: float, z: float) -> F32:
    return np.diag([x, y, z, 1.0]).astype(np.float32)


@dataclass(frozen=True)
class Look:
    """Who one avatar is: colours, shapes and build, chosen from its seed (any of it may be
    fixed by the scenario)."""

    skin: tuple[float, float, float, float]
    shirt: tuple[float, float, float, float]
    trousers: tuple[float, float, float, float]
    hair: tuple[float, float, float, float]
    hair_style: str  # short, long, bun, none (bald)
    torso: str  # torso_male, torso_female
    eye: str  # eye0 (brown), eye1 (blue)
    sex: str = "male"
    age: str = "middle"
    height: float = 1.77  # standing height, metres
    girth: float = 1.0  # body width and depth relative to an average build

    @property
    def scale(self) -> float:
        """The figure's uniform scale for its height."""
        return self.height / FIGURE_HEIGHT

    @property
    def shoulder_x(self) -> float:
        return figure.SHOULDER_X["female" if self.torso == "torso_female" else "male"] * self.girth

    @property
    def hip_x(self) -> float:
        return figure.HIP_X["female" if self.torso == "torso_female" else "male"] * self.girth

    @staticmethod
    def from_seed(seed: int, choose: Mapping[str, str | int] | None = None) -> Look:
        """A person drawn from ``seed``; ``choose`` fixes some of it: ``sex``, ``age``,
        ``hair`` (a style of :data:`HAIR_STYLES`), ``build``, ``stature``, ``outfit``
        (each a word, or "any") and ``skin`` (1 lightest .. 7 darkest; 0 = any)."""
        rng = np.random.default_rng(seed)
        c = dict(choose or {})

        def pick(xs: Sequence[str], p: Sequence[float] | None = None) -> str:
            return str(xs[int(rng.choice(len(xs), p=p))])

        def chosen(key: str, xs: Sequence[str], p: Sequence[float] | None = None) -> str:
            drawn = pick(xs, p)  # always drawn, so fixing one trait keeps the others
            v = str(c.get(key, "any"))
            return drawn if v == "any" else v

        sex = chosen("sex", SEXES)
        age = chosen("age", AGES, (0.4, 0.38, 0.22))
        skin_drawn = int(rng.integers(len(SKIN)))
        skin_i = int(c.get("skin", 0) or 0)
        skin = SKIN[skin_i - 1] if skin_i else SKIN[skin_drawn]
        if sex == "male":
            bald = 0.35 if age == "older" else 0.05
            styles = ("short", "long", "bun", "bald")
            style = chosen("hair", styles, (0.85 - bald, 0.08, 0.02, 0.05 + bald))
        else:
            style = chosen("hair", HAIR_STYLES, (0.14, 0.52, 0.32, 0.02))
        grey = age == "older" or (age == "middle" and rng.random() < 0.2)
        hair_colour = pick(GREY_HAIR) if grey else pick(HAIR)
        build = chosen("build", BUILDS, (0.3, 0.45, 0.25))
        stature = chosen("stature", STATURES, (0.25, 0.5, 0.25))
        height = _HEIGHT[sex][STATURES.index(stature)] + float(rng.normal(0, 0.02))
        if age == "older":
            height -= 0.02
        # blue eyes (eye1) only among the lighter skin tones
        blue = rng.random() < 0.4 and SKIN.index(skin) <= 2
        eye = "eye1" if blue else "eye0"
        outfit = chosen("outfit", OUTFITS, (0.7, 0.3))
        shirt = pick(FORMAL) if outfit == "formal" else pick(SHIRT)
        trousers = pick(FORMAL[:3]) if outfit == "formal" else pick(TROUSERS)
        return Look(
            rgba(skin),
            rgba(shirt),
            rgba(trousers),
            rgba(hair_colour),
            "none" if style == "bald" else style,
            f"torso_{sex}",
            eye,
            sex,
            age,
            float(height),
            _GIRTH[build] * float(rng.uniform(0.97, 1.03)),
        )


AVERAGE = Look(rgba(SKIN[2]), rgba(SHIRT[0]), rgba(TROUSERS[0]), rgba(HAIR[0]), "short",
               "torso_male", "eye0", "male", "middle", FIGURE_HEIGHT, 1.0)  # fmt: skip


@functools.cache
def _face_places() -> tuple[F32, F32, F32, F32, F32, F32]:
    """Rest transforms in the head of: jaw, left and right brows, mouth corners (l, r),
    and the mouth's middle (for the corners' drop as the jaw opens)."""
    _, _, jaw_at, lips_z = figure.face()
    head, *_ = figure.face()
    p = head.positions

    def z_at(x: float, y: float) -> float:
        near = np.hypot(p[:, 0] - x, p[:, 1] - y) < 0.01
        return float(p[near, 2].max())

    bz = z_at(0.032, 0.158) + 0.003
    brow_l = compose(translate(0.032, 0.16, bz), rot_y(0.3))
    brow_r = compose(translate(-0.032, 0.16, bz), rot_y(np.pi - 0.3))
    mz = lips_z + 0.0015
    mouth_l = compose(translate(0.006, Y_MOUTH, mz), rot_y(0.5))
    mouth_r = compose(translate(-0.006, Y_MOUTH, mz), rot_y(np.pi - 0.5))
    return jaw_at, brow_l, brow_r, mouth_l, mouth_r, translate(0, Y_MOUTH, lips_z)


def rest_pose(seated: bool, attitude: str, look: Look | None = None) -> dict[int, F32]:
    """Rest local transforms of every rig joint (the root joint is left to the caller)."""
    lk = AVERAGE if look is None else look
    s = lk.scale
    g = lk.girth
    hips_y = HIPS_SEATED - 0.5 * (1 - s) * 0.47 if seated else HIPS_STANDING * s
    pelvis = _diag(g, 1.0, 0.5 + 0.5 * g)
    chest = _diag(g, 1.0, 0.4 + 0.6 * g)
    unpelvis, unchest = np.linalg.inv(pelvis), np.linalg.inv(chest)
    sx, hx = lk.shoulder_x, lk.hip_x
    jaw_at, brow_l, brow_r, mouth_l, mouth_r, _ = _face_places()
    r: dict[int, npt.NDArray[np.floating[Any]]] = {
        HIPS: translate(0, hips_y, 0) @ _diag(s, s, s) @ pelvis,
        TORSO: translate(0, 0.05, 0),
        HEAD: translate(*HEAD_IN_NECK),
        EYE_L: translate(*EYE_IN_HEAD),
        EYE_R: translate(-EYE_IN_HEAD[0], *EYE_IN_HEAD[1:]),
        LID_L: compose(translate(*EYE_IN_HEAD), rot_x(LID_OPEN)),
        LID_R: compose(translate(-EYE_IN_HEAD[0], *EYE_IN_HEAD[1:]), rot_x(LID_OPEN)),
        JAW: jaw_at,
        BROW_L: brow_l,
        BROW_R: brow_r,
        MOUTH_L: mouth_l,
        MOUTH_R: mouth_r,
        SHO_L: compose(translate(sx, 0.43, 0), rot_z(0.08)),
        SHO_R: compose(translate(-sx, 0.43, 0), rot_z(-0.08)),
        ELB_L: translate(0, -0.3, 0),
        ELB_R: translate(0, -0.3, 0),
        HIP_L: translate(hx, -0.05, 0),
        HIP_R: translate(-hx, -0.05, 0),
        KNEE_L: translate(0, -0.45, 0),
        KNEE_R: translate(0, -0.45, 0),
    }
    if seated:
        for j in (HIP_L, HIP_R):
            r[j] = r[j] @ rot_x(-np.pi / 2)
        for j in (KNEE_L, KNEE_R):
            r[j] = r[j] @ rot_x(np.pi / 2)
        # upper arms down the sides, forearms forward and in, hands on the thighs
        r[SHO_L] = compose(translate(sx, 0.43, 0), rot_x(-0.25), rot_z(0.03))
        r[SHO_R] = compose(translate(-sx, 0.43, 0), rot_x(-0.25), rot_z(-0.03))
        r[ELB_L] = compose(translate(0, -0.3, 0), rot_y(-0.3), rot_x(-1.1))
        r[ELB_R] = compose(translate(0, -0.3, 0), rot_y(0.3), rot_x(-1.1))
    a = attitudes.attitude(attitude)
    if a.hands == "crossed":
        r[SHO_L] = compose(translate(sx, 0.43, 0), rot_x(-0.3), rot_z(0.12))
        r[SHO_R] = compose(translate(-sx, 0.43, 0), rot_x(-0.3), rot_z(-0.12))
        r[ELB_L] = compose(translate(0, -0.3, 0), rot_y(-1.3), rot_x(-1.45))
        r[ELB_R] = compose(translate(0, -0.3, 0), rot_y(1.3), rot_x(-1.45))
    if a.hands == "phone":  # both forearms up, the phone held low in front of the chest
        r[SHO_L] = compose(translate(sx, 0.43, 0), rot_x(-0.35), rot_z(-0.12))
        r[SHO_R] = compose(translate(-sx, 0.43, 0), rot_x(-0.35), rot_z(0.12))
        r[ELB_L] = compose(translate(0, -0.3, 0), rot_y(-0.35), rot_x(-1.35))
        r[ELB_R] = compose(translate(0, -0.3, 0), rot_y(0.35), rot_x(-1.35))
    # The pelvis and chest are scaled for build; their children are placed in the
    # unscaled frame (so an arm or a leg keeps its shape on a heavier body).
    r[TORSO] = unpelvis @ r[TORSO] @ rot_x(a.lean) @ chest
    for j in (SHO_L, SHO_R):
        r[j] = unchest @ r[j]
    for j in (HIP_L, HIP_R):
        r[j] = unpelvis @ r[j]
    return {k: v.astype(np.float32) for k, v in r.items()}


def neck_in_torso(look: Look | None = None) -> F32:
    """The neck's place in the torso joint (undoing the chest's scale for build)."""
    g = (AVERAGE if look is None else look).girth
    chest = _diag(g, 1.0, 0.4 + 0.6 * g)
    return (np.linalg.inv(chest) @ translate(*NECK_IN_TORSO)).astype(np.float32)


def avatar_part(name: str, look: Look, seated: bool, attitude: str, at: F32) -> Part:
    """One avatar's part tree, rooted at ``name`` and placed by ``at`` in its parent."""
    m = meshes()
    r = rest_pose(seated, attitude, look)
    skin, shirt, trousers = Material(look.skin), Material(look.shirt), Material(look.trousers)
    hair = Material(look.hair, roughness=0.6)
    shoes = Material(rgba("#202020"), roughness=0.5)

    holds_phone = attitudes.attitude(attitude).hands == "phone"

    def arm(side: str) -> Part:
        s, e = (SHO_L, ELB_L) if side == "l" else (SHO_R, ELB_R)
        held: tuple[Part, ...] = ()
        if holds_phone and side == "r":  # screen up towards the face, lit
            at = compose(translate(0.0, -0.08, 0.03), rot_x(-1.3))
            held = (Part("phone", m["phone"], at, Material(emissive=0.5)),)
        hand = Part("hand", m["hand"], translate(0, -0.265, 0), skin, held)
        forearm = Part(f"elbow_{side}", m["forearm"], r[e], shirt, (hand,))
        return Part(f"shoulder_{side}", m["upper_arm"], r[s], shirt, (forearm,))

    def leg(side: str) -> Part:
        h, k = (HIP_L, KNEE_L) if side == "l" else (HIP_R, KNEE_R)
        foot = Part("foot", m["foot"], translate(0, -0.41, 0), shoes)
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
        Part("mouth_l", m["mouth"], r[MOUTH_L], skin),
        Part("mouth_r", m["mouth"], r[MOUTH_R], skin),
    ]
    if look.hair_style != "none":
        face.append(Part("hair", m[f"hair_{look.hair_style}"], identity(), hair))
    head = Part("head", m["head"], r[HEAD], skin, tuple(face))
    neck = Part("neck", None, neck_in_torso(look), skin, (head,))
    torso = Part("torso", m[look.torso], r[TORSO], shirt, (neck, arm("l"), arm("r")))
    hips = Part("hips", m["pelvis"], r[HIPS], trousers, (torso, leg("l"), leg("r")))
    return Part(name, None, at, Material(), (hips,))


FloatArr = npt.NDArray[np.float64]
U64 = npt.NDArray[np.uint64]
_FNV_START = np.uint64(1469598103934665603)
_FNV_PRIME = np.uint64(1099511628211)
_SHIFT = np.uint64(29)


def _mix(state: U64 | np.uint64, *keys: npt.ArrayLike) -> U64:
    """FNV-style mixing of integer keys into ``state`` (vectorised); mixing a state
    with (a, b) then (c,) equals mixing it with (a, b, c)."""
    out = np.asarray(state, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in keys:
            # a plain non-negative int (most keys) needs no array conversions
            key = np.uint64(k) if isinstance(k, int) and k >= 0 else np.asarray(k).astype(np.uint64)
            out = (out ^ key) * _FNV_PRIME
            out ^= out >> _SHIFT
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


def _move(m: F32, d: npt.ArrayLike) -> None:
    """``m[...] = m @ translate(*d)`` in place, for offsets ``d`` (..., 3) broadcast over
    ``m``'s leading axes."""
    d32 = np.asarray(d, np.float32)
    m[..., 3] += d32[..., 0:1] * m[..., 0] + d32[..., 1:2] * m[..., 1] + d32[..., 2:3] * m[..., 2]


_MOVED = [TORSO, HIPS, BROW_L, BROW_R, MOUTH_L, MOUTH_R]  # the joints Rig.pose moves
_EYE_IN_HEAD = np.array([0.0, EYE_IN_HEAD[1], EYE_IN_HEAD[2]])

# The lips' shape for each viseme (authoring.character.VISEMES order: sil PP FF TH DD kk
# CH SS nn RR aa E ih oh ou): how far each mouth corner moves out (+, a spread for
# "ee", "s") or in (-, rounded for "oo", "oh", "r", "sh"), and how far the lips push
# forward, in metres. The jaw's opening comes from the line's mouth track.
_SPREAD = np.array([0, -0.001, 0.001, 0.002, 0.002, 0.001, -0.003, 0.004, 0.001, -0.003,
                    0.001, 0.004, 0.005, -0.004, -0.006])  # fmt: skip
_PUSH = np.array([0, 0.001, 0, 0, 0, 0, 0.003, 0, 0, 0.002, 0, 0, 0, 0.003, 0.005])
# a corner's local axes (see _face_places): out is +x for both; forward is this in each
_FORWARD_L = np.array([-np.sin(0.5), 0.0, np.cos(0.5)])
_FORWARD_R = np.array([-np.sin(0.5), 0.0, -np.cos(0.5)])


def _mouth_shape(out: F32, viseme: npt.NDArray[np.int64]) -> None:
    """Mouth corners of every member shaped for its viseme (-1: none known), in place."""
    v = np.asarray(viseme, np.int64)
    known = (v >= 0) & (v < len(_SPREAD))
    k = np.where(known, v, 0)
    spread = np.where(known, _SPREAD[k], 0.0)[:, None]
    push = np.where(known, _PUSH[k], 0.0)[:, None]
    out_x = spread * np.array([1.0, 0.0, 0.0])
    _move(out[:, MOUTH_L], out_x + push * _FORWARD_L)
    _move(out[:, MOUTH_R], out_x + push * _FORWARD_R)


def _gesture(out: F32, g: FloatArr, t: float) -> None:
    """A dialogue gesture's arm channels (``AvatarBatch.gesture`` columns shrug, arm
    raise), in place; the head's yaw and the torso's lean (+ towards the avatar's front,
    about x) are added to their turns by the caller."""
    _lift(out[:, SHO_L : SHO_R + 1], 0.035 * g[:, 2, None])
    raise_ = g[:, 3]
    _turn(out[:, SHO_R], -1.3 * raise_, "z")  # the right arm out to the side
    wave = -1.4 + 0.35 * np.sin(2 * np.pi * 2.0 * t)  # the forearm up, waving
    _turn(out[:, ELB_R], wave * raise_, "z")


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
    neck: F32  # (N, 4, 4) each member's neck in its torso (for its build)

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
            cat(
                [np.broadcast_to(neck_in_torso() if c.neck is None else c.neck, (n, 4, 4))
                 for c, n in zip(crowds, sizes, strict=True)],
                np.zeros((0, 4, 4), np.float32),
            ).astype(np.float32),
        )  # fmt: skip

    # -- per-member constants: the parts of each random draw that do not change in time --

    @functools.cached_property
    def _stream(self) -> U64:
        """Each member's random stream, mixed with its (seed, index) once."""
        return _mix(np.full(len(self), _FNV_START, dtype=np.uint64), self.seed, self.idx)

    def _draw(self, *keys: npt.ArrayLike) -> FloatArr:
        """Equals ``_hash01(seed, idx, *keys)`` per member."""
        return _unit(_mix(self._stream, *keys))

    def _slot_draw(self, slot: FloatArr, key: int) -> FloatArr:
        """``_draw(slot, key)``, kept while no member's ``slot`` (a whole number of some
        stretch of time: a nod's 4 s, a yawn's 9 s) changes."""
        kept = self._kept_draws.get(key)
        if kept is not None and np.array_equal(kept[0], slot):
            return kept[1]
        got = self._draw(slot, key)
        got.flags.writeable = False
        self._kept_draws[key] = (slot.copy(), got)
        return got

    @functools.cached_property
    def _kept_draws(self) -> dict[int, tuple[FloatArr, FloatArr]]:
        """The last slot-keyed draws, by key (see :meth:`_slot_draw`)."""
        return {}

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

    @functools.cached_property
    def _nodders(self) -> bool:
        """Whether any member's attitude nods by itself."""
        return bool((self.traits.nod > 0).any())

    @functools.cached_property
    def _yawners(self) -> bool:
        """Whether any member's attitude yawns."""
        return bool((self.traits.yawn > 0).any())

    @functools.cached_property
    def _still(self) -> npt.NDArray[np.bool_]:
        """Members who do not sway: the seated and the walking."""
        return np.asarray(self.seated | self._walking)

    @functools.cached_property
    def _head_rest(self) -> npt.NDArray[np.float64]:
        """Each member's head joint (at rest) in its member root's frame, (N, 4, 4)."""
        chain = self.rest[:, HIPS] @ self.rest[:, TORSO] @ self.neck @ self.rest[:, HEAD]
        return np.asarray(chain, np.float64)

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

        # Breathing (the chest rises and tips) and a slow sway of standing people: made
        # with the face's turns at the end
        breath = np.sin(2 * np.pi * 0.24 * t + phase)
        sway = np.where(self._still, 0.0, 0.015 * np.sin(2 * np.pi * 0.11 * t + phase))

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
        b = batch
        # behaviour for every member at once (NaN rows: automatic); what the batch sets for
        # everyone is not worked out automatically first
        aim = None if b is None else ~np.isnan(b.gaze_target[:, 0])
        if b is not None and aim is not None and aim.all():
            yaw, pitch = self._look_at_all(head_inverse, b.gaze_target)
        else:
            yaw, pitch = self._gaze_angles(t, client_eye, head_inverse)
            if b is not None and aim is not None and aim.any():
                yaw[aim], pitch[aim] = self._look_at_all(head_inverse[aim], b.gaze_target[aim])
        nod = np.zeros(len(self))
        if self._nodders:
            slot = np.floor(t / 4.0 + c["nod_slot"])
            nodding = self._slot_draw(slot, 4) < traits.nod
            nod = np.where(nodding, 0.12 * np.maximum(0, np.sin(2 * np.pi * 1.6 * t)), 0.0)
        jaw = self._automatic(None if b is None else b.jaw_open, lambda: self._yawns(t))
        blink = self._automatic(None if b is None else b.blink, lambda: self._blinks(t))
        brows = self._automatic(None if b is None else b.brows, lambda: traits.brows.copy())
        if b is not None:
            asked = b.nod_pitch
            nod = nod + np.where(np.isnan(asked), 0.0, asked)
        shape = b.viseme if b is not None else None
        gesture = b.gesture if b is not None else None

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

        head_yaw = yaw.clip(-1.1, 1.1)
        head_pitch = pitch.clip(-0.5, 0.6)
        tip = -0.012 * breath
        if gesture is not None:  # a head shake turns the head; the eyes stay on target
            g = np.nan_to_num(gesture)
            _gesture(out, g, t)
            head_yaw = head_yaw + g[:, 0]
            tip = tip + g[:, 1]  # the lean, about x as the breath's tip
        eye_yaw = (yaw - head_yaw).clip(-0.4, 0.4)
        eye_pitch = (pitch - head_pitch).clip(-0.3, 0.3)
        lids_jaw, brow, corner, (brow_turn, corner_turn) = self._face(
            brows.clip(-1.0, 1.0), jaw.clip(0.0, 1.0), blink.clip(0.0, 1.0)
        )
        # Every joint's turns and moves, a pass for each set of joints next to each other
        # (or gathered), each joint's in its order (np.array(...).T: columns side by side,
        # as np.stack(..., 1) but cheaper). The torso rises with the breath; hips, brows
        # and mouth corners move (the hips by nothing), then turn about z.
        zero = np.zeros(len(self))
        still = [zero, zero, zero]
        moves = np.array([[zero, 0.004 * breath, zero], still, brow, brow, corner, corner])
        moved = out[:, _MOVED]
        _move(moved, moves.transpose(2, 0, 1))
        _turn(moved[:, 1:], np.array([sway, brow_turn, brow_turn, corner_turn, corner_turn]).T, "z")
        out[:, _MOVED] = moved
        # the head and both eyes (the eyes turn alike) about y, then they, the torso (its
        # tip), the lids and the jaw about x
        _turn(out[:, HEAD : EYE_R + 1], np.array([head_yaw, eye_yaw, eye_yaw]).T, "y")
        x = np.array([tip, head_pitch + nod, eye_pitch, eye_pitch, *lids_jaw]).T
        _turn(out[:, TORSO : JAW + 1], x, "x")
        if shape is not None:
            _mouth_shape(out, shape)
        return out

    @staticmethod
    def _automatic(given: FloatArr | None, automatic: Callable[[], FloatArr]) -> FloatArr:
        """Per member, ``given`` where it is a number, else the automatic value (worked
        out only when some member needs it)."""
        if given is None:
            return automatic()
        unset = np.isnan(given)
        if not unset.any():
            return np.array(given, np.float64)
        return np.where(unset, automatic(), given)

    def _yawns(self, t: float) -> FloatArr:
        """Jaw opening of members who yawn now (0 for the others)."""
        if not self._yawners:
            return np.zeros(len(self))
        yawn_slot = np.floor(t / 9.0 + self._constants["yawn_slot"])
        yawning = self._slot_draw(yawn_slot, 6) < self.traits.yawn
        return np.where(yawning, 0.8 * np.sin(np.pi * np.mod(t / 9.0, 1.0)) ** 2, 0.0)

    def _blinks(self, t: float) -> FloatArr:
        """Lid closure of each member's own blink rhythm."""
        c = self._constants
        local = np.mod(t + c["blink_period"] * c["blink_offset"], c["blink_period"])
        return np.asarray(np.clip(1.0 - np.abs(local - 0.1) / 0.1, 0.0, 1.0), np.float64)

    @staticmethod
    def _face(
        expression: FloatArr, jaw: FloatArr, blink: FloatArr
    ) -> tuple[list[FloatArr], list[FloatArr], list[FloatArr], list[FloatArr]]:
        """How every member's face moves for its expression (-1..1), jaw opening and blink
        (0..1), each (N,): the turns about x of both lids and the jaw; the moves (x, y,
        z) of a brow and of a mouth corner; the turns about z of a brow and a corner."""
        zero = np.zeros(len(expression))
        cross = np.minimum(expression, 0.0)  # hostile: brows down and drawn in
        warm = np.maximum(expression, 0.0)
        # lids: narrowed in a glare, a little in a warm smile; shut in a blink
        narrow = 0.4 * -cross + 0.12 * warm
        lid = narrow + blink * (LID_CLOSED - LID_OPEN - narrow)
        # a warm smile parts the lips a little; speech opens the jaw further
        opening = np.maximum(jaw, SMILE_JAW * warm) * JAW_MAX
        # Both brows share a mesh, the right one turned half round: the same local turn
        # lowers both inner ends when hostile. The mouth corners turn up (and out) in a
        # smile and down in a frown, and drop half way with the jaw (about 10 cm from
        # the hinge to the lips) so an open mouth stays oval.
        brow = [zero, 0.006 * expression, 0.002 * cross]
        corner = [0.003 * warm, -0.05 * np.sin(opening), zero]
        brow_turn = -0.45 * cross + 0.08 * warm
        corner_turn = SMILE * expression * (1.0 - 0.5 * jaw)
        return [lid, lid, opening], brow, corner, [brow_turn, corner_turn]

    def _head_inverse(self, member_world: F32) -> npt.NDArray[np.float64]:
        """World -> head-joint (at rest) matrices of each member, (N, 4, 4), read-only;
        worked out again only when a member's place in the world changes."""
        kept = self._last_inverse
        if kept and kept[0][0].shape == member_world.shape:
            was, inverse = kept[0]
            if np.array_equal(was, member_world):
                return inverse
        chain = np.asarray(member_world, np.float64) @ self._head_rest
        out = np.asarray(np.linalg.inv(chain), np.float64)
        out.flags.writeable = False
        kept[:] = [(np.array(member_world), out)]  # in one step: another thread reads it whole
        return out

    @functools.cached_property
    def _last_inverse(self) -> list[tuple[F32, npt.NDArray[np.float64]]]:
        """The members' places in the world at the last pose and their head inverses."""
        return []

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
    speech (jaw), facial expression (brows, mouth corners, lids) and, for walkers,
    walking along a straight line.

    ``rest`` holds the members' root transforms in the object and their joints' rest
    transforms; ``walk`` (N, 3) their velocities in the object (zero for people who
    stay put) and ``walk_span`` the length after which a walker wraps back to where it
    started; ``neck`` (N, 4, 4) each member's neck in its torso (None: an average build).
    The world poses the crowds of all its objects together (:class:`Rig` over all of
    them); posed alone, a crowd moves the same.

    Expression is one number per member, -1 (hostile: brows down and drawn together,
    mouth corners down, eyes narrowed) .. +1 (warm: brows up, a smile); it is the
    ``brows`` channel of :class:`~vrtherapy.world.model.AvatarControls` and
    :class:`~vrtherapy.world.model.AvatarBatch`, and the attitude's brows by default.
    """

    prefixes: tuple[str, ...]
    rest: F32  # (N, J, 4, 4)
    seated: npt.NDArray[np.bool_]
    gaze: FloatArr  # probability of looking at the client, per member
    attitude: tuple[str, ...]
    seed: int = 0
    walk: FloatArr | None = None
    walk_span: float = 0.0
    neck: F32 | None = None

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
    people = [
        (at, Look.from_seed(look_seed), seated, attitudes.attitude(attitude).name)
        for at, look_seed, seated, attitude in members
    ]
    names = [f"{name_prefix}{i}" for i in range(len(people))]
    return _group(names, people, gaze, seed, walk, walk_span)


def _group(
    names: Sequence[str],
    people: Sequence[tuple[F32, Look, bool, str]],
    gaze: Sequence[float],
    seed: int,
    walk: FloatArr | None = None,
    walk_span: float = 0.0,
) -> tuple[list[Part], Crowd]:
    parts: list[Part] = []
    rests: list[F32] = []
    necks: list[F32] = []
    for i, (at, look, seated, attitude) in enumerate(people):
        parts.append(avatar_part(names[i], look, seated, attitude, at))
        r = rest_pose(seated, attitude, look)
        rests.append(np.stack([at, *(r[j] for j in range(1, len(JOINTS)))]))
        necks.append(neck_in_torso(look))
    n = len(people)
    anim = Crowd(
        tuple(names),
        np.stack(rests).astype(np.float32) if n else np.zeros((0, len(JOINTS), 4, 4), np.float32),
        np.array([p[2] for p in people], dtype=bool),
        np.asarray(gaze, dtype=np.float64),
        tuple(p[3] for p in people),
        seed,
        walk,
        walk_span,
        np.stack(necks).astype(np.float32) if n else np.zeros((0, 4, 4), np.float32),
    )
    return parts, anim


APPEARANCE = ("sex", "age", "skin", "hair", "build", "stature", "outfit")


def build_avatar(args: Args, seed: int) -> Built:
    """kind ``avatar``: one person, standing or seated, with a full face rig; who it is
    comes from its ``seed`` and any of the appearance arguments the scenario fixes."""
    look_seed = int(args["seed"]) + 7919 * seed
    seated = args["pose"] == "seated"
    attitude = str(args["attitude"])
    choose = {k: args[k] for k in APPEARANCE if k in args}
    look = Look.from_seed(look_seed, choose)  # type: ignore[arg-type]
    parts, anim = _group(
        ["body"], [(identity(), look, seated, attitude)], [float(args["gaze"])], look_seed
    )
    return Built(Part("", None, identity(), Material(), tuple(parts)), (anim,))
