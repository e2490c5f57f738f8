"""The vocabulary of procedural objects a scenario may place, with their arguments.

Scene authors write ``procedural: balcony`` and ``args: {height: $height}``;
this catalogue is what the loader checks those names and values against. The
world builders (``vrtherapy.world``) implement one builder per kind listed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

ArgType = Literal["number", "int", "boolean", "choice", "color"]


@dataclass(frozen=True)
class Arg:
    type: ArgType
    default: float | int | bool | str
    description: str
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()

    def coerce(self, value: Any) -> float | int | bool | str:
        """``value`` as this argument takes it: a number brought into range (rounded for a
        whole number), else the default where ``value`` is not of the argument's kind."""
        if self.type in ("number", "int"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                return self.default
            x = float(value)
            if self.min is not None:
                x = max(self.min, x)
            if self.max is not None:
                x = min(self.max, x)
            return round(x) if self.type == "int" else x
        if self.type == "boolean":
            return value if isinstance(value, bool) else self.default
        if self.type == "choice":
            return value if value in self.choices else self.default
        return value if isinstance(value, str) and value.startswith("#") else self.default


def _n(default: float, lo: float, hi: float, description: str) -> Arg:
    return Arg("number", default, description, lo, hi)


def _i(default: int, lo: int, hi: int, description: str) -> Arg:
    return Arg("int", default, description, lo, hi)


def _b(default: bool, description: str) -> Arg:
    return Arg("boolean", default, description)


def _c(default: str, choices: tuple[str, ...], description: str) -> Arg:
    return Arg("choice", default, description, choices=choices)


def _col(default: str, description: str) -> Arg:
    return Arg("color", default, description)


def _size(width: float = 1.0, height: float = 1.0, depth: float = 1.0) -> dict[str, Arg]:
    """width, depth and height arguments (metres) with the given defaults."""
    return {
        "width": _n(width, 0.01, 500, "size along x, metres"),
        "depth": _n(depth, 0.01, 500, "size along z, metres"),
        "height": _n(height, 0.01, 500, "size along y, metres"),
    }


SIZE = _size()

CATALOGUE: dict[str, dict[str, Arg]] = {
    "box": {**SIZE, "color": _col("#b0b0b0", "surface colour")},
    "cylinder": {
        "radius": _n(0.5, 0.01, 100, "radius, metres"),
        "height": _n(1.0, 0.01, 500, "height, metres"),
        "color": _col("#b0b0b0", "surface colour"),
    },
    "sphere": {
        "radius": _n(0.5, 0.01, 100, "radius, metres"),
        "color": _col("#b0b0b0", "surface colour"),
    },
    "ground": {
        "size": _n(200, 1, 5000, "edge length of the square ground, metres"),
        "surface": _c("grass", ("grass", "pavement", "concrete", "sand", "water"), "material"),
    },
    "calm_room": {
        "width": _n(5, 2, 20, "room width, metres"),
        "depth": _n(6, 2, 20, "room depth, metres"),
        "plants": _i(3, 0, 12, "number of potted plants"),
        "window_view": _c("sea", ("sea", "forest", "meadow"), "what the window shows"),
    },
    "room": {
        **_size(width=4.0, height=2.7, depth=5.0),
        "wall_color": _col("#d8d4cc", "wall colour"),
        "door": _b(True, "draw a door"),
        "windows": _i(0, 0, 8, "number of windows"),
    },
    "building": {
        "floors": _i(10, 1, 80, "number of storeys"),
        "floor_height": _n(3.5, 2.4, 6, "height of one storey, metres"),
        "atrium": _b(True, "open atrium in the middle"),
        "width": _n(30, 5, 200, "footprint width, metres"),
        "depth": _n(30, 5, 200, "footprint depth, metres"),
    },
    "balcony": {
        "height": _n(0, 0, 500, "balcony floor height above the ground, metres"),
        "width": _n(3, 0.5, 20, "width, metres"),
        "depth": _n(1.5, 0.5, 10, "how far it sticks out, metres"),
        "railing": _b(True, "railing present"),
        "railing_height": _n(1.1, 0.2, 1.6, "railing height, metres"),
        "glass_floor": _b(False, "transparent floor"),
    },
    "glass_elevator": {
        "height": _n(0, 0, 500, "cabin floor height, metres"),
        "rail": _b(True, "waist rail inside the cabin"),
        "glass_floor": _b(False, "a glass cabin floor that shows the drop"),
    },
    "bridge": {
        "length": _n(20, 2, 300, "length, metres"),
        "width": _n(1.5, 0.3, 10, "walkway width, metres"),
        "height": _n(7, 0, 500, "height above the ground, metres"),
        "style": _c("solid", ("solid", "rope"), "construction"),
        "slat_gap": _n(0.0, 0, 0.6, "gap between slats of a rope bridge, metres"),
        "sway": _n(0.0, 0, 1, "how much it moves in the wind, 0..1"),
        "cliffs": _b(True, "block cliffs at both ends (off where the terrain is built apart)"),
    },
    "canyon": {
        "depth": _n(7, 2, 200, "from the rims down to the river, metres"),
        "span": _n(30, 5, 150, "width of the gap between the rims, metres"),
        "length": _n(240, 50, 600, "length along the river, metres"),
        "trees": _i(24, 0, 80, "trees on the canyon floor and both rims"),
        "seed": _i(0, 0, 1_000_000, "layout seed"),
    },
    "town_square": {
        "width": _n(120, 10, 400, "size along x, metres"),
        "depth": _n(60, 10, 400, "size along z, metres"),
        "cars": _i(20, 0, 200, "parked cars"),
        "trees": _i(12, 0, 100, "street trees"),
        "people": _i(30, 0, 300, "people standing and walking"),
        "seed": _i(0, 0, 1_000_000, "layout seed"),
    },
    "office_atrium": {
        "floors": _i(10, 2, 60, "number of storeys"),
        "floor_height": _n(4, 3, 6, "height of one storey, metres"),
        "width": _n(16, 8, 40, "width of the open void, metres"),
        "depth": _n(12, 8, 40, "depth of the open void (across from the client), metres"),
        "client_floor": _i(1, 1, 60, "the floor the client stands on (1: the lobby)"),
        "barrier_height": _n(
            1.1, 0, 1.3, "the balustrade in front of the client, metres (0: gone)"
        ),
        "platform": _n(0, 0, 6, "how far a platform reaches out over the drop, metres"),
        "walkway": _b(False, "a walkway across the void (its rails at the barrier height)"),
        "walkway_width": _n(1.2, 0.6, 3, "walkway width, metres"),
    },
    "airplane_cabin": {
        "rows": _i(12, 2, 60, "seat rows"),
        "window_shade": _b(False, "window shade closed"),
        "phase": _c(
            "parked",
            (
                "parked",
                "engines_on",
                "taxi",
                "takeoff",
                "cruise",
                "landing",
                "boarding",
                "doors_closed",
            ),
            "flight phase shown outside the window",
        ),
        "turbulence": _n(0.0, 0, 1, "turbulence: the horizon rolls and loose objects shake, 0..1"),
        "passengers": _i(30, 0, 180, "other passengers seated in the rows ahead"),
        "seed": _i(0, 0, 1_000_000, "passenger seed"),
    },
    "airport_gate": {
        "passengers": _i(12, 0, 80, "people waiting at the gate"),
        "aircraft": _b(True, "an aircraft parked at the gate, seen through the windows"),
        "seed": _i(0, 0, 1_000_000, "layout seed"),
    },
    "spider": {
        "size": _n(0.05, 0.005, 0.5, "body length, metres"),
        "speed": _n(0.0, 0, 1, "walking speed, metres per second"),
        "contained": _b(False, "inside a glass jar"),
        "lid": _b(True, "the jar's lid is on (with contained)"),
        "count": _i(1, 1, 20, "number of spiders"),
        "roam": _n(0.0, 0, 2, "how far each spider wanders from its spot, metres (0: a little)"),
        "species": _c(
            "house", ("house", "garden", "wolf", "tarantula"), "what the spider looks like"
        ),
        "seed": _i(0, 0, 1_000_000, "variation seed"),
    },
    "avatar": {
        "seed": _i(0, 0, 1_000_000, "appearance seed"),
        "pose": _c("standing", ("standing", "seated"), "posture"),
        "attitude": _c(
            "neutral",
            ("friendly", "interested", "neutral", "bored", "hostile"),
            "posture, gaze, hands and face (vrtherapy.world.attitude)",
        ),
        "gaze": _n(0.5, 0, 1, "how often the avatar looks at the client, 0..1"),
        # who the person is; "any" (and skin 0) leaves it to the seed
        "sex": _c("any", ("any", "female", "male"), "body shape and hair (any: from the seed)"),
        "age": _c("any", ("any", "young", "middle", "older"), "older: grey hair, a little shorter"),
        "skin": _i(0, 0, 7, "skin tone, 1 (lightest) .. 7 (darkest); 0: from the seed"),
        "hair": _c("any", ("any", "short", "long", "bun", "bald"), "hair style"),
        "build": _c("any", ("any", "slim", "average", "heavy"), "body width and depth"),
        "stature": _c("any", ("any", "short", "average", "tall"), "height for the sex"),
        "outfit": _c("any", ("any", "casual", "formal"), "formal: dark suit colours"),
    },
    "audience": {
        "size": _i(8, 0, 200, "number of people"),
        "attitude": _c(
            "neutral",
            ("positive", "neutral", "negative", "interested", "bored", "hostile"),
            "how the audience behaves (positive: interested; negative: bored and hostile)",
        ),
        "rows": _i(2, 1, 20, "seat rows"),
        "seed": _i(0, 0, 1_000_000, "appearance seed"),
    },
    "podium": {
        "height": _n(1.1, 0.5, 1.5, "lectern height, metres"),
        "notes": _b(False, "the speaker's notes lie on the lectern"),
    },
    "countdown": {
        "seconds": _n(300, 0, 5999, "time shown when the scene starts, seconds"),
        "running": _b(True, "counting down (otherwise it shows the time, still)"),
        "size": _n(0.6, 0.1, 4, "width of the display, metres"),
    },
    "cafe": {
        "tables": _i(6, 1, 40, "number of tables"),
        "patrons": _i(4, 0, 80, "number of people sitting"),
        "style": _c("cafe", ("cafe", "pub"), "a café (counter, round tables) or a pub (bar)"),
        "gaze": _n(0.2, 0, 1, "share of the time people glance at the client, 0..1"),
        "nearest": _n(2.5, 0.6, 6, "distance from the client to the nearest table, metres"),
        "seed": _i(0, 0, 1_000_000, "layout seed"),
    },
    "bus": {
        "passengers": _i(6, 0, 60, "number of passengers"),
        "standing": _i(0, 0, 40, "passengers standing in the aisle"),
        "gaze": _n(0.2, 0, 1, "share of the time people glance at the client, 0..1"),
        "seed": _i(0, 0, 1_000_000, "layout seed"),
    },
    "shop": {
        "aisles": _i(4, 1, 20, "number of aisles"),
        "shoppers": _i(4, 0, 80, "number of shoppers"),
        "queue": _i(0, 0, 12, "people queueing at the till with the client"),
        "spacing": _n(1.0, 0.4, 2, "distance between people in the queue, metres"),
        "gaze": _n(0.2, 0, 1, "share of the time people glance at the client, 0..1"),
        "seed": _i(0, 0, 1_000_000, "layout seed"),
    },
    "street": {
        "length": _n(80, 10, 500, "length, metres"),
        "pedestrians": _i(10, 0, 200, "number of pedestrians"),
        "traffic": _i(4, 0, 60, "number of cars"),
        "gaze": _n(0.2, 0, 1, "share of the time people glance at the client, 0..1"),
        "seed": _i(0, 0, 1_000_000, "layout seed"),
    },
    "waiting_room": {
        "patients": _i(6, 0, 30, "people waiting"),
        "nearest": _n(1.2, 0.5, 5, "distance from the client to the nearest person, metres"),
        "gaze": _n(0.2, 0, 1, "share of the time people glance at the client, 0..1"),
        "seed": _i(0, 0, 1_000_000, "layout seed"),
    },
    "small_room": {
        **_size(width=2.0, height=2.3, depth=2.0),
        "door_open": _b(True, "door open"),
        "light": _n(1.0, 0, 1, "light level, 0..1"),
    },
    "elevator_cabin": {
        "width": _n(1.4, 0.8, 4, "cabin width, metres"),
        "depth": _n(1.4, 0.8, 4, "cabin depth, metres"),
        "doors_open": _b(True, "doors open"),
        "occupants": _i(0, 0, 10, "other people inside"),
        "light": _n(1.0, 0, 1, "light level, 0..1"),
        "flicker": _n(0.0, 0, 1, "how much the ceiling light flickers, 0..1"),
        "between_floors": _b(False, "stopped between floors: the open doors show shaft wall"),
    },
    "service_counter": {
        "queue": _i(3, 0, 12, "people queueing behind the client"),
        "spacing": _n(0.9, 0.4, 2, "distance between people in the queue, metres"),
        "impatience": _n(
            0.0, 0, 1, "share of the people waiting who cross their arms and stare, 0..1"
        ),
        "gaze": _n(0.2, 0, 1, "share of the time people waiting glance at the client, 0..1"),
        "seed": _i(0, 0, 1_000_000, "layout seed"),
    },
    "desk": {
        "width": _n(1.6, 1.0, 3, "desk width, metres"),
        "depth": _n(0.8, 0.5, 1.4, "desk depth, metres"),
        "laptop": _b(True, "a laptop open in front of the person behind the desk"),
        "papers": _b(True, "papers (a CV, a notepad and a pen) on the desk"),
        "chair": _b(True, "an office chair behind the desk"),
        "chair_color": _col("#333a44", "the office chair's upholstery"),
    },
    "client_seat": {
        "eye_height": _n(1.2, 0.9, 1.4, "the seated client's eye height, metres"),
        "color": _col("#4a4a52", "chair colour"),
    },
    "plant": {"height": _n(1.0, 0.1, 4, "height, metres"), "seed": _i(0, 0, 1_000_000, "seed")},
    "sofa": {"width": _n(2.0, 0.8, 4, "width, metres"), "color": _col("#6f8f9f", "fabric")},
    "table": {**SIZE, "color": _col("#8a6a4a", "wood colour")},
    "chair": {"color": _col("#5a4a3a", "colour")},
    "lamp": {"height": _n(1.6, 0.3, 3, "height, metres"), "lit": _b(True, "light switched on")},
}
