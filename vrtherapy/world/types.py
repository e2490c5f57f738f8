"""What the world hands to the renderer: meshes, materials, draw items, the environment look.

This module is the contract between ``vrtherapy.world`` (builds scenes; numpy and
trimesh only, never GL) and ``vrtherapy.render`` (draws them). Conventions:
right-handed, metres, +y up, the client faces -z at the start; 4x4 matrices are
numpy float32 arrays acting on column vectors (``world = M @ local``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
U32 = npt.NDArray[np.uint32]
U16 = npt.NDArray[np.uint16]


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


# How finely the renderer draws the sun's shadows (``render/shadows.py``): a display
# setting, not a scene's; "off" skips the pass everywhere.
ShadowQuality = Literal["off", "low", "medium", "high"]
SHADOW_QUALITIES: tuple[ShadowQuality, ...] = get_args(ShadowQuality)


@dataclass(frozen=True)
class DrawList:
    """Everything needed to draw one moment of a scene; immutable once made.

    Items are placed in the client's frame: world space shifted along x and z so that
    the point the client stands on (e.g. on a balcony, clear of the façade) is at
    x = z = 0, the renderer's tracking origin; y is world height.
    """

    items: tuple[DrawItem, ...]
    environment: EnvironmentLook = field(default_factory=EnvironmentLook)
    eye_height: float = 1.6  # where the client's eyes start above the floor they stand on
    standing_height: float = 0.0  # height of the floor the client stands on (balcony, bridge)
    skinned: tuple[SkinnedItem, ...] = ()  # characters, drawn by render/skinned.py
