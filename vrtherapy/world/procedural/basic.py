"""Plain shapes and the ground. Shapes stand on y = 0."""

from __future__ import annotations

import numpy as np

from vrtherapy.world.geometry import Geo, _unit, bake, box, cylinder, sphere
from vrtherapy.world.model import Args, Built, Part
from vrtherapy.world.procedural.kit import color, num, root
from vrtherapy.world.transforms import translate
from vrtherapy.world.types import Material

SURFACES = {
    "grass": ((0.16, 0.3, 0.07), 0.25),
    "pavement": ((0.36, 0.35, 0.33), 0.12),
    "concrete": ((0.5, 0.49, 0.46), 0.08),
    "sand": ((0.72, 0.6, 0.4), 0.1),
    "water": ((0.05, 0.16, 0.28), 0.15),
}


def build_box(args: Args, seed: int) -> Built:
    mesh = bake(
        box(num(args, "width"), num(args, "height"), num(args, "depth"), color(args), base=True)
    )
    return Built(root([Part("box", mesh)]))


def build_cylinder(args: Args, seed: int) -> Built:
    geo = cylinder(num(args, "radius"), num(args, "height"), color(args), base=True, sections=24)
    return Built(root([Part("cylinder", bake(geo))]))


def build_sphere(args: Args, seed: int) -> Built:
    r = num(args, "radius")
    return Built(root([Part("sphere", bake(sphere(r, color(args), translate(0, r, 0), 3)))]))


def ground_geo(size: float, surface: str, cells: int = 48) -> Geo:
    """A square at y = 0 facing up, with a little per-vertex colour variation."""
    base, vary = SURFACES[surface]
    lin = np.linspace(-size / 2, size / 2, cells + 1, dtype=np.float32)
    gx, gz = np.meshgrid(lin, lin)
    pos = np.stack([gx.ravel(), np.zeros(gx.size, np.float32), gz.ravel()], 1).astype(np.float32)
    # Fixed pattern (no seed needed): smooth value noise from a few sines.
    noise = (np.sin(gx * 0.37) * np.cos(gz * 0.29) + 0.5 * np.sin(gx * 1.3 + gz * 0.7)).ravel()
    shade = 1.0 + vary * noise / 1.5
    col = np.concatenate([np.asarray(base)[None, :] * shade[:, None], np.ones((len(pos), 1))], 1)
    i = np.arange(cells)[:, None] * (cells + 1) + np.arange(cells)[None, :]
    i = i.ravel()
    tri = np.concatenate(
        [np.stack([i, i + cells + 1, i + 1], 1), np.stack([i + 1, i + cells + 1, i + cells + 2], 1)]
    ).astype(np.uint32)
    nrm = _unit(np.tile(np.array([[0, 1, 0]], np.float32), (len(pos), 1)))
    return Geo(pos, nrm, col.astype(np.float32), tri)


def build_ground(args: Args, seed: int) -> Built:
    surface = str(args["surface"])
    mesh = bake(ground_geo(num(args, "size"), surface), ao=False)
    mat = Material(roughness=0.15) if surface == "water" else Material(roughness=0.95)
    return Built(root([Part("ground", mesh, material=mat)]))
