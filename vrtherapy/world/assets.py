"""Mesh assets (glTF, GLB, OBJ) loaded through trimesh, with their own node hierarchy.

Texture and material colours become per-vertex colours (trimesh samples the
texture at each vertex's UV through Pillow). A file that is missing or cannot
be read raises :class:`AssetError` naming it; the world then shows
:func:`placeholder` in its place and records the problem.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import trimesh

from vrtherapy.world.geometry import Geo, box, make_mesh
from vrtherapy.world.geometry import bake as _bake
from vrtherapy.world.model import Part
from vrtherapy.world.transforms import identity
from vrtherapy.world.types import F32, Material, Mesh

log = logging.getLogger(__name__)
SUFFIXES = (".glb", ".gltf", ".obj")


class AssetError(Exception):
    """An asset file is missing or broken; the message names the file."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"asset '{name}': {reason}")
        self.name = name
        self.reason = reason


def _linear(c: np.ndarray) -> F32:
    s = np.asarray(c, dtype=np.float32) / 255.0
    rgb = np.where(s[:, :3] <= 0.04045, s[:, :3] / 12.92, ((s[:, :3] + 0.055) / 1.055) ** 2.4)
    return np.concatenate([rgb, s[:, 3:4]], axis=1).astype(np.float32)


def _vertex_colors(tm: trimesh.Trimesh) -> F32:
    visual: Any = tm.visual
    if visual is None or visual.kind is None:
        return np.ones((len(tm.vertices), 4), dtype=np.float32) * np.float32(0.8)
    if visual.kind == "texture":
        visual = visual.to_color()
    colors = np.asarray(visual.vertex_colors)
    if colors.shape != (len(tm.vertices), 4):
        return np.full((len(tm.vertices), 4), 0.8, dtype=np.float32)
    return _linear(colors)


def mesh_of(tm: trimesh.Trimesh) -> Mesh:
    """A Mesh with the file's own normals (trimesh computes them where the file has none)."""
    return make_mesh(
        np.asarray(tm.vertices, dtype=np.float32),
        np.asarray(tm.vertex_normals, dtype=np.float32),
        _vertex_colors(tm),
        np.asarray(tm.faces, dtype=np.uint32),
    )


def part_of_scene(scene: trimesh.Scene, name: str) -> Part:
    """The scene's node tree as parts; node transforms are kept as each part's transform."""
    forest = scene.graph.transforms
    meshes: dict[str, Mesh] = {}
    for gname, geom in scene.geometry.items():
        if isinstance(geom, trimesh.Trimesh) and len(geom.faces):
            meshes[gname] = mesh_of(geom)

    def build(node: str, parent: str | None, index: int) -> Part:
        edge = forest.edge_data.get((parent, node), {}) if parent is not None else {}
        matrix = np.asarray(edge.get("matrix", np.eye(4)), dtype=np.float32)
        geometry = edge.get("geometry")
        kids = forest.children.get(node, [])
        children = tuple(build(k, node, i) for i, k in enumerate(kids))
        return Part(
            f"n{index}_{_safe(node)}",
            meshes.get(geometry) if geometry is not None else None,
            matrix,
            Material(),
            children,
        )

    base = scene.graph.base_frame
    kids = forest.children.get(base, [])
    return Part(
        _safe(name),
        None,
        identity(),
        Material(),
        tuple(build(k, str(base), i) for i, k in enumerate(kids)),
    )


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "_-." else "_" for ch in str(name))


class AssetLoader:
    """Finds and loads asset files, each once; ``loads`` counts actual file reads."""

    def __init__(self, dirs: Sequence[Path]) -> None:
        self.dirs = [Path(d) for d in dirs]
        self.loads = 0
        self._cache: dict[tuple[Path, float], Part] = {}

    def find(self, name: str) -> Path:
        for d in self.dirs:
            candidate = (d / name).resolve()
            if candidate.is_file():
                return candidate
        looked = ", ".join(str(d) for d in self.dirs) or "nowhere (no asset folders given)"
        raise AssetError(name, f"file not found (looked in: {looked})")

    def load(self, name: str) -> Part:
        if not name.lower().endswith(SUFFIXES):
            raise AssetError(name, f"unsupported file type (use one of {', '.join(SUFFIXES)})")
        path = self.find(name)
        key = (path, path.stat().st_mtime)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        self.loads += 1
        try:
            scene = trimesh.load(str(path), force="scene")
        except Exception as e:  # trimesh raises many kinds for a broken file
            raise AssetError(name, f"could not be read ({type(e).__name__}: {e})") from e
        if not isinstance(scene, trimesh.Scene) or not any(
            isinstance(g, trimesh.Trimesh) and len(g.faces) for g in scene.geometry.values()
        ):
            raise AssetError(name, "contains no triangle meshes")
        part = part_of_scene(scene, Path(name).stem)
        self._cache[key] = part
        return part


def placeholder() -> Part:
    """A 1 m magenta and grey box standing on the floor: plainly 'something is missing here'."""
    return Part("missing_asset", _placeholder_mesh(), identity(), Material(roughness=0.9))


def _placeholder_mesh() -> Mesh:
    cube = box(1.0, 1.0, 1.0, (1.0, 0.0, 1.0, 1.0), base=True)
    # Alternate magenta and grey on neighbouring faces so it reads as a placeholder.
    grey = np.abs(cube.normals[:, 1]) > 0.5
    colors = cube.colors.copy()
    colors[grey] = (0.5, 0.5, 0.5, 1.0)
    return _bake(Geo(cube.positions, cube.normals, colors, cube.indices), ao=False)
