"""The meshes of a human figure, made here from numbers (nothing is downloaded).

Every mesh is neutral (white, or a few shades for lips, the mouth and the eyes) and
shared by every avatar; skin, hair and clothes come from per-part tints, and body
build from per-part scale, so a crowd of sixty still draws a handful of meshes.

Frames, as the rig places them (metres; the figure faces +z, its left is +x):
the head's frame has its origin on top of the neck, the eyes at
(±0.035, 0.135, 0.088) and the mouth at :data:`Y_MOUTH`; the torso's origin is
just above the hip joints; limbs hang along -y from their joint.

The face is an ellipsoid sculpted by a few smooth bumps (brow ridge, nose, cheeks,
lips, chin, a narrower jaw) on a grid that is densest where the face is. The lower
face, below the mouth, is cut out of the same surface as the jaw, so at rest the
seam is invisible and an open jaw shows the dark mouth behind it.
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt

from vrtherapy.world.geometry import (
    RGBA,
    Geo,
    box,
    ellipsoid,
    keep_faces,
    lathe,
    loft,
    merge,
    reshaped,
    rgba,
    transformed,
)
from vrtherapy.world.geometry import bake as _bake
from vrtherapy.world.transforms import compose, rot_x, rot_y, rot_z, translate
from vrtherapy.world.types import F32, Mesh

FloatArr = npt.NDArray[np.float64]

WHITE = rgba("#ffffff")
LIP = (0.86, 0.62, 0.6, 1.0)  # multiplies the skin tint
MOUTH = (0.12, 0.03, 0.03, 1.0)
SEAM = (0.3, 0.12, 0.12, 1.0)
IRIS = ("#5a3a22", "#4a7aa8")  # brown, blue

HEAD_C = (0.0, 0.135, 0.0)  # centre of the skull ellipsoid, head frame
HEAD_R = (0.077, 0.113, 0.098)
EYE_IN_HEAD = (0.035, 0.135, 0.088)
EYE_R = 0.0122
Y_MOUTH = 0.063
JAW_PIVOT = (0.0, 0.095, -0.004)  # about where the jaw hinges, in front of the ears
MOUTH_CORNER = (0.007, Y_MOUTH, 0.0)  # z filled in from the face's surface
NECK_IN_TORSO_Y = 0.5


def _g(x: npt.ArrayLike, s: npt.ArrayLike) -> FloatArr:
    """A bell, 1 at x = 0, about 0.37 at x = s."""
    return np.asarray(np.exp(-((np.asarray(x, np.float64) / np.asarray(s, np.float64)) ** 2)))


def _sm(x: npt.ArrayLike) -> FloatArr:
    """Smoothstep: 0 below 0, 1 above 1."""
    c = np.clip(np.asarray(x, np.float64), 0.0, 1.0)
    return np.asarray(c * c * (3 - 2 * c))


def _ellipsoid_grid(
    c: tuple[float, float, float],
    r: tuple[float, float, float],
    sections: int,
    rings: int,
    front_bias: float,
    face_bias: float,
) -> Geo:
    """A closed ellipsoid whose vertices crowd towards its front (+z) and towards the
    band of latitudes just below its middle, where a face has its detail."""
    u = np.arange(sections) * (2 * np.pi / sections)
    # loft puts z = -sin(theta): the front (+z) is at theta = 3*pi/2
    theta = u - front_bias * np.sin(u - 1.5 * np.pi)
    v = np.linspace(-np.pi / 2, np.pi / 2, rings + 1)[1:-1]
    phi = v - face_bias * np.sin(2 * (v + 0.25)) / 2
    y = c[1] + r[1] * np.sin(phi)
    rings_ = np.stack([y, r[0] * np.cos(phi), r[2] * np.cos(phi), np.full_like(y, c[2])], 1)
    geo = loft(rings_, WHITE, sections, close=(True, True), angles=theta)
    # poles on the ellipsoid itself
    pos = geo.positions.copy()
    pos[-2] = (c[0], c[1] - r[1], c[2])
    pos[-1] = (c[0], c[1] + r[1], c[2])
    return reshaped(geo, pos)


def _sculpt_face(p: F32) -> F32:
    """Move points of the skull ellipsoid into a face (head frame)."""
    x, y, z = (p[:, i].astype(np.float64) for i in range(3))
    ax = np.abs(x)
    front = _sm(z / 0.06)
    # a narrower jaw and chin, and the back of the lower head drawn in towards the neck
    low = _sm((0.10 - y) / 0.085)
    x = x * (1 - 0.12 * low)
    y = np.where(y < HEAD_C[1], HEAD_C[1] + (y - HEAD_C[1]) * 0.93, y)
    z = np.where(z < 0, z * (1 - 0.35 * _sm((0.09 - y) / 0.07)), z)
    # the widest part at the cheekbones, a flatter top
    x = x * (1 + 0.05 * _g(y - 0.125, 0.03))
    y = np.where(y > 0.2, 0.2 + (y - 0.2) * 0.9, y)
    dz = np.zeros_like(z)
    dz += 0.007 * _g(y - 0.158, 0.011) * _sm((0.062 - ax) / 0.02)  # brow ridge
    dz -= 0.007 * _g(ax - 0.035, 0.014) * _g(y - 0.137, 0.011)  # eye sockets
    bridge = _sm((0.14 - y) / 0.05) ** 1.5 * _sm((y - 0.079) / 0.01)
    dz += 0.022 * bridge * _g(x, 0.0065 + 0.005 * _sm((0.105 - y) / 0.02))  # nose
    dz += 0.004 * _g(x, 0.012) * _g(y - 0.088, 0.008)  # its tip
    dz += 0.004 * _g(ax - 0.012, 0.005) * _g(y - 0.085, 0.006)  # nostril wings
    dz += 0.005 * _g(ax - 0.045, 0.016) * _g(y - 0.105, 0.016)  # cheeks
    dz += 0.006 * _g(x, 0.02) * _g(y - (Y_MOUTH + 0.004), 0.008)  # upper lip
    dz += 0.005 * _g(x, 0.018) * _g(y - (Y_MOUTH - 0.007), 0.007)  # lower lip
    dz -= 0.003 * _g(x, 0.018) * _g(y - (Y_MOUTH - 0.019), 0.006)  # under the lip
    dz += 0.008 * _g(x, 0.022) * _g(y - 0.03, 0.014)  # chin
    z = z + dz * front
    return np.stack([x, y, z], 1).astype(np.float32)


def _face_colors(p: F32) -> F32:
    x, y, z = p[:, 0], p[:, 1], p[:, 2]
    col = np.tile(np.asarray(WHITE, np.float32), (len(p), 1))
    lips = _g(x, 0.02) * _sm((0.012 - np.abs(y - Y_MOUTH + 0.001)) / 0.005) * _sm((z - 0.07) / 0.01)
    cheeks = 0.06 * _g(np.abs(x) - 0.045, 0.02) * _g(y - 0.1, 0.02) * _sm(z / 0.05)
    lip = np.asarray(LIP[:3], np.float32)
    col[:, :3] = col[:, :3] * (1 - lips[:, None]) + lip * lips[:, None]
    col[:, 1:3] -= cheeks[:, None]
    return col


def _surface_z(geo: Geo, x: float, y: float) -> float:
    """The face's z at (x, y) (its foremost vertex nearby)."""
    d = np.hypot(geo.positions[:, 0] - x, geo.positions[:, 1] - y)
    near = d < 0.008
    return float(geo.positions[near, 2].max())


