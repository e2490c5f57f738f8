"""The world: scene graph, procedural builders, asset loading, avatar rig and animation.

numpy and trimesh only, never GL. ``build_world(spec, values)`` makes a
:class:`World`; ``World.draw_list()`` hands the renderer an immutable snapshot
(see :mod:`vrtherapy.world.types`).
"""

from vrtherapy.world.assets import AssetError, AssetLoader
from vrtherapy.world.model import AvatarBatch, AvatarControls, Built, Part
from vrtherapy.world.procedural import BUILDERS, build
from vrtherapy.world.types import DrawItem, DrawList, EnvironmentLook, Material, Mesh
from vrtherapy.world.world import World, build_world

__all__ = [
    "BUILDERS",
    "AssetError",
    "AssetLoader",
    "AvatarBatch",
    "AvatarControls",
    "Built",
    "DrawItem",
    "DrawList",
    "EnvironmentLook",
    "Material",
    "Mesh",
    "Part",
    "World",
    "build",
    "build_world",
]
