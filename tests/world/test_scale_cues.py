"""Scale cues below heights: true sizes, standing on the ground, textured ground."""

from __future__ import annotations

import numpy as np
import pytest

from vrtherapy.world.procedural import build
from vrtherapy.world.procedural.surfaces import rippled_water, tiled
from vrtherapy.world.procedural.townscape import (
    CAR_LENGTH,
    PERSON_HEIGHT,
    bench_geo,
    car_geo,
    lamp_geo,
    person_geo,
    tree_geo,
)
from vrtherapy.world.transforms import identity, translate


def test_props_have_their_true_size_and_stand_on_the_ground() -> None:
    for geo, height in (
        (car_geo((1, 0, 0, 1), identity()), 1.49),
        (person_geo(identity(), 3), PERSON_HEIGHT),
        (bench_geo(identity()), 0.9),
        (lamp_geo(identity()), 4.56),
    ):
        lo, hi = geo.positions.min(0), geo.positions.max(0)
        assert lo[1] == pytest.approx(0.0, abs=1e-4)  # nothing floats
        assert hi[1] == pytest.approx(height, abs=0.05)
    car = car_geo((1, 0, 0, 1), identity()).positions
    assert np.ptp(car[:, 0]) == pytest.approx(CAR_LENGTH, abs=0.01)
    tree = tree_geo(9.0, translate(2, 0, 3), 1).positions
    assert tree[:, 1].min() == pytest.approx(0.0, abs=1e-4)
    assert 7.5 < tree[:, 1].max() < 11


def test_the_town_square_stands_on_its_paving() -> None:
    built = build("town_square", {"cars": 10, "trees": 6, "people": 20})
    parts = {p.name: p for p in built.root.children}
    assert {"paving", "road", "cars", "trees", "people", "street_furniture"} <= set(parts)
    for name in ("cars", "trees", "people", "street_furniture"):
        mesh = parts[name].mesh
        assert mesh is not None
        assert mesh.positions[:, 1].min() == pytest.approx(0.0, abs=1e-4), name
    people = parts["people"].mesh
    assert people is not None
    # twenty heads at 1.7 m: the people are spread over the square, not stacked
    heads = people.positions[people.positions[:, 1] > PERSON_HEIGHT - 0.02]
    assert len(np.unique(np.round(heads[:, [0, 2]]), axis=0)) >= 15


def test_ground_textures_have_crisp_tiles_and_ripples() -> None:
    paving = tiled(10, 10, 1.0, "paving", 1)
    shades = np.unique(np.round(paving.colors[:, 0], 4))
    assert len(shades) > 50  # each slab its own shade, joints darker
    water = rippled_water(20, 20)
    assert np.ptp(water.positions[:, 1]) > 0.05  # ripples in the surface
    assert np.ptp(water.colors[:, 2]) > 0.05  # and lighter crests


def test_canyon_trees_stand_in_the_ground_not_above_it() -> None:
    built = build("canyon", {"depth": 20, "span": 30, "trees": 30})
    parts = {p.name: p for p in built.root.children}
    rock, trees = parts["rock"].mesh, parts["trees"].mesh
    assert rock is not None and trees is not None
    # the lowest trunk vertices: each is below the rock surface at its (x, z)
    trunk_feet = trees.positions[trees.positions[:, 1] < 0.0]
    assert len(trunk_feet) > 0
    for foot in trunk_feet[:: max(1, len(trunk_feet) // 20)]:
        near = np.linalg.norm(rock.positions[:, [0, 2]] - foot[[0, 2]], axis=1) < 2.5
        assert foot[1] < rock.positions[near, 1].max()