@functools.cache
def face() -> tuple[Geo, Geo, F32, float]:
    """The sculpted head surface split into (head, jaw), the jaw's geometry already in
    the jaw's frame; the jaw's rest transform in the head, and the z of the lips."""
    skull = _ellipsoid_grid(HEAD_C, HEAD_R, 24, 19, 0.55, 0.4)
    pos = _sculpt_face(skull.positions)
    sculpted = reshaped(skull, pos, _face_colors(pos))
    tri = sculpted.positions[sculpted.indices.reshape(-1, 3)].mean(axis=1)
    below = tri[:, 1] < Y_MOUTH - 0.3 * np.maximum(np.abs(tri[:, 0]) - 0.022, 0.0)
    jaw_faces = below & (tri[:, 2] > -0.015) & (tri[:, 1] > 0.0)
    head = keep_faces(sculpted, ~jaw_faces)
    at = translate(*JAW_PIVOT)
    jaw = keep_faces(sculpted, jaw_faces)
    jaw = Geo(
        jaw.positions - np.asarray(JAW_PIVOT, np.float32), jaw.normals, jaw.colors, jaw.indices
    )
    return head, jaw, at, _surface_z(sculpted, 0.0, Y_MOUTH)


def _ears() -> Geo:
    def ear(side: float) -> Geo:
        at = compose(translate(side * 0.073, 0.122, -0.008), rot_y(side * 0.35))
        return merge(
            ellipsoid(0.01, 0.03, 0.019, WHITE, at, (6, 4)),
            ellipsoid(
                0.004,
                0.018,
                0.01,
                (0.8, 0.7, 0.7, 1.0),
                at @ translate(side * 0.006, 0, 0.002),
                (4, 3),
            ),
        )

    return merge(ear(1.0), ear(-1.0))


