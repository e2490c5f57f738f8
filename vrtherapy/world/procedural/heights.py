"""Heights: a multi-storey building (optionally with an atrium), a balcony, a glass
elevator and bridges (solid, or a rope bridge with gaps between the slats).

Where the client stands on it, the builder says so (``Built.stand``), and the
world reports that floor's height to the renderer.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

import numpy as np

from vrtherapy.world.geometry import Geo, bake, box, cylinder, merge, rgba
from vrtherapy.world.model import Animator, Args, Built, Part, PoseContext
from vrtherapy.world.procedural.kit import GLASS, count, node, num, root
from vrtherapy.world.transforms import compose, rot_x, rot_y, rot_z, translate
from vrtherapy.world.types import F32, Material, Mesh

CONCRETE = rgba("#b9b4aa")
STEEL = rgba("#5b6168")
WINDOW_SPACING = 3.0


@functools.cache
def window_mesh(floor_height: float) -> Mesh:
    """One façade window (dark glass in a light frame), facing +z; shared by every window."""
    h = floor_height * 0.55
    return bake(
        merge(
            box(1.8, h, 0.05, rgba("#2d3e50"), translate(0, 0, 0.0)),
            box(1.9, 0.06, 0.1, rgba("#d9d9d9"), translate(0, h / 2, 0)),
            box(1.9, 0.06, 0.1, rgba("#d9d9d9"), translate(0, -h / 2, 0)),
        ),
        ao=False,
    )


def facade_windows(w: float, d: float, floors: int, fh: float, inset: float = 0.0) -> list[Part]:
    """Window parts on all four faces of a w x d block (one shared mesh)."""
    mesh = window_mesh(fh)
    mat = Material(roughness=0.1, emissive=0.05)
    parts: list[Part] = []
    faces = [
        (w, translate(0, 0, -d / 2 - 0.03), np.pi),  # front, facing -z
        (w, translate(0, 0, d / 2 + 0.03), 0.0),
        (d, translate(-w / 2 - 0.03, 0, 0), -np.pi / 2),
        (d, translate(w / 2 + 0.03, 0, 0), np.pi / 2),
    ]
    for f, (length, at, yaw) in enumerate(faces):
        n = max(1, int((length - 1.0) // WINDOW_SPACING))
        xs = (np.arange(n) - (n - 1) / 2) * (length - 1.0) / n
        for k in range(floors):
            y = k * fh + fh * 0.55
            for i, x in enumerate(xs):
                parts.append(
                    Part(
                        f"window_{f}_{k}_{i}",
                        mesh,
                        compose(at, rot_y(yaw), translate(float(x), y, 0)),
                        mat,
                    )
                )
    return parts


def block_geo(w: float, d: float, floors: int, fh: float) -> Geo:
    """A solid block of ``floors`` storeys with a floor band per storey and a roof edge."""
    h = floors * fh
    parts = [box(w, h, d, CONCRETE, translate(0, h / 2, 0))]
    band = rgba("#d6d1c7")
    for k in range(1, floors):
        parts.append(box(w + 0.12, 0.25, d + 0.12, band, translate(0, k * fh, 0)))
    parts.append(box(w + 0.3, 0.5, d + 0.3, rgba("#8f8a80"), translate(0, h + 0.25, 0)))
    return merge(*parts)


def build_building(args: Args, seed: int) -> Built:
    floors, fh = count(args, "floors"), num(args, "floor_height")
    w, d = num(args, "width"), num(args, "depth")
    if not args["atrium"] or min(w, d) < 12:
        parts = [
            Part("structure", bake(block_geo(w, d, floors, fh))),
            *facade_windows(w, d, floors, fh),
        ]
        return Built(root(parts))
    # Four wings around an open atrium; inner galleries with railings on every floor.
    wing = min(8.0, min(w, d) / 3)
    iw, id_ = w - 2 * wing, d - 2 * wing
    h = floors * fh
    wings = merge(
        box(w, h, wing, CONCRETE, translate(0, h / 2, -(d - wing) / 2)),
        box(w, h, wing, CONCRETE, translate(0, h / 2, (d - wing) / 2)),
        box(wing, h, id_, CONCRETE, translate(-(w - wing) / 2, h / 2, 0)),
        box(wing, h, id_, CONCRETE, translate((w - wing) / 2, h / 2, 0)),
    )
    gallery: list[Geo] = []
    for k in range(1, floors):
        y = k * fh
        for sx, sz, lx, lz in (
            (0, -1, iw, 0.0),
            (0, 1, iw, 0.0),
            (-1, 0, 0.0, id_),
            (1, 0, 0.0, id_),
        ):
            cx, cz = sx * (iw / 2 - 0.75), sz * (id_ / 2 - 0.75)
            gallery.append(box(lx or 1.5, 0.2, lz or 1.5, rgba("#d6d1c7"), translate(cx, y, cz)))
            rx, rz = sx * (iw / 2 - 1.5), sz * (id_ / 2 - 1.5)
            gallery.append(box(lx or 0.05, 0.05, lz or 0.05, STEEL, translate(rx, y + 1.0, rz)))
            gallery.append(
                box(lx or 0.02, 0.9, lz or 0.02, rgba("#9fb8c8"), translate(rx, y + 0.55, rz))
            )
    floor = box(iw, 0.1, id_, rgba("#cfc6b4"), translate(0, 0.05, 0))
    roof = box(iw, 0.05, id_, rgba("#dfeef7"), translate(0, h, 0))
    parts = [
        Part("structure", bake(merge(wings, floor))),
        # a one-storey building has no upper floors, so no galleries
        *([Part("galleries", bake(merge(*gallery)))] if gallery else []),
        Part("roof_glass", bake(roof, ao=False), material=GLASS),
        *facade_windows(w, d, floors, fh),
        *(
            Part(f"inner_{p.name}", p.mesh, p.transform, p.material)
            for p in facade_windows(iw - 3.2, id_ - 3.2, floors, fh)
        ),
    ]
    return Built(root(parts))


def railing_parts(length: float, height: float, at: F32, name: str) -> Part:
    """Posts (one shared mesh) and a handrail along x, centred, standing on y = 0."""
    post = bake(box(0.05, height, 0.05, STEEL, translate(0, height / 2, 0)))
    n = max(2, int(length / 0.9) + 1)
    posts = [
        Part(f"post_{i}", post, translate(-length / 2 + length * i / (n - 1), 0, 0))
        for i in range(n)
    ]
    rails = bake(
        merge(
            box(length + 0.05, 0.06, 0.08, STEEL, translate(0, height, 0)),
            box(length, 0.03, 0.03, STEEL, translate(0, height * 0.5, 0)),
        )
    )
    return node(name, [Part("rails", rails), *posts], at)


WALL_CLEARANCE = 0.6  # where the client stands on a balcony, in front of the façade


def build_balcony(args: Args, seed: int) -> Built:
    """A balcony at ``height`` sticking out towards -z from the building face at z = 0.

    The client stands on the slab ``WALL_CLEARANCE`` in front of the face (at most half
    way out on a shallow balcony), facing out over the front railing: standing at the
    face itself would put their eyes inside the wall and its windows."""
    h, w, d = num(args, "height"), num(args, "width"), num(args, "depth")
    rh = num(args, "railing_height")
    glass = bool(args["glass_floor"])
    slab = bake(
        box(w, 0.2, d, CONCRETE if not glass else rgba("#e8f2f8"), translate(0, -0.1, -d / 2))
    )
    edge = bake(
        merge(
            box(w, 0.22, 0.08, STEEL, translate(0, -0.11, -d + 0.04)),
            box(0.08, 0.22, d, STEEL, translate(-w / 2 + 0.04, -0.11, -d / 2)),
            box(0.08, 0.22, d, STEEL, translate(w / 2 - 0.04, -0.11, -d / 2)),
        )
    )
    brackets = bake(
        merge(
            box(0.15, 0.5, d * 0.8, STEEL, translate(-w / 2 + 0.2, -0.45, -d * 0.4)),
            box(0.15, 0.5, d * 0.8, STEEL, translate(w / 2 - 0.2, -0.45, -d * 0.4)),
        )
    )
    railing = node(
        "railing",
        [
            railing_parts(w, rh, translate(0, 0, -d + 0.05), "front"),
            railing_parts(
                d, rh, compose(translate(-w / 2 + 0.05, 0, -d / 2), rot_y(np.pi / 2)), "left"
            ),
            railing_parts(
                d, rh, compose(translate(w / 2 - 0.05, 0, -d / 2), rot_y(np.pi / 2)), "right"
            ),
        ],
        visible=bool(args["railing"]),
    )
    floor_mat = Material((0.8, 0.9, 0.95, 0.3), roughness=0.05) if glass else Material()
    platform = node(
        "platform",
        [
            Part("slab", slab, material=floor_mat),
            Part("edge", edge),
            Part("brackets", brackets),
            railing,
        ],
        translate(0, h, 0),
    )
    stand_z = -min(WALL_CLEARANCE, d / 2)
    return Built(root([platform]), stand=(0.0, h, stand_z))


SHAFT_HEIGHT = 180.0  # a 49-storey atrium, as in Rothbaum et al. (1995)


def build_glass_elevator(args: Args, seed: int) -> Built:
    """A glass cabin on an open shaft; the client stands in it, the cabin floor at ``height``."""
    h = num(args, "height")
    shaft = bake(
        merge(
            box(2.6, SHAFT_HEIGHT, 0.6, CONCRETE, translate(0, SHAFT_HEIGHT / 2, 1.6)),
            box(0.12, SHAFT_HEIGHT, 0.12, STEEL, translate(-1.0, SHAFT_HEIGHT / 2, 1.2)),
            box(0.12, SHAFT_HEIGHT, 0.12, STEEL, translate(1.0, SHAFT_HEIGHT / 2, 1.2)),
        )
    )
    glass_floor = bool(args.get("glass_floor", False))
    if glass_floor:  # a steel rim round a glass floor
        floor = merge(
            *[box(2.2, 0.15, 0.15, STEEL, translate(0, -0.075, sz * 1.025)) for sz in (-1, 1)],
            *[box(0.15, 0.15, 2.2, STEEL, translate(sx * 1.025, -0.075, 0)) for sx in (-1, 1)],
        )
    else:
        floor = box(2.2, 0.15, 2.2, STEEL, translate(0, -0.075, 0))
    frame = merge(
        floor,
        box(2.2, 0.1, 2.2, STEEL, translate(0, 2.45, 0)),
        *[
            box(0.08, 2.4, 0.08, STEEL, translate(sx * 1.06, 1.2, sz * 1.06))
            for sx in (-1, 1)
            for sz in (-1, 1)
        ],
    )
    glass = merge(
        box(2.1, 2.4, 0.02, (1.0, 1.0, 1.0, 1.0), translate(0, 1.2, -1.06)),
        box(0.02, 2.4, 2.1, (1.0, 1.0, 1.0, 1.0), translate(-1.06, 1.2, 0)),
        box(0.02, 2.4, 2.1, (1.0, 1.0, 1.0, 1.0), translate(1.06, 1.2, 0)),
    )
    rail = bake(
        merge(
            box(2.0, 0.04, 0.04, STEEL, translate(0, 1.0, -0.98)),
            box(0.04, 0.04, 2.0, STEEL, translate(-0.98, 1.0, 0)),
            box(0.04, 0.04, 2.0, STEEL, translate(0.98, 1.0, 0)),
        )
    )
    cabin = node(
        "cabin",
        [
            Part("frame", bake(frame)),
            Part("glass", bake(glass, ao=False), material=GLASS),
            Part("back", bake(box(2.1, 2.4, 0.05, rgba("#8a9096"), translate(0, 1.2, 1.06)))),
            Part("rail", rail, visible=bool(args["rail"])),
            *(
                [
                    Part(
                        "glass_floor",
                        bake(
                            box(1.95, 0.03, 1.95, (1.0, 1.0, 1.0, 1.0), translate(0, -0.015, 0)),
                            ao=False,
                        ),
                        material=GLASS,
                    )
                ]
                if glass_floor
                else []
            ),
        ],
        translate(0, h, 0),
    )
    return Built(root([Part("shaft", shaft), cabin]), stand=(0.0, h, 0.0))


ROCK = rgba("#7d7467")
WOOD = rgba("#8b6a45")
ROPE = rgba("#b59a6a")


@dataclass(frozen=True, eq=False)
class Sway(Animator):
    """Rolls a bridge deck gently from side to side (more with wind)."""

    rest: F32  # (4, 4)
    amount: float  # 0..1

    @property
    def paths(self) -> tuple[str, ...]:
        return ("deck",)

    def pose(self, t: float, ctx: PoseContext) -> F32:
        amp = 0.035 * self.amount * (1.0 + ctx.wind)
        if amp == 0.0:
            return self.rest[None].copy()
        roll = amp * np.sin(2 * np.pi * 0.33 * t) + 0.3 * amp * np.sin(2 * np.pi * 0.71 * t + 1.0)
        return (self.rest @ rot_z(float(roll)))[None]


def _rope(points: np.ndarray, r: float) -> Geo:
    """A rope through ``points`` (M, 3) made of cylinder segments."""
    segs: list[Geo] = []
    for a, b in itertools.pairwise(points):
        v = b - a
        length = float(np.linalg.norm(v))
        pitch = float(np.arctan2(v[1], -v[2]))  # segments run along -z, sloping in y
        at = compose(translate(*((a + b) / 2)), rot_x(pitch))
        segs.append(cylinder(r, length, ROPE, at, sections=6, axis="z"))
    return merge(*segs)


def build_bridge(args: Args, seed: int) -> Built:
    """A bridge from the client's cliff (behind, at +z) to a far cliff along -z."""
    length, width, h = num(args, "length"), num(args, "width"), num(args, "height")
    rope = args["style"] == "rope"
    z0, z1 = 1.0, -(length - 1.0)
    zm, half = (z0 + z1) / 2, length / 2
    sag = 0.025 * length if rope else 0.0

    def deck_y(z: np.ndarray | float) -> np.ndarray:
        return np.asarray(-sag * (1.0 - ((np.asarray(z) - zm) / half) ** 2))

    cliffs: list[Geo] = []
    if h > 0.05 and args.get("cliffs", True):
        cliffs = [
            box(14.0, h, 10.0, ROCK, translate(0, h / 2, z0 + 5.0)),
            box(14.0, h, 10.0, ROCK, translate(0, h / 2, z1 - 5.0)),
        ]
    deck_parts: list[Part] = []
    outside: list[Part] = []
    if cliffs:
        outside.append(Part("cliffs", bake(merge(*cliffs))))
    if not rope:
        deck_parts.append(
            Part("walkway", bake(box(width, 0.3, length, CONCRETE, translate(0, -0.15, zm))))
        )
        for side in (-1, 1):
            at = compose(translate(side * (width / 2 - 0.03), 0, zm), rot_y(np.pi / 2))
            deck_parts.append(railing_parts(length, 1.1, at, f"railing_{'lr'[side > 0]}"))
        if h > 1.0:
            pillar = bake(box(1.0, h, 1.0, CONCRETE, translate(0, -h / 2 - 0.3, 0)))
            for i, z in enumerate(np.arange(z0 - 15.0, z1 + 1.0, -15.0)[1:]):
                outside.append(Part(f"pillar_{i}", pillar, translate(0, h, float(z))))
    else:
        gap = num(args, "slat_gap")
        pitch = 0.2 + gap
        slat = bake(box(width, 0.04, 0.2, WOOD, translate(0, -0.02, 0)))
        zs = np.arange(z0 - 0.1, z1, -pitch)
        for i, z in enumerate(zs):
            deck_parts.append(Part(f"slat_{i}", slat, translate(0, float(deck_y(z)), float(z))))
        zr = np.linspace(z0, z1, 25)
        ropes: list[Geo] = []
        for side in (-1, 1):
            x = side * width / 2
            for lift in (0.0, 1.0):
                pts = np.stack([np.full_like(zr, x), deck_y(zr) + lift, zr], 1)
                ropes.append(_rope(pts, 0.02))
        deck_parts.append(Part("ropes", bake(merge(*ropes))))
        hanger = bake(cylinder(0.01, 1.0, ROPE, translate(0, 0.5, 0), sections=5))
        for i, z in enumerate(np.arange(z0, z1, -1.0)):
            for side in (-1, 1):
                at = translate(side * width / 2, float(deck_y(z)), float(z))
                deck_parts.append(Part(f"hanger_{i}_{'lr'[side > 0]}", hanger, at))
    deck_rest = translate(0, h, 0)
    deck = node("deck", deck_parts, deck_rest)
    stand_y = h + float(deck_y(0.0))
    animators: tuple[Animator, ...] = ()
    if num(args, "sway") > 0:
        animators = (Sway(deck_rest, num(args, "sway")),)
    return Built(root([*outside, deck]), animators, stand=(0.0, stand_y, 0.0))
