"""Scale cues below a height: a town square with paving, a road, parked cars, trees,
people, benches and lamp posts, all at their true size and standing on the ground.

People judge a drop by the apparent size of things they know (a car is 4.3 m long, a
person 1.7 m tall), so these are what make 10 m and 60 m look different in a headset.
Every kind of thing is merged into one mesh (a handful of draw calls for the whole
square), with ambient occlusion baked in; each stands on y = 0.
"""

from __future__ import annotations

import functools

import numpy as np

from vrtherapy.world.geometry import (
    RGBA,
    Geo,
    _unit,
    bake,
    box,
    capsule,
    cylinder,
    merge,
    rgba,
    sphere,
)
from vrtherapy.world.model import Args, Built, Part
from vrtherapy.world.procedural.kit import count, num, root
from vrtherapy.world.procedural.surfaces import tiled
from vrtherapy.world.transforms import compose, rot_y, scale, translate
from vrtherapy.world.types import F32, Material

CAR_COLOURS = ("#9b1c1c", "#1f3f7a", "#d8d8d8", "#202020", "#7a7f85", "#c9a227", "#2f6b3a")
CLOTHES = ("#2b3a55", "#7a2e2e", "#3c3c3c", "#b58b4c", "#4f6d4f", "#c7c2b8", "#5b3f6b")
SKIN = ("#e0b494", "#c68c62", "#8d5a3b", "#f1cbb0")
CAR_LENGTH, CAR_WIDTH = 4.3, 1.8
PERSON_HEIGHT = 1.7


def car_geo(colour: RGBA, at: F32) -> Geo:
    """A 4.3 x 1.8 x 1.45 m car along x, wheels on y = 0."""
    return _placed(_car(colour), at)


@functools.cache
def _car(colour: RGBA) -> Geo:
    glass = rgba("#1d2630")
    tyre = rgba("#151515")
    parts = [
        box(CAR_LENGTH, 0.7, CAR_WIDTH, colour, translate(0, 0.65, 0)),
        box(2.3, 0.5, CAR_WIDTH - 0.12, glass, translate(-0.2, 1.2, 0)),
        box(2.0, 0.06, CAR_WIDTH - 0.2, colour, translate(-0.2, 1.46, 0)),
    ]
    hub = 0.33 * np.cos(np.pi / 10)  # a 10-sided wheel rests on its flat bottom edge
    for wx in (-1.35, 1.35):
        for wz in (-0.8, 0.8):
            parts.append(cylinder(0.33, 0.22, tyre, translate(wx, hub, wz), sections=10, axis="z"))
    return merge(*parts)


def tree_geo(height: float, at: F32, seed: int) -> Geo:
    """A deciduous street tree ``height`` metres tall: trunk and a crown of three lobes
    (one of a few shapes, scaled to the height)."""
    return _placed(_tree(seed % 6), compose(at, scale(height / 8.0)))


@functools.cache
def _tree(seed: int, height: float = 8.0) -> Geo:
    rng = np.random.default_rng(seed)
    trunk_h = height * 0.42
    leaf = rgba(("#2f5a22", "#3b6b2a", "#28501e")[seed % 3])
    crown_r = height * 0.27
    parts = [cylinder(0.14 * height / 8, trunk_h + crown_r, rgba("#4a3626"), base=True, sections=8)]
    for k in range(3):
        ox, oz = rng.uniform(-0.35, 0.35, 2) * crown_r
        oy = trunk_h + crown_r * (0.8 + 0.35 * k)
        parts.append(sphere(crown_r * (1.0 - 0.18 * k), leaf, translate(ox, oy, oz), 1))
    return merge(*parts)


def person_geo(at: F32, seed: int) -> Geo:
    """A standing person 1.7 m tall (legs, body, arms, head) facing -z."""
    rng = np.random.default_rng(seed)
    top = int(rng.integers(len(CLOTHES)))
    legs = int(rng.integers(len(CLOTHES)))
    skin = int(rng.integers(len(SKIN)))
    return _placed(_person(top, legs, skin), at)


@functools.cache
def _person_shape() -> tuple[Geo, np.ndarray]:
    """The person's shape (white) and which part each vertex belongs to: 0 legs,
    1 body and arms, 2 head; clothes and skin are coloured in per person."""
    white = (1.0, 1.0, 1.0, 1.0)
    pieces = [
        (box(0.14, 0.82, 0.16, white, translate(-0.1, 0.41, 0)), 0),
        (box(0.14, 0.82, 0.16, white, translate(0.1, 0.41, 0)), 0),
        (capsule(0.19, 0.38, white, translate(0, 1.13, 0), count=(8, 6)), 1),
        (box(0.09, 0.6, 0.1, white, translate(-0.27, 1.1, 0)), 1),
        (box(0.09, 0.6, 0.1, white, translate(0.27, 1.1, 0)), 1),
        (sphere(0.11, white, translate(0, PERSON_HEIGHT - 0.12, 0), 1), 2),
    ]
    region = np.concatenate([np.full(len(g.positions), k) for g, k in pieces])
    return merge(*(g for g, _ in pieces)), region


def _person(top_i: int, legs_i: int, skin_i: int) -> Geo:
    shape, region = _person_shape()
    palette = np.asarray(
        [rgba(CLOTHES[legs_i]), rgba(CLOTHES[top_i]), rgba(SKIN[skin_i])], np.float32
    )
    return Geo(shape.positions, shape.normals, palette[region], shape.indices)


