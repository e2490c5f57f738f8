"""Furniture and small things: plant, sofa, table, chair, lamp, podium, desk, the
client's seat.

Each stands on y = 0; the side a person uses faces +z.
"""

from __future__ import annotations

import functools

import numpy as np

from vrtherapy.world.geometry import (
    RGBA,
    Geo,
    bake,
    box,
    cylinder,
    ellipsoid,
    merge,
    rgba,
    transformed,
)
from vrtherapy.world.model import Args, Built, Part
from vrtherapy.world.procedural.kit import color, num, root
from vrtherapy.world.transforms import compose, rot_x, rot_y, rot_z, translate
from vrtherapy.world.types import Material, Mesh


def plant_geo(height: float, seed: int) -> Geo:
    """A potted plant: terracotta pot, soil, stems and leaves placed from the seed."""
    rng = np.random.default_rng(seed)
    pot_h = 0.25 * min(height, 1.2)
    pot_r = 0.1 + 0.08 * min(height, 2.0)
    parts = [
        cylinder(pot_r, pot_h, rgba("#a65e3a"), base=True, sections=14),
        cylinder(pot_r * 0.92, 0.02, rgba("#3b2a1e"), translate(0, pot_h, 0), sections=14),
    ]
    greens = [rgba(c) for c in ("#3f7d3a", "#2f6b2f", "#5a9a48", "#4c8a3c")]
    for _ in range(int(6 + 6 * min(height, 2.0))):
        yaw = rng.uniform(0, 2 * np.pi)
        tilt = rng.uniform(0.15, 0.7)
        stem = rng.uniform(0.5, 1.0) * (height - pot_h)
        tip = compose(translate(0, pot_h, 0), rot_y(yaw), rot_z(tilt))
        parts.append(
            cylinder(
                0.008, stem, rgba("#4a6b2a"), compose(tip, translate(0, stem / 2, 0)), sections=5
            )
        )
        leaf = greens[int(rng.integers(len(greens)))]
        size = 0.06 + 0.1 * min(height, 2.0) * rng.uniform(0.6, 1.0)
        parts.append(
            ellipsoid(
                size * 0.45,
                size * 0.12,
                size,
                leaf,
                compose(tip, translate(0, stem, 0), rot_x(0.6)),
            )
        )
    return merge(*parts)


@functools.cache
def plant_mesh(height: float, seed: int) -> Mesh:
    return bake(plant_geo(height, seed))


def build_plant(args: Args, seed: int) -> Built:
    mesh = plant_mesh(num(args, "height"), int(args["seed"]) + 7919 * seed)
    return Built(root([Part("plant", mesh)]))


def sofa_geo(width: float, c: RGBA) -> Geo:
    dark = (c[0] * 0.75, c[1] * 0.75, c[2] * 0.75, 1.0)
    seat_w = width - 0.3
    parts = [
        box(width, 0.12, 0.85, rgba("#3a2e24"), translate(0, 0.06, 0)),  # plinth
        box(width, 0.25, 0.85, dark, translate(0, 0.245, 0)),
        box(0.15, 0.35, 0.85, c, translate(width / 2 - 0.075, 0.545, 0)),  # arms
        box(0.15, 0.35, 0.85, c, translate(-width / 2 + 0.075, 0.545, 0)),
        box(width, 0.5, 0.2, c, translate(0, 0.62, -0.325)),  # back
    ]
    n = max(1, round(seat_w / 0.65))
    cw = seat_w / n
    for i in range(n):  # seat and back cushions
        x = -seat_w / 2 + cw * (i + 0.5)
        parts.append(box(cw - 0.02, 0.14, 0.62, c, translate(x, 0.44, 0.08)))
        parts.append(box(cw - 0.04, 0.38, 0.14, c, compose(translate(x, 0.7, -0.17), rot_x(-0.15))))
    return merge(*parts)


def build_sofa(args: Args, seed: int) -> Built:
    return Built(root([Part("sofa", bake(sofa_geo(num(args, "width"), color(args))))]))


def table_geo(w: float, h: float, d: float, c: RGBA) -> Geo:
    leg = 0.05
    parts = [box(w, 0.04, d, c, translate(0, h - 0.02, 0))]
    for sx in (-1, 1):
        for sz in (-1, 1):
            x, z = sx * (w / 2 - leg), sz * (d / 2 - leg)
            parts.append(box(leg, h - 0.04, leg, c, translate(x, (h - 0.04) / 2, z)))
    return merge(*parts)