def head_geo() -> Geo:
    head, _, _, lips_z = face()
    neck = loft(
        [(-0.1, 0.052, 0.05, -0.012), (0.0, 0.05, 0.049, -0.014), (0.07, 0.046, 0.045, -0.02)],
        WHITE,
        12,
    )
    inside = ellipsoid(
        0.026, 0.02, 0.026, MOUTH, translate(0, Y_MOUTH - 0.006, lips_z - 0.045), (6, 4)
    )
    seam = ellipsoid(0.009, 0.0016, 0.003, SEAM, translate(0, Y_MOUTH, lips_z - 0.0005), (6, 3))
    lower_lids = [
        _cap(
            EYE_R * 1.1,
            0.0,
            2,
            8,
            compose(translate(sx * EYE_IN_HEAD[0], *EYE_IN_HEAD[1:]), rot_x(0.95 + np.pi)),
        )
        for sx in (1.0, -1.0)
    ]
    return merge(head, _ears(), neck, inside, seam, *lower_lids)


def jaw_geo() -> Geo:
    return face()[1]


def mouth_corner_geo() -> Geo:
    """One corner of the mouth, from its pivot near the middle (origin) out along +x: the
    line between the lips, with a little lip around it. The rig turns it about z to
    smile (up) or frown (down); the other corner is the same mesh turned about y."""
    return merge(
        ellipsoid(0.011, 0.0018, 0.003, SEAM, translate(0.01, 0, 0.0015), (6, 3)),
        ellipsoid(0.011, 0.0045, 0.003, LIP, translate(0.009, 0, 0.0), (6, 3)),
    )


def eye_geo(iris: RGBA) -> Geo:
    """An eyeball looking along +z: pupil, iris and white in rings of their own, so the
    iris stays round and sharp with few triangles; the back (inside the head) is left open."""
    black = (0.02, 0.02, 0.02, 1.0)
    white = rgba("#e8e4de")
    rings = [
        (110.0, white),
        (70.0, white),
        (44.0, white),
        (40.0, iris),
        (22.0, iris),
        (18.0, black),
        (0.0, black),
    ]
    a = np.radians([d for d, _ in rings])
    return lathe(
        EYE_R * np.sin(a),
        EYE_R * np.cos(a),
        np.sin(a),
        np.cos(a),
        [c for _, c in rings],
        9,
        rot_x(np.pi / 2),  # the lathe's +y axis becomes the gaze, +z
    )


