"""The scene graph as flat arrays: parents come before children, so world matrices are
computed in one vectorised pass per tree depth (a crowd of hundreds moves at once)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vrtherapy.world.model import Part, walk
from vrtherapy.world.types import F32, Material, Mesh

I32 = npt.NDArray[np.int32]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class Fragment:
    """One part tree, flattened (parents first); ``parent`` indexes into the fragment."""

    paths: tuple[str, ...]
    parent: I32
    local: F32
    meshes: tuple[Mesh | None, ...]
    materials: tuple[Material, ...]
    visible: Bools

    def index(self) -> dict[str, int]:
        return {p: i for i, p in enumerate(self.paths)}


def flatten(root: Part) -> Fragment:
    paths: list[str] = []
    parents: list[int] = []
    locals_: list[F32] = []
    meshes: list[Mesh | None] = []
    materials: list[Material] = []
    visible: list[bool] = []
    where: dict[str, int] = {}
    for path, part, parent in walk(root):
        if path in where:
            raise ValueError(f"two parts share the path '{path}'")
        where[path] = len(paths)
        paths.append(path)
        parents.append(-1 if parent is None else where[parent])
        locals_.append(part.transform)
        meshes.append(part.mesh)
        materials.append(part.material)
        visible.append(part.visible)
    return Fragment(
        tuple(paths),
        np.asarray(parents, dtype=np.int32),
        np.stack(locals_).astype(np.float32),
        tuple(meshes),
        tuple(materials),
        np.asarray(visible, dtype=bool),
    )


class SceneGraph:
    """Nodes of a whole scene. ``local`` may be changed in place (animation); the tree
    shape is fixed for the life of the graph."""

    def __init__(
        self,
        names: Sequence[str],
        parent: I32,
        local: F32,
        meshes: Sequence[Mesh | None],
        materials: Sequence[Material],
        visible: Bools,
    ) -> None:
        n = len(names)
        if not (len(parent) == len(local) == len(meshes) == len(materials) == len(visible) == n):
            raise ValueError("scene graph arrays differ in length")
        if np.any(parent >= np.arange(n)):
            raise ValueError("every parent must come before its children")
        self.names = tuple(names)
        self.parent = parent
        self.local = local
        self.meshes = tuple(meshes)
        self.materials = tuple(materials)
        self.visible = visible
        depth = np.zeros(n, dtype=np.int32)
        for i in range(n):  # one pass: parents come first
            if parent[i] >= 0:
                depth[i] = depth[parent[i]] + 1
        self._levels = [np.nonzero(depth == d)[0] for d in range(1, int(depth.max(initial=0)) + 1)]
        self._roots = np.nonzero(parent < 0)[0]
        # the nodes sorted by depth, so that each depth is one slice of them: where each
        # node is in that order, and per depth its slice and its nodes' parents' places
        self._by_depth = np.argsort(depth, kind="stable")
        self._place = np.empty(n, np.int64)
        self._place[self._by_depth] = np.arange(n)
        ends = np.searchsorted(depth[self._by_depth], np.arange(len(self._levels) + 2))
        self._depths = [
            (
                slice(int(ends[d]), int(ends[d + 1])),
                self._place[parent[self._by_depth[ends[d] : ends[d + 1]]]],
            )
            for d in range(1, len(self._levels) + 1)
        ]
        self._index = {name: i for i, name in enumerate(self.names)}

    def __len__(self) -> int:
        return len(self.names)

    def index(self, name: str) -> int:
        return self._index[name]

    def world_matrices(self) -> F32:
        """(N, 4, 4) local -> world for every node, one batched matmul per depth (on the
        nodes sorted by depth, so each depth's result lands in place)."""
        world = self.local.take(self._by_depth, axis=0)
        for at, parents in self._depths:
            np.matmul(world.take(parents, axis=0), world[at], out=world[at])
        out: F32 = world.take(self._place, axis=0)
        return out

    def effective_visibility(self) -> Bools:
        """A node is shown when it and all its ancestors are visible."""
        vis = self.visible.copy()
        for idx in self._levels:
            vis[idx] &= vis[self.parent[idx]]
        return vis


def concatenate(fragments: Sequence[tuple[Fragment, int, str]]) -> tuple[SceneGraph, list[int]]:
    """Join fragments, each given with the graph index of its parent (-1: a root) and a name
    prefix; return the graph and each fragment's offset. A fragment's parent must be in an
    earlier fragment."""
    names: list[str] = []
    parents: list[I32] = []
    offsets: list[int] = []
    offset = 0
    for frag, parent, prefix in fragments:
        offsets.append(offset)
        names.extend(prefix if p == "" else f"{prefix}/{p}" for p in frag.paths)
        par = np.where(frag.parent < 0, -1, frag.parent + offset).astype(np.int32)
        par[0] = parent
        parents.append(par)
        offset += len(frag.paths)
    if not fragments:
        empty = np.zeros(0, np.int32)
        return SceneGraph(
            [], empty, np.zeros((0, 4, 4), np.float32), [], [], empty.astype(bool)
        ), []
    graph = SceneGraph(
        names,
        np.concatenate(parents),
        np.concatenate([f.local for f, _, _ in fragments]).astype(np.float32),
        [m for f, _, _ in fragments for m in f.meshes],
        [m for f, _, _ in fragments for m in f.materials],
        np.concatenate([f.visible for f, _, _ in fragments]),
    )
    return graph, offsets
