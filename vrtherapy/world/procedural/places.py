"""Public places not covered by :mod:`crowds`: an airport gate, a doctor's waiting room
and a café's service counter with a queue.

The client sits or stands at the origin facing -z. People are avatars animated by one
:class:`~vrtherapy.world.procedural.avatar.Crowd`; seats are shared meshes.
"""

from __future__ import annotations

import functools

import numpy as np

from vrtherapy.world.geometry import bake, box, cylinder, ellipsoid, merge, rgba
from vrtherapy.world.model import Animator, Args, Built, Part
from vrtherapy.world.procedural.avatar import crowd
from vrtherapy.world.procedural.basic import ground_geo
from vrtherapy.world.procedural.crowds import round_table
from vrtherapy.world.procedural.furniture import chair_mesh, plant_mesh
from vrtherapy.world.procedural.kit import GLASS, count, merged, num, root
from vrtherapy.world.procedural.rooms import shell
from vrtherapy.world.transforms import compose, rot_y, translate
from vrtherapy.world.types import F32, Material, Mesh


def _seed(args: Args, seed: int) -> int:
    return int(args["seed"]) * 7919 + seed


@functools.cache
def gate_seat() -> Mesh:
    """A row of four joined airport seats facing +z, centred on x = 0."""
    c, metal = rgba("#3b4f63"), rgba("#9aa1a8")
    parts = [box(2.4, 0.08, 0.05, metal, translate(0, 0.3, 0))]
    for k in range(4):
        x = (k - 1.5) * 0.6
        parts += [
            box(0.52, 0.08, 0.46, c, translate(x, 0.44, 0)),
            box(0.52, 0.55, 0.07, c, translate(x, 0.75, -0.22)),
        ]
    for x in (-1.05, 1.05):
        parts.append(box(0.06, 0.44, 0.4, metal, translate(x, 0.22, 0)))
    return bake(merge(*parts))


@functools.cache
def airliner() -> Mesh:
    """A narrow-body airliner seen from the side, nose towards +x, about 38 m long."""
    white, grey, blue = rgba("#f4f5f7"), rgba("#b9bec4"), rgba("#1f4e8c")
    return bake(
        merge(
            cylinder(2.0, 30.0, white, translate(0, 3.2, 0), axis="x", sections=24),
            ellipsoid(4.5, 2.0, 2.0, white, translate(15.0, 3.2, 0)),
            ellipsoid(5.0, 1.6, 1.6, white, translate(-15.5, 3.5, 0)),
            box(7.0, 6.0, 0.35, blue, translate(-16.5, 7.5, 0)),  # fin
            box(6.0, 0.35, 34.0, grey, translate(-1.0, 2.2, 0)),  # wings
            cylinder(0.9, 3.0, grey, translate(0.5, 1.3, 5.5), axis="x", sections=16),
            cylinder(0.9, 3.0, grey, translate(0.5, 1.3, -5.5), axis="x", sections=16),
            box(30.0, 0.35, 0.02, blue, translate(0, 3.0, 2.0)),  # cheat line
            *[
                cylinder(0.12, 0.6, rgba("#2a2a2a"), translate(x, 0.3, z), axis="z")
                for x, z in ((12.0, 0.0), (-1.0, 2.5), (-1.0, -2.5))
            ],
        )
    )