def _cap(r: float, down_to: float, rings: int, sections: int, at: F32 | None = None) -> Geo:
    """The part of a sphere of radius r above y = down_to * r, open at the bottom."""
    a = np.linspace(np.arcsin(down_to), np.pi / 2, rings + 1)
    return lathe(r * np.cos(a), r * np.sin(a), np.cos(a), np.sin(a), WHITE, sections, at)


def lid_geo() -> Geo:
    return _cap(EYE_R * 1.15, 0.0, 3, 8)


def brow_geo() -> Geo:
    """An eyebrow, thicker at its inner end (the brow is placed with its middle at the
    origin; the same mesh serves both sides, turned about y)."""
    dark = (0.5, 0.5, 0.5, 1.0)  # darker than the hair, so fair brows still show
    return merge(
        ellipsoid(
            0.017, 0.0035, 0.004, dark, compose(translate(0.002, 0, 0), rot_z(-0.12)), (6, 3)
        ),
        ellipsoid(0.008, 0.0045, 0.004, dark, translate(-0.01, -0.001, 0.0), (6, 3)),
    )


def _hair(
    scale: float, front_y: float, side_y: float, back_y: float, sections: int = 16, rings: int = 11
) -> Geo:
    """A hair shell over the skull, ``scale`` times its size, following the hairline:
    high over the forehead (``front_y``), lower at the temples (``side_y``) and the nape
    (``back_y``). Below the hairline the shell sinks smoothly inside the head, so the
    edge is a soft line on the skin rather than a row of cut triangles."""
    c, r = HEAD_C, HEAD_R
    shell = _ellipsoid_grid(
        c, (r[0] * scale, r[1] * scale, r[2] * scale), sections, rings, 0.3, 0.0
    )
    p = shell.positions.astype(np.float64)
    x, y, z = p[:, 0], p[:, 1], p[:, 2]
    side = side_y + (front_y - side_y) * _sm((z - 0.0) / 0.07)
    line = np.where(z >= -0.02, side, back_y + (side_y - back_y) * _sm((z + 0.06) / 0.04))
    on = _sm((y - line) / 0.014)
    inside = 0.86 / scale  # tucked inside the skull
    k = inside + (1 - inside) * on
    centre = np.array(c)
    p = centre + (p - centre) * k[:, None]
    p[:, 0] *= 1 - 0.16 * _sm((0.1 - p[:, 1]) / 0.08)  # follow the narrower jaw
    del x
    return reshaped(shell, p.astype(np.float32))


def hair_geo(style: str) -> Geo:
    """Hair: ``short``, ``long`` (past the shoulders) or ``bun`` (drawn back, a bun behind)."""
    if style == "short":
        return _hair(1.07, 0.19, 0.12, 0.05)
    if style == "bun":
        return merge(
            _hair(1.05, 0.195, 0.13, 0.07),
            ellipsoid(0.036, 0.034, 0.03, WHITE, translate(0, 0.17, -0.1), (8, 5)),
        )
    if style == "long":
        # a curtain from the crown to below the shoulders, flattened behind the face
        curtain = _ellipsoid_grid((0.0, 0.07, -0.03), (0.095, 0.2, 0.1), 10, 9, 0.0, 0.0)
        p = curtain.positions.copy()
        y = p[:, 1]
        flat = -0.005 + 0.05 * _sm((y - 0.16) / 0.05)
        p[:, 2] = np.minimum(p[:, 2], flat)
        p[:, 0] *= 1 - 0.12 * _sm((0.12 - y) / 0.1)
        p[:, 1] = np.maximum(p[:, 1], -0.13)
        return merge(_hair(1.08, 0.185, 0.1, 0.02), reshaped(curtain, p))
    raise ValueError(f"unknown hair style '{style}'")


# -- body ------------------------------------------------------------------------------------

