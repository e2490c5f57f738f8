"""A small skinned, morph-targeted glTF character made in the test (through pygltflib):
a square bar 2 m tall standing on the origin, bound to two joints.

- joints: ``Root`` at the origin and ``Head`` 1 m up (its child); the lower half of
  the bar follows Root, the upper half Head, the ring at 1 m both equally;
- morph targets ``jawOpen`` (the top ring moves 0.5 m towards +x) and ``smile``
  (the ring at 1.5 m moves 0.3 m towards -x), named in ``mesh.extras.targetNames``;
- clip ``bend``: Head turns from upright (t = 0) to 90° about -z (t = 1 s), bending
  the top half over towards +x, LINEAR; and the jawOpen weight from 0 to 1 (LINEAR);
- a red base colour (factor), so the bar is easy to find in pixels.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pygltflib as g

RINGS = (0.0, 0.5, 1.0, 1.5, 2.0)
HALF = 0.1  # the bar is 0.2 m square
RED = (0.8, 0.02, 0.02, 1.0)
JAW_SHIFT = 0.5
SMILE_SHIFT = -0.3


def bar_arrays() -> dict[str, np.ndarray]:
    corners = [(-HALF, -HALF), (HALF, -HALF), (HALF, HALF), (-HALF, HALF)]
    positions = np.array([(x, y, z) for y in RINGS for (x, z) in corners], dtype=np.float32)
    normals = positions * np.array([1, 0, 1], np.float32)
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    tris: list[tuple[int, int, int]] = []
    for r in range(len(RINGS) - 1):
        for c in range(4):
            a, b = r * 4 + c, r * 4 + (c + 1) % 4
            tris += [(a, a + 4, b), (b, a + 4, b + 4)]  # outward, counter-clockwise
    top = (len(RINGS) - 1) * 4
    tris += [(top, top + 3, top + 2), (top, top + 2, top + 1), (0, 1, 2), (0, 2, 3)]
    y = positions[:, 1]
    joints = np.zeros((len(positions), 4), np.uint16)
    joints[:, 1] = 1
    weights = np.zeros((len(positions), 4), np.float32)
    weights[:, 0] = np.where(y < 1.0, 1.0, np.where(y > 1.0, 0.0, 0.5))
    weights[:, 1] = 1.0 - weights[:, 0]
    jaw = np.zeros_like(positions)
    jaw[np.isclose(y, 2.0), 0] = JAW_SHIFT
    smile = np.zeros_like(positions)
    smile[np.isclose(y, 1.5), 0] = SMILE_SHIFT
    ibm = np.stack([np.eye(4), np.eye(4)]).astype(np.float32)
    ibm[1, 1, 3] = -1.0  # Head's bind pose is 1 m up
    head_rot = np.array([[0, 0, 0, 1], [0, 0, -math.sin(math.pi / 4), math.cos(math.pi / 4)]])
    return {
        "positions": positions,
        "normals": normals.astype(np.float32),
        "indices": np.array(tris, dtype=np.uint16).reshape(-1),
        "joints": joints,
        "weights": weights,
        "jaw": jaw,
        "smile": smile,
        "ibm": ibm.transpose(0, 2, 1).reshape(-1, 16),  # column-major
        "times": np.array([0.0, 1.0], np.float32),
        "head_rot": head_rot.astype(np.float32),
        "jaw_weights": np.array([0.0, 0.0, 1.0, 0.0], np.float32),
        # CUBICSPLINE keys: in-tangent, value, out-tangent per key (tangents zero)
        "head_rot_cubic": np.stack(
            [np.zeros(4), head_rot[0], np.zeros(4), np.zeros(4), head_rot[1], np.zeros(4)]
        ).astype(np.float32),
    }


def skinned_bar(
    path: Path, *, edit: Callable[[Any], None] | None = None, rotation: str = "LINEAR"
) -> Path:
    """Write the bar as a GLB (or .gltf, by suffix) and return its path; ``rotation`` is
    the interpolation of the clip's Head rotation (STEP, LINEAR or CUBICSPLINE)."""
    arrays = bar_arrays()
    blob = bytearray()
    views: list[g.BufferView] = []
    accessors: list[g.Accessor] = []

    def add(name: str, kind: str, component: int, target: int | None = None) -> int:
        data = np.ascontiguousarray(arrays[name]).tobytes()
        while len(blob) % 4:
            blob.append(0)
        views.append(g.BufferView(buffer=0, byteOffset=len(blob), byteLength=len(data)))
        if target is not None:
            views[-1].target = target
        blob.extend(data)
        arr = arrays[name]
        count = len(arr) if kind != "SCALAR" else arr.size
        acc = g.Accessor(bufferView=len(views) - 1, componentType=component, count=count, type=kind)
        if name == "positions":
            acc.min = arr.min(axis=0).tolist()
            acc.max = arr.max(axis=0).tolist()
        if name == "times":
            acc.min, acc.max = [float(arr.min())], [float(arr.max())]
        accessors.append(acc)
        return len(accessors) - 1

    pos = add("positions", g.VEC3, g.FLOAT, g.ARRAY_BUFFER)
    nrm = add("normals", g.VEC3, g.FLOAT, g.ARRAY_BUFFER)
    idx = add("indices", g.SCALAR, g.UNSIGNED_SHORT, g.ELEMENT_ARRAY_BUFFER)
    jnt = add("joints", g.VEC4, g.UNSIGNED_SHORT, g.ARRAY_BUFFER)
    wgt = add("weights", g.VEC4, g.FLOAT, g.ARRAY_BUFFER)
    jaw = add("jaw", g.VEC3, g.FLOAT, g.ARRAY_BUFFER)
    smile = add("smile", g.VEC3, g.FLOAT, g.ARRAY_BUFFER)
    ibm = add("ibm", g.MAT4, g.FLOAT)
    times = add("times", g.SCALAR, g.FLOAT)
    head_rot = add("head_rot" if rotation != "CUBICSPLINE" else "head_rot_cubic", g.VEC4, g.FLOAT)
    jaw_w = add("jaw_weights", g.SCALAR, g.FLOAT)

    gltf = g.GLTF2(
        scene=0,
        scenes=[g.Scene(nodes=[0, 1])],
        nodes=[
            g.Node(name="Body", mesh=0, skin=0),
            g.Node(name="Root", children=[2]),
            g.Node(name="Head", translation=[0.0, 1.0, 0.0]),
        ],
        meshes=[
            g.Mesh(
                name="Bar",
                primitives=[
                    g.Primitive(
                        attributes=g.Attributes(
                            POSITION=pos, NORMAL=nrm, JOINTS_0=jnt, WEIGHTS_0=wgt
                        ),
                        indices=idx,
                        material=0,
                        targets=[{"POSITION": jaw}, {"POSITION": smile}],
                    )
                ],
                weights=[0.0, 0.0],
                extras={"targetNames": ["jawOpen", "smile"]},
            )
        ],
        materials=[
            g.Material(
                pbrMetallicRoughness=g.PbrMetallicRoughness(
                    baseColorFactor=list(RED), metallicFactor=0.0, roughnessFactor=0.9
                )
            )
        ],
        skins=[g.Skin(name="Rig", joints=[1, 2], inverseBindMatrices=ibm)],
        animations=[
            g.Animation(
                name="bend",
                samplers=[
                    g.AnimationSampler(input=times, output=head_rot, interpolation=rotation),
                    g.AnimationSampler(input=times, output=jaw_w, interpolation="LINEAR"),
                ],
                channels=[
                    g.AnimationChannel(
                        sampler=0, target=g.AnimationChannelTarget(node=2, path="rotation")
                    ),
                    g.AnimationChannel(
                        sampler=1, target=g.AnimationChannelTarget(node=0, path="weights")
                    ),
                ],
            )
        ],
        accessors=accessors,
        bufferViews=views,
        buffers=[g.Buffer(byteLength=len(blob))],
    )
    gltf.set_binary_blob(bytes(blob))
    if edit is not None:
        edit(gltf)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".gltf":
        gltf.convert_buffers(g.BufferFormat.DATAURI)
    gltf.save(str(path))
    return path