def build_airport_gate(args: Args, seed: int) -> Built:
    """A departure gate: rows of seats facing a glass wall with an airliner on the apron,
    a boarding desk with a departures screen, and people waiting. The client sits in
    the front row."""
    n = count(args, "passengers")
    s = _seed(args, seed)
    rng = np.random.default_rng(s)
    w, h, d = 22.0, 4.2, 14.0
    zc = -d / 2 + 3.0
    opening = [(-w / 2 + 0.5, w / 2 - 0.5, 0.3, h - 0.3)]
    walls, floors = shell(w, h, d, rgba("#e6e4df"), rgba("#8e949a"), zc, front=opening)
    front_z = zc - d / 2
    parts: list[Part] = [Part("walls", bake(walls)), Part("floor", bake(floors))]
    parts.append(
        Part(
            "glass",
            bake(box(w - 1.0, h - 0.6, 0.03, rgba("#ffffff"))),
            translate(0, h / 2, front_z),
            GLASS,
        )
    )
    mullion = bake(box(0.12, h, 0.14, rgba("#5a6066")))
    for i, x in enumerate(np.arange(-w / 2 + 0.5, w / 2, 3.5)):
        parts.append(Part(f"mullion_{i}", mullion, translate(float(x), 0, front_z)))
    apron = bake(ground_geo(400.0, "concrete", 12), ao=False)
    parts.append(Part("apron", apron, translate(0, -0.6, front_z - 200.0)))
    if args["aircraft"]:
        parts.append(Part("aircraft", airliner(), translate(-2.0, -0.6, front_z - 28.0)))
        bridge = bake(box(2.6, 2.6, 18.0, rgba("#c9ccd0")))
        parts.append(Part("jet_bridge", bridge, translate(8.0, 2.4, front_z - 12.0)))
    desk = merge(
        box(2.4, 1.05, 0.7, rgba("#2d3e50"), translate(0, 0.525, 0)),
        box(1.6, 0.7, 0.06, rgba("#101418"), translate(0, 2.4, -0.3)),
        box(1.5, 0.6, 0.02, rgba("#2a6fb0"), translate(0, 2.4, -0.26)),  # departures screen
    )
    parts.append(Part("desk", bake(desk), translate(6.0, 0, front_z + 2.0)))
    seat = gate_seat()
    spots: list[F32] = []
    for r in range(4):  # rows of seats facing the window; the client in the back row
        for c, x in enumerate((-5.0, -0.9, 3.2)):
            z = -2.2 * r
            at = compose(translate(x, 0, z + 0.15), rot_y(np.pi))
            parts.append(Part(f"seats_{r}_{c}", seat, at))
            for k in range(4):
                sx = (k - 1.5) * 0.6
                spot = at @ translate(sx, 0, 0)
                if np.hypot(spot[0, 3], spot[2, 3]) > 0.4:  # not the client's seat
                    spots.append(spot)
    order = rng.permutation(len(spots))
    seated = [
        (spots[j], int(rng.integers(1 << 30)), True, "neutral") for j in order[: min(n, len(spots))]
    ]
    standing = []
    for i in range(max(0, n - len(spots))):  # the rest queue at the desk
        at = compose(translate(6.0, 0, front_z + 3.2 + 0.8 * i), rot_y(np.pi))
        standing.append((at, int(rng.integers(1 << 30)), False, "neutral"))
    members = seated + standing
    people, anim = crowd("traveller_", members, [0.1] * len(members), s)
    for i in range(3):
        parts.append(
            Part(f"plant_{i}", plant_mesh(1.2, i), translate(-w / 2 + 1.0, 0, front_z + 2 + 3 * i))
        )
    animators: list[Animator] = [anim] if members else []
    glass = [p for p in parts if p.material.transparent]
    terminal = merged("terminal", [p for p in parts if not p.material.transparent])
    return Built(
        root([terminal, *glass, *people]), tuple(animators), stand=(0.0, 0.0, 0.0), eye_height=1.2
    )


