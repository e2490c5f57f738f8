"""An office atrium after Freeman et al. (2018): galleries round an open void on every
floor, a lobby at the bottom with people, plants and seating at true size, and at the
client's gallery a glass barrier that lowers, a platform that extends over the drop and
a walkway across.

The client stands on the south gallery (+z) facing north (-z) across the void; the
builder says where (``Built.stand``), on the platform's end when it is out.
"""

from __future__ import annotations

import functools

import numpy as np

from vrtherapy.world.geometry import Geo, bake, box, cylinder, merge, rgba, sphere
from vrtherapy.world.model import Args, Built, Part
from vrtherapy.world.procedural.heights import STEEL
from vrtherapy.world.procedural.kit import GLASS, count, node, num, root
from vrtherapy.world.procedural.surfaces import tiled
from vrtherapy.world.procedural.townscape import bench_geo, person_geo
from vrtherapy.world.transforms import compose, rot_y, translate
from vrtherapy.world.types import Material

GALLERY = 3.0  # depth of the open corridor round the void on every floor, metres
WALL = rgba("#d9d3c6")
SLAB = rgba("#bdb6a8")
DOOR = rgba("#5d4a38")
OFFICE_GLASS = rgba("#6f8797")
BARRIER_SPAN = 3.0  # the stretch of balustrade in front of the client that lowers
PLATFORM_WIDTH = 1.2
# every ten floors the slab edges and office doors change colour, as in many tall
# buildings: floor 10 and floor 20 of a tall atrium then look different, as they do
FLOOR_ACCENTS = ("#c8bfae", "#3f74b5", "#c0502e", "#4f9a3a", "#d9a520", "#8050b0", "#2f9a95")


