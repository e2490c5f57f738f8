"""A river canyon for the footbridges of Rothbaum et al. (1995): rock walls ``depth``
metres high on both sides of a ``span``-metre gap, a rippled river between boulders on
the floor, and trees on the floor and on both rims at true size.

The client's rim is at z >= 0, the far rim at z <= -span (a bridge along -z from the
origin crosses it); the rims are at y = depth, the canyon floor at y = 0, so a bridge
at height ``depth`` stands on the rims. Rock is banded by height (strata), so the walls
themselves show how far down the floor is.
"""

from __future__ import annotations

import functools

import numpy as np

from vrtherapy.world.geometry import Geo, _unit, bake, merge, rgba, sphere
from vrtherapy.world.model import Args, Built, Part
from vrtherapy.world.procedural.kit import count, num, root
from vrtherapy.world.procedural.surfaces import rippled_water
from vrtherapy.world.procedural.townscape import tree_geo
from vrtherapy.world.transforms import translate
from vrtherapy.world.types import Material

RIM = 60.0  # metres of plateau beyond each rim
ROCK_BANDS = ((0.32, 0.24, 0.17), (0.42, 0.33, 0.24), (0.26, 0.2, 0.15), (0.38, 0.31, 0.25))
MOSS = (0.12, 0.2, 0.07)
GRAVEL = (0.36, 0.33, 0.28)


def _profile(z: np.ndarray, depth: float, span: float) -> np.ndarray:
    """Ground height across the canyon (z), before the rock's roughness is added."""
    wall = max(2.0, min(0.25 * span, 0.35 * depth))  # how far each wall leans back
    near = np.clip(-z / wall, 0.0, 1.0)  # 0 at the client's rim, 1 at its foot
    far = np.clip((z + span) / wall, 0.0, 1.0)
    drop = np.minimum(near, far)
    return depth * (1.0 - np.sqrt(drop))  # steepest at the rim, as a cliff edge is


@functools.cache
def _terrain(depth: float, span: float, length: float, seed: int) -> Geo:
    rng = np.random.default_rng(seed)
    cell_x, cell_z = 2.0, min(1.0, span / 20)
    xs = np.linspace(-length / 2, length / 2, int(length / cell_x) + 1)
    zs = np.concatenate(
        [
            np.linspace(RIM, 0.0, 16, endpoint=False),
            np.linspace(0.0, -span, max(8, int(span / cell_z)), endpoint=False),
            np.linspace(-span, -span - RIM, 17),
        ]
    )
    gx, gz = np.meshgrid(xs, zs)
    base = _profile(gz, depth, span)
    slope = (base > 0.02 * depth) & (base < 0.995 * depth)
    rough = (
        np.sin(gx * 0.31 + 1.0) * np.cos(gz * 0.53)
        + 0.5 * np.sin(gx * 1.1 + gz * 0.4 + rng.uniform(0, 6))
        + 0.25 * rng.uniform(-1, 1, gx.shape)
    )
    # walls jut and recede by up to 1.5 m; flat ground only undulates gently
    gz_out = gz + np.where(slope, 0.9 * rough, 0.0)
    # ground only ever dips below the rim, so that a bridge resting on it stays clear
    y = base + np.where(slope, 0.6 * rough, -0.1 - 0.12 * np.abs(rough))
    pos = np.stack([gx, y, gz_out], -1).reshape(-1, 3).astype(np.float32)
    band = ((y / 3.0).astype(int) + (gx > 0)) % len(ROCK_BANDS)
    rock = np.asarray(ROCK_BANDS)[band.ravel()]
    flat = ~slope.ravel()
    colour = np.where(flat[:, None], np.asarray(MOSS)[None, :], rock)
    # grass and gravel speckled vertex by vertex (1–2 m across): a texture of known size
    speckle = rng.uniform(-1, 1, len(colour))[:, None]
    colour = colour * (
        1.0 + 0.15 * rough.ravel()[:, None] + np.where(flat[:, None], 0.35, 0.12) * speckle
    )
    bank = flat & (y.ravel() < 0.5 * depth) & (np.abs(gz.ravel() + span / 2) > 0.22 * span)
    colour = np.where(bank[:, None], np.asarray(GRAVEL)[None, :] * (1 + 0.3 * speckle), colour)
    colors = np.concatenate([colour, np.ones((len(colour), 1))], 1).astype(np.float32)
    nz, nx = gx.shape[0] - 1, gx.shape[1] - 1
    i = (np.arange(nz)[:, None] * (nx + 1) + np.arange(nx)[None, :]).ravel()
    # rows run towards -z, so (i, i+1, i+nx+1) winds counter-clockwise seen from above
    idx = np.concatenate(
        [np.stack([i, i + 1, i + nx + 1], 1), np.stack([i + 1, i + nx + 2, i + nx + 1], 1)]
    ).astype(np.uint32)
    nrm = _vertex_normals(pos, idx)
    return Geo(pos, nrm, colors, idx)