def build_table(args: Args, seed: int) -> Built:
    geo = table_geo(num(args, "width"), num(args, "height"), num(args, "depth"), color(args))
    return Built(root([Part("table", bake(geo))]))


@functools.cache
def chair_mesh(c: RGBA = (1.0, 1.0, 1.0, 1.0)) -> Mesh:
    """A chair facing +z (its back at -z); seat 0.45 m high."""
    parts = [box(0.44, 0.05, 0.42, c, translate(0, 0.45, 0))]
    for sx in (-1, 1):
        for sz in (-1, 1):
            parts.append(box(0.04, 0.43, 0.04, c, translate(sx * 0.19, 0.215, sz * 0.18)))
        parts.append(box(0.04, 0.45, 0.04, c, translate(sx * 0.19, 0.7, -0.19)))
    parts.append(box(0.42, 0.22, 0.03, c, compose(translate(0, 0.78, -0.2), rot_x(-0.08))))
    return bake(merge(*parts))


def build_chair(args: Args, seed: int) -> Built:
    return Built(root([Part("chair", chair_mesh(), material=Material(color(args)))]))


def build_lamp(args: Args, seed: int) -> Built:
    h = num(args, "height")
    lit = bool(args["lit"])
    metal = rgba("#2e2e2e")
    stand = merge(
        cylinder(0.16, 0.03, metal, base=True, sections=20),
        cylinder(0.015, h - 0.25, metal, translate(0, 0.03, 0), base=True, sections=8),
    )
    shade = cylinder(0.2, 0.28, rgba("#efe3c8"), translate(0, h - 0.14, 0), sections=20)
    bulb = ellipsoid(0.05, 0.07, 0.05, rgba("#fff4d6"), translate(0, h - 0.2, 0))
    return Built(
        root(
            [
                Part("stand", bake(stand)),
                Part("shade", bake(shade), material=Material(emissive=0.55 if lit else 0.0)),
                Part("bulb", bake(bulb, ao=False), material=Material(emissive=1.0 if lit else 0.0)),
            ]
        )
    )


def build_podium(args: Args, seed: int) -> Built:
    """A lectern; the speaker stands at +z of it, the sloped top tilted towards them."""
    h = num(args, "height")
    wood = rgba("#6d4c33")
    geo = merge(
        box(0.7, 0.05, 0.5, wood, translate(0, 0.025, 0)),
        box(0.6, h - 0.1, 0.4, wood, translate(0, (h - 0.1) / 2 + 0.05, 0)),
        box(0.66, 0.03, 0.5, rgba("#8a6446"), compose(translate(0, h - 0.02, 0.02), rot_x(0.25))),
        box(0.5, 0.04, 0.02, rgba("#3a2a1c"), compose(translate(0, h - 0.02, 0.27), rot_x(0.25))),
    )
    if args["notes"]:  # two A4 sheets on the sloped top, lines of text as grey bars
        paper, ink = rgba("#f7f5ef"), rgba("#6a6a6a")
        line = [translate(0, 0.001, -0.12 + 0.02 * k) for k in range(12)]
        geos = []
        for dx, yaw in ((-0.12, 0.04), (0.11, -0.03)):
            place = compose(translate(dx, 0, 0), rot_y(yaw))
            geos.append(box(0.21, 0.004, 0.297, paper, place))
            geos += [box(0.16, 0.005, 0.006, ink, place @ at) for at in line]
        at = compose(translate(0, h + 0.002, 0.02), rot_x(0.25))
        geo = merge(geo, *[transformed(g, at) for g in geos])  # one mesh with the lectern
    return Built(root([Part("podium", bake(geo))]))