def build_waiting_room(args: Args, seed: int) -> Built:
    """A GP's waiting room: chairs along three walls, a reception desk, a low table with
    magazines, posters; the client sits on the chair at the origin, facing -z. The
    nearest other patient sits ``nearest`` metres beside the client."""
    n = count(args, "patients")
    nearest = num(args, "nearest")
    s = _seed(args, seed)
    rng = np.random.default_rng(s)
    w, h, d = 7.0, 2.7, 6.0
    zc = -d / 2 + 0.6
    walls, floors = shell(w, h, d, rgba("#e4ece6"), rgba("#a7b2a9"), zc)
    parts: list[Part] = [Part("walls", bake(walls)), Part("floor", bake(floors))]
    chair = chair_mesh()
    spots: list[F32] = []
    # the client's wall (behind, at z ~ 0): the client's chair, and chairs from
    # ``nearest`` metres to either side of it
    colour = Material(rgba("#4f7a8a"))
    parts.append(Part("client_chair", chair, compose(translate(0, 0, 0.25), rot_y(np.pi)), colour))
    beside: list[F32] = []
    for j in range(4):
        for sx in (1, -1):
            x = sx * (nearest + 0.65 * j)
            if abs(x) < w / 2 - 0.4:
                at = compose(translate(x, 0, 0.25), rot_y(np.pi))  # facing the room
                parts.append(Part(f"chair_back_{len(beside)}", chair, at, colour))
                beside.append(at)
    # the opposite wall and the left wall face the client
    for k in range(8):
        at = compose(translate(-2.3 + k * 0.65, 0, zc - d / 2 + 0.45), rot_y(0.0))
        parts.append(Part(f"chair_front_{k}", chair, at, colour))
        spots.append(at)
    for k in range(5):
        at = compose(translate(-w / 2 + 0.45, 0, -0.9 - k * 0.65), rot_y(np.pi / 2))
        parts.append(Part(f"chair_left_{k}", chair, at, colour))
        spots.append(at)
    desk = merge(
        box(2.0, 1.1, 0.6, rgba("#b9a58a"), translate(0, 0.55, 0)),
        box(0.5, 0.35, 0.04, rgba("#1a1a1a"), translate(0.4, 1.3, -0.1)),
    )
    parts.append(
        Part("reception", bake(desk), compose(translate(w / 2 - 0.6, 0, -2.6), rot_y(-np.pi / 2)))
    )
    table = merge(
        box(1.0, 0.05, 0.5, rgba("#d9d2c4"), translate(0, 0.42, 0)),
        *[
            box(0.04, 0.42, 0.04, rgba("#777777"), translate(x, 0.21, z))
            for x in (-0.45, 0.45)
            for z in (-0.2, 0.2)
        ],
        box(0.25, 0.02, 0.32, rgba("#c0504d"), translate(-0.2, 0.455, 0)),
        box(0.25, 0.02, 0.32, rgba("#4f81bd"), translate(0.15, 0.455, 0.05)),
    )
    parts.append(Part("magazines", bake(table), translate(0, 0, zc)))
    poster = bake(box(0.6, 0.85, 0.01, rgba("#f3d37a")), ao=False)
    parts.append(Part("poster_0", poster, translate(-1.2, 1.6, zc - d / 2 + 0.02)))
    parts.append(
        Part("poster_1", poster, translate(1.5, 1.6, zc - d / 2 + 0.02), Material(rgba("#9ad0e6")))
    )
    parts.append(Part("plant", plant_mesh(1.1, 2), translate(-w / 2 + 0.4, 0, zc - d / 2 + 0.4)))
    # who sits where: the nearest seat first (as many as there are patients), then the room
    order = list(rng.permutation(len(spots)))
    seats = beside[:1] + [spots[j] for j in order] + beside[1:]
    members = [
        (seats[j], int(rng.integers(1 << 30)), True, "neutral") for j in range(min(n, len(seats)))
    ]
    people, anim = crowd("patient_", members, [num(args, "gaze")] * len(members), s)
    return Built(
        root([*parts, *people]), (anim,) if members else (), stand=(0, 0, 0), eye_height=1.2
    )