def bench_geo(at: F32) -> Geo:
    wood, iron = rgba("#7a5a3a"), rgba("#2c2c2c")
    parts = [
        box(1.8, 0.06, 0.45, wood, translate(0, 0.45, 0)),
        box(1.8, 0.4, 0.05, wood, translate(0, 0.7, 0.22)),
        box(0.06, 0.45, 0.45, iron, translate(-0.8, 0.225, 0)),
        box(0.06, 0.45, 0.45, iron, translate(0.8, 0.225, 0)),
    ]
    return _placed(merge(*parts), at)


def lamp_geo(at: F32) -> Geo:
    iron = rgba("#2f3336")
    parts = [
        cylinder(0.07, 4.5, iron, base=True, sections=8),
        box(0.7, 0.08, 0.12, iron, translate(0.3, 4.5, 0)),
        box(0.35, 0.12, 0.22, rgba("#f2ecd0"), translate(0.55, 4.42, 0)),
    ]
    return _placed(merge(*parts), at)


def _placed(g: Geo, at: F32) -> Geo:
    """``g`` moved by ``at`` (rotation, translation and a uniform scale)."""
    pos = g.positions @ at[:3, :3].T + at[:3, 3]
    nrm = g.normals @ at[:3, :3].T
    return Geo(pos.astype(np.float32), _unit(nrm.astype(np.float32)), g.colors, g.indices)


@functools.cache
def _square(
    width: float, depth: float, cars: int, trees: int, people: int, seed: int
) -> tuple[Part, ...]:
    rng = np.random.default_rng(seed)
    road_w, road_z = 7.0, -depth * 0.2  # a road across the far half, parallel to x
    bay_z = (road_z - road_w / 2 - 1.1, road_z + road_w / 2 + 1.1)  # parking lanes

    def walk() -> tuple[float, float]:
        """A point on the paving, away from the road and its parking lanes."""
        x = float(rng.uniform(-width / 2 + 2, width / 2 - 2))
        if rng.uniform() < 0.75:  # most on the near side, below the client
            lo, hi = road_z + road_w / 2 + 3, depth / 2 - 2
        else:
            lo, hi = -depth / 2 + 2, road_z - road_w / 2 - 3
        if hi <= lo:  # a square too small for a pavement there: on its edge instead
            return x, depth / 2 - 1
        return x, float(rng.uniform(lo, hi))

    paving = tiled(width, depth, 2.0, "paving", seed)  # 2 m slabs: cheap enough on a CPU rasteriser
    road = merge(
        tiled(width, road_w, 2.0, "asphalt", seed + 1, y=0.012),
        *[
            box(3.0, 0.01, 0.15, rgba("#e8e8e0"), translate(float(x), 0.025, 0))
            for x in np.arange(-width / 2 + 3, width / 2 - 2, 9.0)
        ],
    )
    parts: list[Part] = [
        Part("paving", bake(paving, ao=False), material=Material(roughness=0.9)),
        Part("road", bake(road, ao=False), translate(0, 0, road_z), Material(roughness=0.95)),
    ]
    lines = [
        box(0.12, 0.01, 2.2, rgba("#e8e8e0"), translate(float(x), 0.03, z))
        for z in bay_z
        for x in np.arange(-width / 2 + 2, width / 2 - 1, 5.0)
    ]
    if lines:
        parts.append(Part("bay_lines", bake(merge(*lines), ao=False)))
    car_spots = [
        (float(x) + 2.5, z) for z in bay_z for x in np.arange(-width / 2 + 2, width / 2 - 6, 5.0)
    ]
    order = rng.permutation(len(car_spots))[: min(cars, len(car_spots))]
    car_geos = [
        car_geo(
            rgba(CAR_COLOURS[int(rng.integers(len(CAR_COLOURS)))]),
            translate(car_spots[i][0], 0.0, car_spots[i][1]),
        )
        for i in order
    ]
    if car_geos:
        parts.append(Part("cars", bake(merge(*car_geos)), material=Material(roughness=0.35)))
    tree_row = [road_z - road_w / 2 - 3.2, road_z + road_w / 2 + 3.2]
    xs = np.linspace(-width / 2 + 4, width / 2 - 4, max(1, (trees + 1) // 2))
    tree_geos = [
        tree_geo(float(rng.uniform(7, 10)), translate(float(x), 0, z), seed + k * 7 + i)
        for k, z in enumerate(tree_row)
        for i, x in enumerate(xs)
    ][:trees]
    if tree_geos:
        parts.append(Part("trees", bake(merge(*tree_geos))))
    people_geos = []
    for i in range(people):
        x, z = walk()
        yaw = float(rng.uniform(0, 2 * np.pi))
        people_geos.append(person_geo(compose(translate(x, 0, z), rot_y(yaw)), seed + 100 + i))
    if people_geos:
        parts.append(Part("people", bake(merge(*people_geos))))
    furniture = [
        bench_geo(translate(float(x), 0, tree_row[0] - 2.0))
        for x in np.linspace(-width / 2 + 8, width / 2 - 8, max(2, int(width // 20)))
    ] + [
        lamp_geo(translate(float(x), 0, z + (1.5 if z > road_z else -1.5)))
        for z in tree_row
        for x in np.linspace(-width / 2 + 9, width / 2 - 9, max(2, int(width // 18)))
    ]
    parts.append(Part("street_furniture", bake(merge(*furniture))))
    return tuple(parts)


def build_town_square(args: Args, seed: int) -> Built:
    """A paved square ``width`` x ``depth`` centred on the origin, with a road across it,
    parked cars, street trees, people, benches and lamp posts at true size."""
    parts = _square(
        num(args, "width"),
        num(args, "depth"),
        count(args, "cars"),
        count(args, "trees"),
        count(args, "people"),
        int(args["seed"]) + seed,
    )
    return Built(root(list(parts)))
