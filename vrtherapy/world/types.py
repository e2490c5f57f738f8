"""What the world hands to the renderer: meshes, materials, draw items, the environment look.

This module is the contract between ``vrtherapy.world`` (builds scenes; numpy and
trimesh only, never GL) and ``vrtherapy.render`` (draws them). Conventions:
right-handed, metres, +y up, the client faces -z at the start; 4x4 matrices are
numpy float32 arrays acting on column vectors (``world = M @ local``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
U32 = npt.NDArray[np.uint32]
U16 = npt.NDArray[np.uint16]
I64 = npt.NDArray[np.int64]

# One row of instance data per drawn item: the model matrix column by column (16), the
# tint (4), roughness and emissive (2); the renderer uploads a draw table's rows as is.
INSTANCE_FLOATS = 22


@dataclass(frozen=True, eq=False)
class Mesh:
    """Triangle mesh in its own local frame.

    ``key`` is a content hash: two meshes with the same key hold identical data,
    so the renderer uploads a key once and draws all items sharing it instanced.
    ``colors`` are linear RGBA per vertex (ambient occlusion may be baked in).
    """

    key: str
    positions: F32  # (N, 3)
    normals: F32  # (N, 3), unit length
    colors: F32  # (N, 4), linear RGBA
    indices: U32  # (M, 3)


@dataclass(frozen=True)
class Material:
    """Per-item look. ``tint`` multiplies the vertex colours (linear RGBA)."""

    tint: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)
    roughness: float = 0.8
    emissive: float = 0.0  # 0 = lit normally, 1 = fully self-lit (screens, lamps, sky)

    @property
    def transparent(self) -> bool:
        return self.tint[3] < 0.999


@dataclass(frozen=True, eq=False)
class DrawItem:
    mesh: Mesh
    transform: F32  # (4, 4) local -> world
    material: Material = Material()


@dataclass(frozen=True, eq=False)
class SkinnedMesh:
    """A mesh bent by joints and morph targets on the GPU (a character loaded from glTF).

    Each vertex follows up to four joints (``joints`` index the item's joint matrices,
    ``weights`` sum to 1). ``morph_positions``/``morph_normals`` (T, N, 3) are the
    morph targets' deltas, named by ``morph_names``; an item's ``morph_weights`` add
    them to the rest shape before skinning. ``key`` is a content hash, as for Mesh.
    """

    key: str
    positions: F32  # (N, 3)
    normals: F32  # (N, 3)
    colors: F32  # (N, 4), linear RGBA
    indices: U32  # (M, 3)
    joints: U16  # (N, 4)
    weights: F32  # (N, 4)
    morph_positions: F32  # (T, N, 3)
    morph_normals: F32  # (T, N, 3)
    morph_names: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class SkinnedItem:
    """One skinned mesh in one pose: ``joint_matrices`` (J, 4, 4) take the mesh's bind
    space to the draw list's frame (joint world matrix @ inverse bind matrix)."""

    mesh: SkinnedMesh
    joint_matrices: F32  # (J, 4, 4)
    morph_weights: F32  # (T,)
    material: Material = Material()


@dataclass(frozen=True)
class EnvironmentLook:
    """Sky, light and fog for the renderer (linear RGB)."""

    sky_zenith: tuple[float, float, float] = (0.25, 0.45, 0.85)
    sky_horizon: tuple[float, float, float] = (0.75, 0.85, 0.95)
    ground_ambient: tuple[float, float, float] = (0.25, 0.22, 0.2)
    sun_direction: tuple[float, float, float] = (-0.4, -1.0, -0.3)  # direction light travels
    sun_color: tuple[float, float, float] = (1.0, 0.95, 0.85)
    sun_intensity: float = 1.0
    ambient_intensity: float = 0.35
    fog_density: float = 0.0  # exponential fog, per metre
    fog_color: tuple[float, float, float] = (0.75, 0.85, 0.95)
    shadows: bool = False  # the sun casts shadows (a shadow map); indoors and overcast: no


@dataclass(frozen=True)
class InteriorLighting:
    """An interior's own lights, as the renderer gets them: light from above, not
    shadowed, over an axis-aligned box in the draw list's frame (see
    ``world.model.InteriorLight``)."""

    low: tuple[float, float, float]
    high: tuple[float, float, float]
    color: tuple[float, float, float]  # linear RGB x intensity on a floor facing up