def _office_chair(c: RGBA) -> Geo:
    """An office chair facing +z: seat 0.47 m high on a column and five-star base."""
    dark = rgba("#2a2a2a")
    parts = [
        box(0.5, 0.08, 0.48, c, translate(0, 0.47, 0)),
        box(0.48, 0.55, 0.07, c, compose(translate(0, 0.82, -0.24), rot_x(-0.1))),
        cylinder(0.03, 0.4, dark, translate(0, 0.05, 0), base=True, sections=8),
    ]
    for k in range(5):
        yaw = k * 2 * np.pi / 5
        parts.append(box(0.04, 0.04, 0.3, dark, compose(rot_y(yaw), translate(0, 0.05, 0.15))))
    for side in (-1, 1):  # armrests
        parts.append(box(0.05, 0.04, 0.3, dark, translate(side * 0.27, 0.67, 0.0)))
        parts.append(box(0.03, 0.2, 0.03, dark, translate(side * 0.27, 0.57, -0.05)))
    return merge(*parts)


def build_desk(args: Args, seed: int) -> Built:
    """An office desk. Whoever works at it sits at -z facing +z (the interviewer, the
    boss), in the office chair ``depth / 2 + 0.5`` m behind the desk's centre; a visitor
    (the client) faces them from +z. A panel on the visitor's side hides the legs of the
    person behind it; the laptop's screen faces its user."""
    w, d = num(args, "width"), num(args, "depth")
    top_y = 0.74
    wood, frame = rgba("#9a7b5a"), rgba("#5e5e62")
    geos = [
        box(w, 0.04, d, wood, translate(0, top_y - 0.02, 0)),
        box(0.04, top_y - 0.04, d - 0.04, frame, translate(-w / 2 + 0.03, (top_y - 0.04) / 2, 0)),
        box(0.04, top_y - 0.04, d - 0.04, frame, translate(w / 2 - 0.03, (top_y - 0.04) / 2, 0)),
        box(w - 0.1, 0.45, 0.03, frame, translate(0, top_y - 0.3, d / 2 - 0.06)),  # modesty panel
    ]
    on = top_y
    if args["laptop"]:  # base towards its user (-z), screen up and facing -z
        grey, screen = rgba("#b8bcc2"), rgba("#1d2733")
        hinge = compose(translate(w * 0.18, on, -d * 0.05), rot_x(0.28))
        geos += [
            box(0.33, 0.016, 0.23, grey, translate(w * 0.18, on + 0.008, -d * 0.05 - 0.115)),
            box(0.33, 0.22, 0.012, grey, compose(hinge, translate(0, 0.11, 0.006))),
            box(0.3, 0.19, 0.002, screen, compose(hinge, translate(0, 0.11, -0.001))),
        ]
    if args["papers"]:  # a CV (A4, lines as grey bars), a notepad and a pen
        paper, ink = rgba("#f7f5ef"), rgba("#70757a")
        cv = compose(translate(-w * 0.12, on + 0.002, -d * 0.08), rot_y(0.12))
        geos.append(box(0.21, 0.004, 0.297, paper, cv))
        geos += [
            box(
                0.15 if k % 3 else 0.09,
                0.005,
                0.007,
                ink,
                cv @ translate(0, 0.001, -0.12 + 0.02 * k),
            )
            for k in range(12)
        ]
        geos.append(box(0.15, 0.01, 0.21, rgba("#f1e27a"), translate(-w * 0.32, on + 0.005, -0.05)))
        geos.append(
            cylinder(
                0.005,
                0.14,
                rgba("#1f3f8f"),
                translate(-w * 0.32 + 0.1, on + 0.012, -0.05),
                axis="z",
                sections=6,
            )
        )
    geos.append(  # a glass of water
        cylinder(0.035, 0.11, rgba("#d6e8f0"), translate(-w * 0.38, on, d * 0.2), base=True)
    )
    parts = [Part("desk", bake(merge(*geos)))]
    if args["chair"]:
        chair = bake(_office_chair(rgba(str(args["chair_color"]))))
        parts.append(Part("chair", chair, translate(0, 0, -d / 2 - 0.5)))
    return Built(root(parts))


def build_client_seat(args: Args, seed: int) -> Built:
    """A chair the client sits on, at the origin facing -z: the client's eyes are
    ``eye_height`` above the floor (a seated view, as in an interview or at a table)."""
    chair = Part("chair", chair_mesh(), compose(translate(0, 0, 0.2), rot_y(np.pi)),
                 Material(color(args)))  # fmt: skip
    return Built(root([chair]), stand=(0.0, 0.0, 0.0), eye_height=num(args, "eye_height"))
