"""Small helpers shared by the procedural builders."""

from __future__ import annotations

import numpy as np

from vrtherapy.world.geometry import RGBA, Geo, bake, merge, rgba, transformed
from vrtherapy.world.model import Args, Part
from vrtherapy.world.transforms import identity
from vrtherapy.world.types import F32, Material

GLASS = Material((0.75, 0.88, 0.95, 0.28), roughness=0.05)
GLASS_DARK = Material((0.35, 0.45, 0.55, 0.85), roughness=0.05, emissive=0.15)


def color(args: Args, key: str = "color") -> RGBA:
    return rgba(str(args[key]))


def num(args: Args, key: str) -> float:
    return float(args[key])


def count(args: Args, key: str) -> int:
    return int(args[key])


def root(children: list[Part], transform: F32 | None = None) -> Part:
    """The root part of a built object (path '')."""
    return Part(
        "", None, identity() if transform is None else transform, Material(), tuple(children)
    )


def node(
    name: str, children: list[Part], transform: F32 | None = None, visible: bool = True
) -> Part:
    """A part with no mesh of its own that groups and places ``children``."""
    return Part(
        name,
        None,
        identity() if transform is None else transform,
        Material(),
        tuple(children),
        visible,
    )


def merged(name: str, parts: list[Part], material: Material | None = None) -> Part:
    """One part whose mesh joins the meshes of ``parts`` and their descendants (placed
    by their transforms, their tints baked into the vertex colours; hidden parts left
    out).

    Static scenery drawn as one mesh costs one draw call per eye instead of one per
    distinct mesh: this keeps scenes with people (whose avatars already use some two
    dozen meshes) inside the frame's GL-call budget.
    """
    geos = []
    stack = [(p, p.transform) for p in parts]
    while stack:
        p, at = stack.pop()
        if not p.visible:
            continue
        stack += [(c, at @ c.transform) for c in p.children]
        if p.mesh is not None:
            m = p.mesh
            colors = m.colors * np.asarray(p.material.tint, dtype=np.float32)
            geos.append(transformed(Geo(m.positions, m.normals, colors, m.indices), at))
    if not geos:
        raise ValueError(f"nothing to merge into '{name}'")
    return Part(name, bake(merge(*geos), ao=False), material=material or Material())