# How finely the renderer draws the sun's shadows (``render/shadows.py``): a display
# setting, not a scene's; "off" skips the pass everywhere.
ShadowQuality = Literal["off", "low", "medium", "high"]
SHADOW_QUALITIES: tuple[ShadowQuality, ...] = get_args(ShadowQuality)


@dataclass(frozen=True, eq=False)
class DrawTable:
    """A draw list as arrays, its rows grouped the way the renderer draws them.

    Rows come in *runs* of one mesh each: runs ``[0, opaque)`` are opaque, one per mesh
    key, in order of first appearance (one instanced draw each); runs
    ``[opaque, drawn)`` are transparent items, one row each; the rest hold items that
    draw nothing (fully transparent, or a mesh without triangles). Run ``k`` holds rows
    ``starts[k]:starts[k + 1]``. ``rows`` and ``transforms`` are read-only.
    """

    rows: F32  # (n, INSTANCE_FLOATS): model (column-major), tint, roughness, emissive
    transforms: F32  # (n, 4, 4) the same model matrices, local -> world
    meshes: tuple[Mesh, ...]  # per run
    starts: I64  # (runs + 1,)
    opaque: int
    drawn: int
    materials: tuple[Material, ...]  # per row, as authored (the rows hold them as float32)

    def __len__(self) -> int:
        return len(self.rows)

    def run_rows(self, k: int) -> slice:
        return slice(int(self.starts[k]), int(self.starts[k + 1]))

    def items(self) -> tuple[DrawItem, ...]:
        """The rows as DrawItems (Python objects; for tests and tools, not per frame)."""
        out: list[DrawItem] = []
        for k, mesh in enumerate(self.meshes):
            for r in range(int(self.starts[k]), int(self.starts[k + 1])):
                out.append(DrawItem(mesh, self.transforms[r], self.materials[r]))
        return tuple(out)


class DrawList:
    """Everything needed to draw one moment of a scene; immutable once made.

    Items are placed in the client's frame: world space shifted along x and z so that
    the point the client stands on (e.g. on a balcony, clear of the façade) is at
    x = z = 0, the renderer's tracking origin; y is world height.

    A draw list is made either from DrawItems or, by the world each frame, from a
    :class:`DrawTable` (arrays, no Python object per item); a table's items are made
    only when someone asks for them.
    """

    __slots__ = (
        "_items",
        "_table",
        "environment",
        "eye_height",
        "interior",
        "skinned",
        "standing_height",
    )

    _items: tuple[DrawItem, ...] | None  # made from the table when first asked for
    _table: DrawTable | None
    environment: EnvironmentLook
    eye_height: float  # where the client's eyes start above the floor they stand on
    standing_height: float  # height of the floor the client stands on (balcony, bridge)
    skinned: tuple[SkinnedItem, ...]  # characters, drawn by render/skinned.py
    interior: InteriorLighting | None  # the lights of the interior the client is in

    def __init__(
        self,
        items: Sequence[DrawItem] | None = (),
        environment: EnvironmentLook | None = None,
        eye_height: float = 1.6,
        standing_height: float = 0.0,
        *,
        table: DrawTable | None = None,
        skinned: Sequence[SkinnedItem] = (),
        interior: InteriorLighting | None = None,
    ) -> None:
        if table is not None and items:
            raise ValueError("a draw list is made from items or from a table, not both")
        put = object.__setattr__
        put(self, "_items", None if table is not None else tuple(items or ()))
        put(self, "_table", table)
        put(self, "environment", environment if environment is not None else EnvironmentLook())
        put(self, "eye_height", float(eye_height))
        put(self, "standing_height", float(standing_height))
        put(self, "skinned", tuple(skinned))
        put(self, "interior", interior)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a DrawList is immutable")

    @property
    def items(self) -> tuple[DrawItem, ...]:
        items = self._items
        if items is None:
            assert self._table is not None
            items = self._table.items()
            object.__setattr__(self, "_items", items)
        return items

    @property
    def table(self) -> DrawTable | None:
        """The array form, where the world made this list from one (else None: see
        ``vrtherapy.world.draw_table.table_of``)."""
        return self._table

    def __len__(self) -> int:
        return len(self._table) if self._table is not None else len(self.items)

    def __repr__(self) -> str:
        return f"DrawList({len(self)} items, eye_height={self.eye_height})"