# Torso rings (y, half-width, half-depth, z of centre), torso frame: the waist at 0,
# the shoulders near 0.45, the collar at the neck.
TORSO_RINGS = {
    "male": [
        (-0.04, 0.15, 0.1, 0.0),
        (0.08, 0.148, 0.1, 0.0),
        (0.2, 0.158, 0.106, 0.004),
        (0.3, 0.172, 0.112, 0.008),
        (0.38, 0.18, 0.108, 0.004),
        (0.44, 0.175, 0.095, -0.005),
        (0.47, 0.15, 0.085, -0.01),
        (0.5, 0.1, 0.07, -0.012),
        (0.53, 0.066, 0.062, -0.014),
        (0.52, 0.046, 0.044, -0.014),
    ],
    "female": [
        (-0.04, 0.16, 0.105, 0.0),
        (0.08, 0.135, 0.095, 0.0),
        (0.18, 0.128, 0.092, 0.004),
        (0.27, 0.145, 0.118, 0.018),
        (0.33, 0.152, 0.12, 0.02),
        (0.39, 0.158, 0.1, 0.006),
        (0.44, 0.152, 0.088, -0.006),
        (0.47, 0.13, 0.076, -0.01),
        (0.5, 0.088, 0.062, -0.012),
        (0.525, 0.062, 0.057, -0.014),
        (0.515, 0.043, 0.041, -0.014),
    ],
}
SHOULDER_X = {"male": 0.178, "female": 0.158}
HIP_X = {"male": 0.09, "female": 0.1}


def torso_geo(sex: str) -> Geo:
    rings = TORSO_RINGS[sex]
    # a slightly darker band at the waist (a belt or a shirt's hem), lighter collar
    shade = [(0.82, 0.82, 0.82, 1.0) if y < 0.0 else (0.97, 0.97, 0.97, 1.0) for y, *_ in rings]
    return loft(rings, shade, 14, close=(False, True))


def pelvis_geo() -> Geo:
    return loft(
        [
            (-0.14, 0.1, 0.08, 0.0),
            (-0.1, 0.15, 0.1, 0.0),
            (-0.02, 0.165, 0.105, -0.004),
            (0.06, 0.155, 0.1, -0.002),
            (0.1, 0.145, 0.095, 0.0),
        ],
        WHITE,
        12,
        close=(True, False),
    )


def _limb(rings: list[tuple[float, float, float, float]], sections: int = 8) -> Geo:
    return loft(rings, WHITE, sections, close=(True, True))


def upper_arm_geo() -> Geo:
    return _limb(
        [
            (-0.31, 0.03, 0.032, 0),
            (-0.29, 0.039, 0.04, 0),
            (-0.15, 0.043, 0.045, 0),
            (-0.02, 0.046, 0.048, 0),
            (0.02, 0.04, 0.044, 0),
            (0.045, 0.018, 0.022, 0),
        ]
    )


def forearm_geo() -> Geo:
    return _limb(
        [
            (-0.265, 0.022, 0.028, 0),
            (-0.25, 0.027, 0.034, 0),
            (-0.12, 0.036, 0.04, 0),
            (-0.02, 0.038, 0.04, 0),
            (0.02, 0.03, 0.032, 0),
        ]
    )


def hand_geo() -> Geo:
    """A relaxed hand hanging along -y, palm towards the body (thin across x): palm,
    fingers together, the thumb in front. Symmetric across x, so it serves both sides."""
    palm = loft(
        [
            (-0.09, 0.009, 0.03, 0.0),
            (-0.075, 0.012, 0.041, 0.0),
            (-0.035, 0.014, 0.043, 0.0),
            (0.0, 0.015, 0.033, 0.0),
            (0.012, 0.017, 0.022, 0.0),
        ],
        WHITE,
        6,
        close=(True, True),
    )
    fingers = loft(
        [
            (-0.17, 0.005, 0.004, -0.006),
            (-0.16, 0.008, 0.025, -0.004),
            (-0.12, 0.01, 0.036, -0.002),
            (-0.085, 0.011, 0.04, 0.0),
        ],
        WHITE,
        6,
        close=(True, False),
    )
    thumb = _limb([(-0.055, 0.008, 0.008, 0), (-0.045, 0.011, 0.01, 0), (0.0, 0.012, 0.011, 0)], 6)
    thumb = transformed(thumb, compose(translate(0.0, -0.02, 0.03), rot_x(0.45)))
    return merge(palm, fingers, thumb)


