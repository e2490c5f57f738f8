"""One builder per kind in :data:`vrtherapy.authoring.procedural.CATALOGUE`.

A builder is a pure function ``(args, seed) -> Built``: ``args`` holds exactly the
kind's catalogue arguments (defaults filled in, references resolved); ``seed`` is
the world's seed, mixed with the kind's own ``seed`` argument where it has one.
"""

from __future__ import annotations

from collections.abc import Callable

from vrtherapy.authoring.procedural import CATALOGUE
from vrtherapy.world.model import Args, Built
from vrtherapy.world.procedural.atrium import build_office_atrium
from vrtherapy.world.procedural.avatar import build_avatar
from vrtherapy.world.procedural.basic import build_box, build_cylinder, build_ground, build_sphere
from vrtherapy.world.procedural.cabin import build_airplane_cabin
from vrtherapy.world.procedural.canyon import build_canyon
from vrtherapy.world.procedural.countdown import build_countdown
from vrtherapy.world.procedural.crowds import (
    build_audience,
    build_bus,
    build_cafe,
    build_shop,
    build_street,
)
from vrtherapy.world.procedural.furniture import (
    build_chair,
    build_client_seat,
    build_desk,
    build_lamp,
    build_plant,
    build_podium,
    build_sofa,
    build_table,
)
from vrtherapy.world.procedural.heights import (
    build_balcony,
    build_bridge,
    build_building,
    build_glass_elevator,
)
from vrtherapy.world.procedural.places import (
    build_airport_gate,
    build_service_counter,
    build_waiting_room,
)
from vrtherapy.world.procedural.rooms import (
    build_calm_room,
    build_elevator_cabin,
    build_room,
    build_small_room,
)
from vrtherapy.world.procedural.spider import build_spider
from vrtherapy.world.procedural.townscape import build_town_square

Builder = Callable[[Args, int], Built]

BUILDERS: dict[str, Builder] = {
    "box": build_box,
    "cylinder": build_cylinder,
    "sphere": build_sphere,
    "ground": build_ground,
    "calm_room": build_calm_room,
    "room": build_room,
    "building": build_building,
    "balcony": build_balcony,
    "glass_elevator": build_glass_elevator,
    "bridge": build_bridge,
    "airplane_cabin": build_airplane_cabin,
    "spider": build_spider,
    "avatar": build_avatar,
    "audience": build_audience,
    "podium": build_podium,
    "cafe": build_cafe,
    "bus": build_bus,
    "shop": build_shop,
    "street": build_street,
    "small_room": build_small_room,
    "elevator_cabin": build_elevator_cabin,
    "plant": build_plant,
    "sofa": build_sofa,
    "table": build_table,
    "chair": build_chair,
    "lamp": build_lamp,
    "desk": build_desk,
    "client_seat": build_client_seat,
    "service_counter": build_service_counter,
    "airport_gate": build_airport_gate,
    "waiting_room": build_waiting_room,
    "countdown": build_countdown,
    "canyon": build_canyon,
    "town_square": build_town_square,
    "office_atrium": build_office_atrium,
}


def defaults(kind: str) -> dict[str, float | int | bool | str]:
    """The catalogue's default arguments of ``kind``."""
    return {k: a.default for k, a in CATALOGUE[kind].items()}


def build(kind: str, args: Args, seed: int = 0) -> Built:
    """Build one object of ``kind``; arguments left out take the catalogue's defaults."""
    full = {**defaults(kind), **args}
    unknown = set(full) - set(CATALOGUE[kind])
    if unknown:
        raise ValueError(f"'{kind}' has no argument(s) {', '.join(sorted(unknown))}")
    return BUILDERS[kind](full, seed)


__all__ = ["BUILDERS", "Builder", "build", "defaults"]