def _vertex_normals(pos: np.ndarray, idx: np.ndarray) -> np.ndarray:
    tri = pos[idx]
    face = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    out = np.zeros_like(pos)
    for k in range(3):
        np.add.at(out, idx[:, k], face)
    out[:, 1] = np.where(np.abs(out).sum(1) == 0, 1.0, out[:, 1])
    return _unit(out.astype(np.float32))


@functools.cache
def _canyon(depth: float, span: float, length: float, trees: int, seed: int) -> tuple[Part, ...]:
    rng = np.random.default_rng(seed + 1)
    wall = max(2.0, min(0.25 * span, 0.35 * depth))
    floor_w = max(1.0, span - 2 * wall)  # the flat canyon floor
    mid = -span / 2
    parts = [
        Part("rock", bake(_terrain(depth, span, length, seed)), material=Material(roughness=0.95))
    ]
    river = rippled_water(length, max(0.8, floor_w * 0.55), y=0.25)
    parts.append(
        Part("river", bake(river, ao=False), translate(0, 0, mid), Material(roughness=0.1))
    )
    boulders = [
        sphere(
            float(rng.uniform(0.4, 1.4)),
            rgba("#6d655a"),
            translate(
                float(rng.uniform(-length / 2, length / 2)),
                0.1,
                mid + float(rng.choice([-1, 1])) * floor_w * float(rng.uniform(0.3, 0.5)),
            ),
            1,
        )
        for _ in range(40)
    ]
    parts.append(Part("boulders", bake(merge(*boulders))))
    spots = []
    for i in range(trees):
        where = i % 3
        x = float(rng.uniform(-length / 2 + 5, length / 2 - 5))
        # trunks start 0.3 m into the ground, which dips at most 0.22 m below its level,
        # so that no tree floats above an uneven patch
        if where == 0:  # on the canyon floor, along the banks
            z, y = mid + float(rng.choice([-1, 1])) * floor_w * 0.42, -0.3
        elif where == 1:  # on the client's rim, keeping the bridge end clear
            z, y = float(rng.uniform(6, RIM - 5)), depth - 0.3
            x = x if abs(x) > 6 else x + 12 * np.sign(x or 1)
        else:
            z, y = -span - float(rng.uniform(6, RIM - 5)), depth - 0.3
            x = x if abs(x) > 6 else x + 12 * np.sign(x or 1)
        spots.append(tree_geo(float(rng.uniform(8, 14)), translate(x, y, z), seed + i))
    if spots:
        parts.append(Part("trees", bake(merge(*spots))))
    return tuple(parts)


def build_canyon(args: Args, seed: int) -> Built:
    return Built(
        root(
            list(
                _canyon(
                    num(args, "depth"),
                    num(args, "span"),
                    num(args, "length"),
                    count(args, "trees"),
                    int(args["seed"]) + seed,
                )
            )
        )
    )