def _counter_fittings(w: float, back_z: float) -> Mesh:
    """The service counter in front of the client (its front edge 0.45 m ahead), a cake
    display, a till, and on the back wall a menu board, shelves and a coffee machine."""
    wood, top, steel = rgba("#4e3526"), rgba("#e4ddd2"), rgba("#a9adb2")
    front = -0.45
    parts = [
        box(w * 0.6, 1.02, 0.6, wood, translate(0, 0.51, front - 0.3)),
        box(w * 0.6 + 0.06, 0.04, 0.66, top, translate(0, 1.04, front - 0.3)),
        # the cake display (glass-fronted, lit shelves with cakes) to the client's left
        box(0.62, 0.26, 0.42, rgba("#dde9ee"), translate(-1.15, 1.19, front - 0.32)),
        *[
            cylinder(
                0.06, 0.05, rgba(c), translate(-1.37 + 0.15 * k, 1.08, front - 0.3), sections=12
            )
            for k, c in enumerate(("#8b5a2b", "#f3e0b5", "#c0392b", "#f5f0e6"))
        ],
        # the till to the client's right
        box(0.36, 0.12, 0.3, rgba("#2c2f33"), translate(0.7, 1.12, front - 0.35)),
        box(0.3, 0.2, 0.03, rgba("#1d2733"), compose(translate(0.7, 1.3, front - 0.3), rot_y(0.0))),
        box(0.12, 0.02, 0.18, rgba("#3a3f45"), translate(0.35, 1.07, front - 0.15)),  # card reader
        # the back counter, shelves of cups and the coffee machine
        box(w * 0.7, 0.95, 0.55, wood, translate(0, 0.475, back_z + 0.3)),
        box(0.7, 0.5, 0.45, steel, translate(-0.5, 1.2, back_z + 0.3)),
        box(0.5, 0.04, 0.25, rgba("#202020"), translate(-0.5, 1.0, back_z + 0.45)),
        box(w * 0.6, 0.03, 0.25, top, translate(0, 1.55, back_z + 0.14)),
        *[
            cylinder(
                0.04,
                0.08,
                rgba("#f6f6f6"),
                translate(0.2 + 0.12 * k, 1.565, back_z + 0.14),
                base=True,
                sections=10,
            )
            for k in range(8)
        ],
        # the menu board: dark, with lines of light text
        box(2.2, 0.9, 0.04, rgba("#23282b"), translate(0, 2.25, back_z + 0.03)),
        *[
            box(
                0.5 if k % 2 else 0.8,
                0.035,
                0.01,
                rgba("#f2efe6"),
                translate(
                    -0.55 + 1.1 * (k // 6) + (0.15 if k % 2 else 0.0) - 0.15,
                    2.55 - 0.11 * (k % 6),
                    back_z + 0.055,
                ),
            )
            for k in range(12)
        ],
    ]
    return bake(merge(*parts))


def build_service_counter(args: Args, seed: int) -> Built:
    """A café's service counter: the client stands at it (origin, facing -z) to order
    from whoever serves behind it (about 1.4 m ahead); ``queue`` people wait behind the
    client, ``spacing`` metres apart, facing the counter. ``impatience`` is the share of
    them who cross their arms and stare (the rest stand, or look at their phones)."""
    n_queue, spacing = count(args, "queue"), num(args, "spacing")
    impatience, gaze = num(args, "impatience"), num(args, "gaze")
    s = _seed(args, seed)
    rng = np.random.default_rng(s)
    back_z = -2.4
    # room behind the client for the queue: the same café for every queue up to ten
    # people at 0.65 m (the stock levels), so the walls stay put as the queue grows
    behind = max(8.0, spacing * n_queue + 1.5)
    w, d = 6.0, behind - back_z
    zc = (behind + back_z) / 2
    walls, floors = shell(w, 3.0, d, rgba("#e9dcc4"), rgba("#7c5e45"), zc)
    parts: list[Part] = [
        Part("walls", bake(walls)),
        Part("floor", bake(floors)),
        Part("counter", _counter_fittings(w, back_z)),
        Part("plant", plant_mesh(1.1, 1), translate(w / 2 - 0.5, 0, behind - 0.5)),
    ]
    # café tables along the side walls behind the client, clear of the queue's line: a
    # client looking back sees a café, not an empty room
    table, chair = round_table(), chair_mesh()
    for i, (x, z) in enumerate(((1.9, 1.6), (1.9, 3.8), (1.9, 6.0), (-2.2, 2.6))):
        parts.append(Part(f"table_{i}", table, translate(x, 0, z)))
        for k, yaw in enumerate((np.pi / 2, -np.pi / 2)):  # chairs face the table from x
            at = compose(translate(x - np.sin(yaw) * 0.6, 0, z), rot_y(float(yaw)))
            parts.append(Part(f"chair_{i}_{k}", chair, at, Material(rgba("#3c3c3c"))))
    impatient = set(rng.permutation(n_queue)[: round(impatience * n_queue)].tolist())
    members = []
    gazes = []
    # behind the client, facing the counter (-z); the line drifts left, and people stand
    # a little to either side of the one ahead, as in a real queue: a straight line would
    # point at the client, who would see only the nearest person of it looking back
    for q in range(n_queue):
        x = -0.1 * q + (0.25 if q % 2 else -0.25) + float(rng.uniform(-0.06, 0.06))
        at = compose(translate(x, 0, spacing * (q + 1)), rot_y(np.pi + rng.uniform(-0.25, 0.25)))
        mood = "hostile" if q in impatient else ("bored" if q % 3 == 2 else "neutral")
        members.append((at, int(rng.integers(1 << 30)), False, mood))
        gazes.append(max(gaze, 0.6) if q in impatient else gaze)
    people, anim = crowd("waiting_", members, gazes, s)
    return Built(root([*parts, *people]), (anim,) if members else (), stand=(0.0, 0.0, 0.0))
