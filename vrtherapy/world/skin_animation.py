"""Sampling a character's animation clips and posing its skeleton (pure numpy).

clip time → every channel's value at that time (all channels of a kind in one
vectorised step: STEP, LINEAR with spherical interpolation of rotations, and
CUBICSPLINE Hermite curves, as the glTF 2.0 specification defines them) → node
local matrices → world matrices (one batched product per tree depth) → joint
matrices (world @ inverse bind), which the GPU skins with.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from vrtherapy.world.character import CUBIC, LINEAR, STEP, Character, Clip, SkinnedPart, Track
from vrtherapy.world.types import F32

F64 = npt.NDArray[np.float64]


def sample_track(track: Track, t: float, rotation: bool = False) -> F64:
    """Every channel's value at time ``t`` (clamped to each channel's keys), (C, D)."""
    c = len(track.nodes)
    if c == 0:
        return np.zeros((0, track.values.shape[-1]))
    rows = np.arange(c)
    first = track.times[:, 0]
    last = track.times[rows, track.counts - 1]
    tt = np.clip(t, first, last)
    k = np.clip((track.times <= tt[:, None]).sum(axis=1) - 1, 0, np.maximum(track.counts - 2, 0))
    t0 = track.times[rows, k]
    t1 = track.times[rows, k + 1]
    dt = t1 - t0
    single = dt <= 0  # one key, or past the last
    u = np.where(single, 0.0, (tt - t0) / np.where(single, 1.0, dt))
    v0 = track.values[rows, k, 1]
    v1 = track.values[rows, k + 1, 1]
    out = v0.copy()
    lin = track.modes == LINEAR
    if lin.any():
        if rotation:
            out[lin] = slerp(v0[lin], v1[lin], u[lin])
        else:
            out[lin] = v0[lin] + (v1[lin] - v0[lin]) * u[lin, None]
    step = track.modes == STEP
    out[step] = np.where((u[step] >= 1.0)[:, None], v1[step], v0[step])
    cub = track.modes == CUBIC
    if cub.any():
        s = u[cub, None]
        d = dt[cub, None]
        b0 = track.values[rows, k, 2][cub] * d  # out-tangent of the key before
        a1 = track.values[rows, k + 1, 0][cub] * d  # in-tangent of the key after
        s2, s3 = s * s, s * s * s
        out[cub] = (
            (2 * s3 - 3 * s2 + 1) * v0[cub]
            + (s3 - 2 * s2 + s) * b0
            + (-2 * s3 + 3 * s2) * v1[cub]
            + (s3 - s2) * a1
        )
    if rotation:
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    result: F64 = out
    return result


def slerp(q0: F64, q1: F64, u: F64) -> F64:
    """Spherical interpolation of unit quaternions (N, 4) by (N,), the short way round."""
    dot = np.sum(q0 * q1, axis=1)
    q1 = np.where((dot < 0)[:, None], -q1, q1)
    dot = np.abs(dot)
    near = dot > 0.9995  # almost parallel: linear, then normalised
    theta = np.arccos(np.clip(dot, -1.0, 1.0))
    sin = np.where(near, 1.0, np.sin(theta))
    w0 = np.where(near, 1.0 - u, np.sin((1.0 - u) * theta) / sin)
    w1 = np.where(near, u, np.sin(u * theta) / sin)
    q = w0[:, None] * q0 + w1[:, None] * q1
    out: F64 = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
    return out


def compose(translation: F64, rotation: F64, scale: F64) -> F32:
    """(N, 4, 4) T @ R @ S from translations, x-y-z-w quaternions and scales."""
    x, y, z, w = rotation.T
    n = len(translation)
    m = np.zeros((n, 4, 4))
    m[:, 0, 0] = 1 - 2 * (y * y + z * z)
    m[:, 0, 1] = 2 * (x * y - z * w)
    m[:, 0, 2] = 2 * (x * z + y * w)
    m[:, 1, 0] = 2 * (x * y + z * w)
    m[:, 1, 1] = 1 - 2 * (x * x + z * z)
    m[:, 1, 2] = 2 * (y * z - x * w)
    m[:, 2, 0] = 2 * (x * z - y * w)
    m[:, 2, 1] = 2 * (y * z + x * w)
    m[:, 2, 2] = 1 - 2 * (x * x + y * y)
    m[:, :3, :3] *= scale[:, None, :]
    m[:, :3, 3] = translation
    m[:, 3, 3] = 1.0
    return m.astype(np.float32)


def local_pose(character: Character, clip: Clip | None, t: float) -> F32:
    """Every node's local matrix (n, 4, 4) at clip time ``t`` (the rest pose where the
    clip has no channel; ``clip`` None: the rest pose)."""
    tr = character.translation.copy()
    rot = character.rotation.copy()
    sc = character.scale.copy()
    if clip is not None:
        tr[clip.translation.nodes] = sample_track(clip.translation, t)
        rot[clip.rotation.nodes] = sample_track(clip.rotation, t, rotation=True)
        sc[clip.scale.nodes] = sample_track(clip.scale, t)
    return compose(tr, rot, sc)


def morph_weights(character: Character, clip: Clip | None, t: float) -> tuple[F32, ...]:
    """Each skinned part's morph weights at clip time ``t``: the clip's weight channel on
    the part's node where it has one, else the mesh's own weights."""
    by_node: dict[int, F32] = {}
    if clip is not None:
        for w in clip.weights:
            by_node[w.node] = sample_track(w.track, t)[0].astype(np.float32)
    out = []
    for part in character.skinned:
        got = by_node.get(part.node)
        n = len(part.default_weights)
        out.append(got[:n] if got is not None and len(got) >= n else part.default_weights.copy())
    return tuple(out)


def depth_levels(parent: npt.NDArray[np.int32]) -> tuple[npt.NDArray[np.int64], ...]:
    """The nodes of a parents-first tree at each depth below the roots."""
    depth = np.zeros(len(parent), dtype=np.int64)
    for i in range(len(parent)):
        if parent[i] >= 0:
            depth[i] = depth[parent[i]] + 1
    return tuple(np.nonzero(depth == d)[0] for d in range(1, int(depth.max(initial=0)) + 1))


def world_pose(
    parent: npt.NDArray[np.int32],
    local: F32,
    levels: tuple[npt.NDArray[np.int64], ...] | None = None,
) -> F32:
    """World matrices of a parents-first tree, one batched product per depth (pass
    ``levels`` from :func:`depth_levels` to skip working them out)."""
    world = local.copy()
    for idx in depth_levels(parent) if levels is None else levels:
        world[idx] = world[parent[idx]] @ local[idx]
    return world


def joint_matrices(part: SkinnedPart, world: F32) -> F32:
    """(J, 4, 4) the part's bind space to the world, for the skinning shader."""
    out: F32 = (world[part.joints] @ part.inverse_binds).astype(np.float32)
    return out


def clip_time(clip: Clip, t: float) -> float:
    """Clip time of world time ``t``: clips loop."""
    return float(np.mod(t, clip.duration)) if clip.duration > 0 else 0.0
