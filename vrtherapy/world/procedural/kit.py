"""Small helpers shared by the procedural builders."""

from __future__ import annotations

from vrtherapy.world.geometry import RGBA, rgba
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