def accent(floor: int) -> tuple[float, float, float, float]:
    """The slab-edge colour of storey ``floor`` (1 = the lobby)."""
    return rgba(FLOOR_ACCENTS[(floor // 10) % len(FLOOR_ACCENTS)])


@functools.cache
def _shell(floors: int, fh: float, iw: float, id_: float, gap_floor: int) -> tuple[Part, ...]:
    """Everything that does not change with the client's tasks: the four sides, the
    gallery slabs and balustrades of every floor (on ``gap_floor`` the client's stretch
    of the south balustrade is left out), the lobby and the skylight."""
    h = floors * fh
    ow, od = iw + 2 * GALLERY, id_ + 2 * GALLERY
    walls = [
        box(ow + 0.4, h, 0.4, WALL, translate(0, h / 2, -od / 2 - 0.2)),
        box(ow + 0.4, h, 0.4, WALL, translate(0, h / 2, od / 2 + 0.2)),
        box(0.4, h, od, WALL, translate(-ow / 2 - 0.2, h / 2, 0)),
        box(0.4, h, od, WALL, translate(ow / 2 + 0.2, h / 2, 0)),
    ]
    slabs: list[Geo] = []
    rails: list[Geo] = []
    panes: list[Geo] = []
    fronts: list[Geo] = []
    for k in range(1, floors):
        y = k * fh
        # gallery slabs: north and south full width, east and west between them
        edge = accent(k + 1)
        for sz in (-1, 1):
            slabs.append(
                box(ow, 0.3, GALLERY, SLAB, translate(0, y - 0.15, sz * (od - GALLERY) / 2))
            )
            slabs.append(box(iw, 0.9, 0.06, edge, translate(0, y - 0.45, sz * (id_ / 2 + 0.03))))
        for sx in (-1, 1):
            slabs.append(
                box(GALLERY, 0.3, id_, SLAB, translate(sx * (ow - GALLERY) / 2, y - 0.15, 0))
            )
            slabs.append(box(0.06, 0.9, id_, edge, translate(sx * (iw / 2 + 0.03), y - 0.45, 0)))
        # balustrades on the void's edge: a handrail and glass below it
        for sz in (-1, 1):
            z = sz * id_ / 2
            spans = [(-iw / 2, iw / 2)]
            if sz > 0 and k + 1 == gap_floor:
                spans = [(-iw / 2, -BARRIER_SPAN / 2), (BARRIER_SPAN / 2, iw / 2)]
            for a, b in spans:
                c, length = (a + b) / 2, b - a
                rails.append(box(length, 0.06, 0.08, STEEL, translate(c, y + 1.1, z)))
                pane = box(length, 1.0, 0.02, (1.0, 1.0, 1.0, 1.0), translate(c, y + 0.55, z))
                panes.append(pane)
        for sx in (-1, 1):
            x = sx * iw / 2
            rails.append(box(0.08, 0.06, id_, STEEL, translate(x, y + 1.1, 0)))
            panes.append(box(0.02, 1.0, id_, (1.0, 1.0, 1.0, 1.0), translate(x, y + 0.55, 0)))
    for k in range(floors):
        y = k * fh
        # office fronts on the walls: glass bays and doors along each floor
        for sz in (-1, 1):
            for x in np.arange(-ow / 2 + 2.5, ow / 2 - 2, 5.0):
                at = translate(float(x), y + 1.4, sz * (od / 2 - 0.02))
                fronts.append(box(3.6, 2.2, 0.05, OFFICE_GLASS, at))
        for sx in (-1, 1):
            for z in np.arange(-od / 2 + 3.5, od / 2 - 3, 5.0):
                at = translate(sx * (ow / 2 - 0.02), y + 1.05, float(z))
                fronts.append(box(0.05, 2.1, 1.0, accent(k + 1) if k else DOOR, at))
    rng = np.random.default_rng(7)
    lobby_things: list[Geo] = []
    for i, (x, z) in enumerate(
        [(-iw / 2 + 1.2, -id_ / 2 + 1.2), (iw / 2 - 1.2, -id_ / 2 + 1.2),
         (-iw / 2 + 1.2, id_ / 2 - 1.2), (iw / 2 - 1.2, id_ / 2 - 1.2)]
    ):  # fmt: skip
        lobby_things.append(cylinder(0.35, 0.5, rgba("#6a5a4a"), translate(x, 0.25, z)))
        lobby_things.append(sphere(0.6, rgba("#3d6b2e"), translate(x, 1.0 + 0.1 * i, z), 1))
    lobby_things.append(box(3.0, 1.1, 0.8, rgba("#4c4038"), translate(0, 0.55, -id_ / 2 + 1.0)))
    for x in (-3.0, 3.0):
        lobby_things.append(bench_geo(translate(x, 0, 1.5)))
    spots = [
        (float(rng.uniform(-iw / 2 + 1, iw / 2 - 1)), float(rng.uniform(-id_ / 2 + 2, id_ / 2 - 1)))
        for _ in range(40)
    ]
    # keep the lobby clear round where the client stands at the south edge
    spots = [(x, z) for x, z in spots if abs(x) > 2.5 or z < id_ / 2 - 4][:12]
    people = [
        person_geo(compose(translate(x, 0, z), rot_y(float(rng.uniform(0, 2 * np.pi)))), 300 + i)
        for i, (x, z) in enumerate(spots)
    ]
    floor = tiled(ow, od, 1.0, "tiles", 11)
    skylight = box(iw, 0.05, id_, (1.0, 1.0, 1.0, 1.0), translate(0, h, 0))
    roof = merge(
        box(ow + 0.8, 0.4, GALLERY, SLAB, translate(0, h + 0.2, -(od - GALLERY) / 2)),
        box(ow + 0.8, 0.4, GALLERY, SLAB, translate(0, h + 0.2, (od - GALLERY) / 2)),
        box(GALLERY, 0.4, id_, SLAB, translate(-(ow - GALLERY) / 2, h + 0.2, 0)),
        box(GALLERY, 0.4, id_, SLAB, translate((ow - GALLERY) / 2, h + 0.2, 0)),
    )
    parts = [
        Part("walls", bake(merge(*walls, roof))),
        Part("lobby_floor", bake(floor, ao=False), material=Material(roughness=0.4)),
        Part("lobby", bake(merge(*lobby_things))),
        Part("lobby_people", bake(merge(*people))),
        Part("office_fronts", bake(merge(*fronts)), material=Material(roughness=0.2)),
        Part("skylight", bake(skylight, ao=False), material=GLASS),
    ]
    if slabs:
        parts += [
            Part("galleries", bake(merge(*slabs))),
            Part("handrails", bake(merge(*rails))),
            Part("balustrade_glass", bake(merge(*panes), ao=False), material=GLASS),
        ]
    return tuple(parts)


def build_office_atrium(args: Args, seed: int) -> Built:
    """The atrium; the client on the south gallery of ``client_floor`` (1 = the lobby)."""
    floors, fh = count(args, "floors"), num(args, "floor_height")
    iw, id_ = num(args, "width"), num(args, "depth")
    level = min(count(args, "client_floor"), floors)
    y = (level - 1) * fh
    barrier = num(args, "barrier_height")
    reach = num(args, "platform")
    edge = id_ / 2
    parts = list(_shell(floors, fh, iw, id_, level))
    task: list[Part] = []
    walkway = bool(args["walkway"])
    if (
        barrier > 0.01 and not walkway and level > 1
    ):  # the lobby has no edge to guard  # the client's stretch of balustrade, at its own height
        bar = merge(
            box(BARRIER_SPAN, 0.06, 0.1, STEEL, translate(0, barrier, 0)),
            box(BARRIER_SPAN, barrier, 0.03, (1.0, 1.0, 1.0, 1.0), translate(0, barrier / 2, 0)),
        )
        task.append(Part("barrier", bake(bar, ao=False), material=GLASS))
    if reach > 0.01:  # a grated steel platform out over the void, no rail
        deck = merge(
            box(PLATFORM_WIDTH, 0.08, reach, rgba("#70757a"), translate(0, -0.04, -reach / 2)),
            *[
                box(PLATFORM_WIDTH, 0.02, 0.04, rgba("#3a3d40"), translate(0, 0.005, -float(z)))
                for z in np.arange(0.2, reach, 0.3)
            ],
            box(0.1, 0.25, reach, STEEL, translate(-PLATFORM_WIDTH / 2, -0.2, -reach / 2)),
            box(0.1, 0.25, reach, STEEL, translate(PLATFORM_WIDTH / 2, -0.2, -reach / 2)),
        )
        task.append(Part("platform", bake(deck)))
    if walkway:  # across the void to the north gallery; its side rails at the barrier height
        wide = num(args, "walkway_width")
        pieces = [box(wide, 0.15, id_, rgba("#9a9286"), translate(0, -0.075, -id_ / 2))]
        if barrier > 0.01:
            pieces += [
                box(0.05, 0.05, id_, STEEL, translate(sx * wide / 2, barrier, -id_ / 2))
                for sx in (-1, 1)
            ] + [
                box(0.04, barrier, 0.04, STEEL, translate(sx * wide / 2, barrier / 2, -float(z)))
                for sx in (-1, 1)
                for z in np.arange(0.5, id_, 1.5)
            ]
        task.append(Part("walkway", bake(merge(*pieces))))
    parts.append(node("task", task, translate(0, y, edge)))
    if walkway:
        stand = (0.0, y, edge - 0.5)
    elif reach > 0.01:
        stand = (0.0, y, edge - max(0.0, reach - 0.4))
    else:
        stand = (0.0, y, edge + 0.6)
    return Built(root(parts), stand=stand)