def thigh_geo() -> Geo:
    return _limb(
        [
            (-0.47, 0.045, 0.048, 0.0),
            (-0.42, 0.055, 0.058, 0.0),
            (-0.25, 0.068, 0.072, 0.005),
            (-0.06, 0.085, 0.088, 0.004),
            (0.04, 0.08, 0.08, 0.0),
            (0.07, 0.04, 0.04, 0.0),
        ],
        8,
    )


def shin_geo() -> Geo:
    return _limb(
        [
            (-0.45, 0.035, 0.038, -0.005),
            (-0.38, 0.042, 0.045, -0.005),
            (-0.2, 0.052, 0.058, -0.01),
            (-0.08, 0.05, 0.055, -0.004),
            (0.02, 0.05, 0.052, 0.0),
        ],
        8,
    )


def shoe_geo() -> Geo:
    """A shoe whose ankle is at the origin, sole at y = -0.06, toe towards +z."""

    def ring(z: float, w: float, h: float) -> tuple[float, float, float, float]:
        """A section ``z`` along the foot, ``w`` wide, ``h`` tall, on the sole."""
        return (z, w, h, 0.06 - h)

    # built along y (the loft's axis) then turned so that y becomes +z
    rings = [
        ring(-0.07, 0.02, 0.025),
        ring(-0.055, 0.042, 0.045),
        ring(0.02, 0.048, 0.042),
        ring(0.12, 0.046, 0.032),
        ring(0.17, 0.035, 0.022),
        ring(0.185, 0.015, 0.012),
    ]
    g = loft(rings, WHITE, 8, close=(True, True))
    return transformed(g, rot_x(np.pi / 2))


def phone_geo() -> Geo:
    return merge(
        box(0.075, 0.15, 0.012, rgba("#1c1c1e")),
        box(0.065, 0.13, 0.004, rgba("#9fc8ff"), translate(0, 0, 0.007)),
    )


@functools.cache
def meshes() -> dict[str, Mesh]:
    """The shared figure meshes, by name (neutral colours; the rig's parts are tinted)."""
    out = {f"eye{i}": _bake(eye_geo(rgba(c)), ao=False) for i, c in enumerate(IRIS)}
    out.update(
        head=_bake(head_geo(), floor=-1.0),
        jaw=_bake(jaw_geo(), floor=-1.0),
        mouth=_bake(mouth_corner_geo(), floor=-1.0),  # shaded like the face round it
        lid=_bake(lid_geo(), ao=False),
        brow=_bake(brow_geo(), ao=False),
        torso_male=_bake(torso_geo("male"), floor=-1.0),
        torso_female=_bake(torso_geo("female"), floor=-1.0),
        pelvis=_bake(pelvis_geo(), floor=-1.0),
        upper_arm=_bake(upper_arm_geo(), floor=-1.0),
        forearm=_bake(forearm_geo(), floor=-1.0),
        hand=_bake(hand_geo(), floor=-1.0),
        thigh=_bake(thigh_geo(), floor=-1.0),
        shin=_bake(shin_geo(), floor=-1.0),
        foot=_bake(shoe_geo(), floor=-1.0),
        phone=_bake(phone_geo(), ao=False),
        **{f"hair_{s}": _bake(hair_geo(s), floor=-1.0) for s in ("short", "long", "bun")},
    )
    return out
