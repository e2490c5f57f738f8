"""Ground surfaces with a visible texture, in vertex colour (nothing is downloaded):
paving and tiles with crisp joints, grass in patches, asphalt, and water with ripples.

A client judges height by how big familiar things look below them; a ground with a
texture at a known size (0.5 m paving slabs, 1 m floor tiles) is the first such thing.
Each tile gets its own four vertices so that its colour stays crisp at its edges.
"""

from __future__ import annotations

import numpy as np

from vrtherapy.world.geometry import RGBA, Geo, _unit

TILE_STYLES: dict[str, tuple[tuple[float, float, float], float, float]] = {
    # base colour (linear), tile-to-tile variation, joint darkening
    "paving": ((0.33, 0.31, 0.28), 0.18, 0.55),
    "tiles": ((0.55, 0.52, 0.47), 0.08, 0.7),
    "concrete": ((0.42, 0.41, 0.38), 0.07, 0.8),
    "asphalt": ((0.07, 0.07, 0.075), 0.12, 1.0),
    "grass": ((0.12, 0.24, 0.05), 0.3, 1.0),
}


def tiled(
    width: float,
    depth: float,
    tile: float,
    style: str,
    seed: int,
    joint: float = 0.06,
    y: float = 0.0,
) -> Geo:
    """A width x depth rectangle at height ``y``, centred, facing up, made of ``tile``-metre
    squares: each a slightly different shade, inset by ``joint`` metres of darker joint."""
    base, vary, dark = TILE_STYLES[style]
    nx, nz = max(1, round(width / tile)), max(1, round(depth / tile))
    tx, tz = width / nx, depth / nz
    rng = np.random.default_rng(seed)
    gx, gz = np.meshgrid(np.arange(nx), np.arange(nz))
    ix, iz = gx.ravel(), gz.ravel()
    x0 = -width / 2 + ix * tx
    z0 = -depth / 2 + iz * tz
    n = len(ix)
    shade = 1.0 + vary * rng.uniform(-1, 1, n)
    if style == "grass":  # patches of lighter and darker grass a few metres across
        shade *= 1.0 + 0.25 * np.sin(x0 * 0.21 + 1.3) * np.cos(z0 * 0.17)
    cols = [np.asarray(base)[None, :] * shade[:, None]]
    quads = [(x0, z0, x0 + tx, z0 + tz)]
    if dark < 1.0:  # joints: the whole cell dark, the slab on top slightly smaller
        g = min(joint, tx / 4, tz / 4)
        cols = [np.broadcast_to(np.asarray(base) * dark, (n, 3)), cols[0]]
        quads = [quads[0], (x0 + g, z0 + g, x0 + tx - g, z0 + tz - g)]
    geos = []
    for k, ((ax, az, bx, bz), col) in enumerate(zip(quads, cols, strict=True)):
        lift = y + 0.004 * k  # slabs a few millimetres above the joints
        pos = np.stack(
            [
                np.stack([ax, np.full(n, lift), az], 1),
                np.stack([ax, np.full(n, lift), bz], 1),
                np.stack([bx, np.full(n, lift), bz], 1),
                np.stack([bx, np.full(n, lift), az], 1),
            ],
            1,
        ).reshape(-1, 3)
        geos.append((pos, np.repeat(col, 4, axis=0)))
    pos = np.concatenate([g[0] for g in geos]).astype(np.float32)
    col3 = np.concatenate([g[1] for g in geos])
    colors = np.concatenate([col3, np.ones((len(col3), 1))], 1).astype(np.float32)
    q = (np.arange(len(pos) // 4) * 4)[:, None]
    idx = np.concatenate([q + np.array([0, 1, 2]), q + np.array([0, 2, 3])]).astype(np.uint32)
    nrm = np.tile(np.array([[0, 1, 0]], np.float32), (len(pos), 1))
    return Geo(pos, nrm, colors, idx)


WATER: RGBA = (0.03, 0.12, 0.2, 1.0)


def rippled_water(width: float, depth: float, cell: float = 0.8, y: float = 0.0) -> Geo:
    """Water with ripples: a grid whose height and shade follow a few crossing wave
    trains (crests lighter, troughs darker), so that its distance can be judged."""
    nx, nz = max(2, round(width / cell)), max(2, round(depth / cell))
    xs = np.linspace(-width / 2, width / 2, nx + 1)
    zs = np.linspace(-depth / 2, depth / 2, nz + 1)
    gx, gz = np.meshgrid(xs, zs)
    waves = ((0.9, 0.3, 0.0), (0.4, 1.1, 1.7), (1.7, -0.8, 0.6), (0.23, 0.19, 2.2))
    h = np.zeros_like(gx)
    dhx = np.zeros_like(gx)
    dhz = np.zeros_like(gx)
    for kx, kz, phase in waves:
        amp = 0.05 / np.hypot(kx, kz) ** 0.5
        arg = kx * gx + kz * gz + phase
        h += amp * np.sin(arg)
        dhx += amp * kx * np.cos(arg)
        dhz += amp * kz * np.cos(arg)
    pos = np.stack([gx, y + h, gz], -1).reshape(-1, 3).astype(np.float32)
    nrm = _unit(np.stack([-dhx, np.ones_like(h), -dhz], -1).reshape(-1, 3).astype(np.float32))
    crest = (h / max(float(np.abs(h).max()), 1e-6)).ravel()
    shade = 1.0 + 0.45 * crest
    col = np.asarray(WATER[:3])[None, :] * shade[:, None]
    colors = np.concatenate([col, np.ones((len(col), 1))], 1).astype(np.float32)
    i = (np.arange(nz)[:, None] * (nx + 1) + np.arange(nx)[None, :]).ravel()
    idx = np.concatenate(
        [np.stack([i, i + nx + 1, i + 1], 1), np.stack([i + 1, i + nx + 1, i + nx + 2], 1)]
    ).astype(np.uint32)
    return Geo(pos, nrm, colors, idx)
