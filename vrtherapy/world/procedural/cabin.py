"""An airplane cabin: the client sits in a left window seat; rows ahead, windows along
both sides, and what is outside depends on the flight phase."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace

import numpy as np

from vrtherapy.world.geometry import Geo, bake, box, cylinder, ellipsoid, merge, rgba
from vrtherapy.world.model import Animator, Args, Built, InteriorLight, Part, PoseContext
from vrtherapy.world.procedural.avatar import crowd
from vrtherapy.world.procedural.basic import ground_geo
from vrtherapy.world.procedural.kit import count, merged, node, root
from vrtherapy.world.procedural.rooms import wall
from vrtherapy.world.transforms import compose, rot_x, rot_y, rot_z, translate
from vrtherapy.world.types import F32, Material, Mesh

PITCH = 0.8  # seat row spacing, metres
SEAT_X = (-1.35, -0.85, -0.35, 0.35, 0.85, 1.35)  # 3 + 3 abreast, the client in the first
HALF = 1.75  # half the cabin's inner width
# the cabin's ceiling lights by day, warm white: a floor under them about as bright as
# one under the indoor presets' key light (world/environment.py), while the sun comes in
# only through the windows
CABIN_LIGHTS = (0.62, 0.58, 0.5)


@functools.cache
def seat_mesh() -> Mesh:
    c = rgba("#2f4a6d")
    return bake(
        merge(
            box(0.46, 0.12, 0.46, c, translate(0, 0.45, 0)),
            box(0.46, 0.56, 0.1, c, translate(0, 0.77, 0.25)),  # backrest behind the sitter
            box(0.05, 0.2, 0.45, rgba("#3a3a3a"), translate(0.24, 0.6, 0)),
            box(0.4, 0.39, 0.35, rgba("#3a3a3a"), translate(0, 0.2, 0)),
        )
    )


def _window() -> tuple[Mesh, Mesh]:
    c = rgba("#dcdcd6")  # a rounded-looking surround: four bevelled bars round the opening
    frame = bake(
        merge(
            box(0.08, 0.035, 0.32, c, translate(0, 0.195, 0)),
            box(0.08, 0.035, 0.32, c, translate(0, -0.195, 0)),
            box(0.08, 0.42, 0.035, c, translate(0, 0, 0.145)),
            box(0.08, 0.42, 0.035, c, translate(0, 0, -0.145)),
        ),
        ao=False,
    )
    shade = bake(box(0.02, 0.36, 0.27, rgba("#d9d4c8")), ao=False)
    return frame, shade


EYE = (0.0, 1.15, 0.0)  # the client's eyes, seated at the window (cabin frame)


@dataclass(frozen=True, eq=False)
class Flight:
    """Moves the outside (ground, clouds) for the phase: taxiing rolls the ground past,
    take-off and landing move it away and closer, the cabin pitches a little.

    Turbulence (0..1) rocks the world outside about the client's eyes — pitch tilts
    the horizon seen through the side window, roll lifts and drops it — and shakes the
    cabin's loose objects a little. The client's own view point never moves: what
    moves is the world around them, as it looks from a seat."""

    phase: str
    turbulence: float = 0.0

    def bumps(self, t: float) -> tuple[float, float, float]:
        """(pitch, roll, heave) of the turbulence at ``t``: sums of incommensurate
        sines, so the motion never repeats visibly; up to ±7° and ±0.5 m when severe."""
        a = self.turbulence
        if a <= 0.0:
            return 0.0, 0.0, 0.0
        pitch = 0.6 * np.sin(1.3 * t) + 0.3 * np.sin(3.1 * t + 1.0) + 0.1 * np.sin(7.7 * t)
        roll = 0.6 * np.sin(0.9 * t + 2.0) + 0.3 * np.sin(2.3 * t) + 0.1 * np.sin(6.1 * t + 3)
        heave = 0.7 * np.sin(1.7 * t + 0.5) + 0.3 * np.sin(4.3 * t)
        k = np.radians(7.0) * a
        return float(k * pitch), float(k * roll), float(0.5 * a * heave)

    def rocking(self, t: float) -> F32:
        pitch, roll, heave = self.bumps(t)
        if pitch == roll == heave == 0.0:
            return np.eye(4, dtype=np.float32)
        return compose(
            translate(EYE[0], EYE[1] + heave, EYE[2]),
            rot_x(pitch),
            rot_z(roll),
            translate(-EYE[0], -EYE[1], -EYE[2]),
        ).astype(np.float32)

    def loose(self, t: float) -> F32:
        """The cup on the tray table: slides and rattles with the turbulence."""
        a = self.turbulence
        dx = 0.02 * a * np.sin(5.3 * t) + 0.01 * a * np.sin(11.0 * t)
        dy = 0.006 * a * max(0.0, float(np.sin(8.9 * t)))
        return translate(float(dx), float(dy), float(0.015 * a * np.sin(4.1 * t + 1)))

    def outside(self, t: float) -> F32:
        if self.phase == "taxi":
            return translate(0, -3.2, float(np.mod(6.0 * t, 20.0)))
        if self.phase == "takeoff":
            climb = min(t, 40.0)
            return translate(0, -3.2 - 0.2 * climb * climb, float(np.mod(70.0 * t, 20.0)))
        if self.phase == "landing":
            left = max(0.0, 40.0 - np.mod(t, 40.0))
            return translate(0, -3.2 - 0.15 * left * left, float(np.mod(65.0 * t, 20.0)))
        if self.phase == "cruise":
            return (self.rocking(t) @ translate(0, -3000.0, 0)).astype(np.float32)
        return translate(0, -3.2, 0)

    def cabin(self, t: float) -> F32:
        tilt = {"takeoff": -0.12, "landing": 0.05}.get(self.phase, 0.0)
        still = self.phase in ("parked", "boarding", "doors_closed")
        shake = 0.0 if still else 0.0015 * np.sin(2 * np.pi * 9.0 * t)
        shake += 0.004 * self.turbulence * np.sin(2 * np.pi * 6.3 * t)
        return (rot_x(tilt) @ translate(0, float(shake), 0)).astype(np.float32)


@dataclass(frozen=True, eq=False)
class FlightAnimator(Animator):
    flight: Flight

    cup_rest: F32 = field(default_factory=lambda: np.eye(4, dtype=np.float32))

    @property
    def paths(self) -> tuple[str, ...]:
        return ("cabin", "cabin/outside", "cabin/interior/cup")

    def pose(self, t: float, ctx: PoseContext) -> F32:
        f = self.flight
        return np.stack([f.cabin(t), f.outside(t), self.cup_rest @ f.loose(t)]).astype(np.float32)


def window_z(r: int) -> float:
    """Where the window of seat row ``r`` is along the cabin (z)."""
    return -(r - 1) * PITCH - 0.1


def _span(rows: int) -> tuple[float, float]:
    """The cabin's inner length and the z of its middle."""
    length = rows * PITCH + 3.0
    return length, -length / 2 + 2.0


def _shell(rows: int) -> Geo:
    length, zc = _span(rows)
    wall_c, floor_c = rgba("#ecebe6"), rgba("#5d5f66")
    # side walls with an opening at every window, so the outside shows through
    holes = [(zc - z - 0.13, zc - z + 0.13, 0.77, 1.13) for z in map(window_z, range(rows))]
    side = [
        wall(length, 1.9, wall_c, compose(translate(x, 0.2, zc), rot_y(np.pi / 2)), holes)
        for x in (-HALF - 0.05, HALF + 0.05)
    ]
    return merge(
        box(2 * HALF, 0.1, length, floor_c, translate(0, -0.05, zc)),
        *side,
        box(2 * HALF, 0.1, length, wall_c, translate(0, 2.15, zc)),
        box(0.9, 0.4, length, rgba("#f4f3ef"), translate(-HALF + 0.45, 1.85, zc)),  # overhead bins
        box(0.9, 0.4, length, rgba("#f4f3ef"), translate(HALF - 0.45, 1.85, zc)),
        box(2 * HALF, 2.2, 0.1, rgba("#c8c4ba"), translate(0, 1.1, zc - length / 2)),  # bulkhead
        box(2 * HALF, 2.2, 0.1, rgba("#c8c4ba"), translate(0, 1.1, zc + length / 2)),
    )


def build_airplane_cabin(args: Args, seed: int) -> Built:
    rows = count(args, "rows")
    phase = str(args["phase"])
    shade_closed = bool(args["window_shade"])
    seat = seat_mesh()
    frame, shade = _window()
    inside: list[Part] = []
    seat_parts: list[Part] = []
    window_at: list[F32] = []
    first = -1  # one row behind the client
    seats: list[F32] = []
    for r in range(rows):
        z = -(r + first) * PITCH
        for k, x in enumerate(SEAT_X):
            seat_parts.append(Part(f"seat_{r}_{k}", seat, translate(x, 0, z)))
            if r >= 2:  # the rows ahead of the client's
                seats.append(compose(translate(x, 0.02, z + 0.05), rot_y(np.pi)))
        for side in (-1, 1):
            at = translate(side * HALF, 1.15, window_z(r))
            window_at.append(at)
            inside.append(Part(f"shade_{r}_{side}", shade, at, visible=shade_closed))
    # People: seated passengers ahead (a seeded choice of seats), boarding ones in the aisle.
    rng_p = np.random.default_rng([int(args["seed"]), seed])
    n_pax = min(count(args, "passengers"), len(seats))
    members = [
        (seats[j], int(rng_p.integers(1 << 30)), True, "neutral")
        for j in sorted(rng_p.permutation(len(seats))[:n_pax])
    ]
    walkers = np.zeros((0, 3))
    if phase == "boarding":
        aisle = [
            (compose(translate(0.0, 0, -1.0 - 1.1 * i), rot_y(np.pi)), int(rng_p.integers(1 << 30)),
             False, "neutral")
            for i in range(4)
        ]  # fmt: skip
        members += aisle
        walkers = np.zeros((len(members), 3))
        walkers[-len(aisle) :, 2] = -0.35  # shuffling towards their rows
    people, pax = crowd(
        "pax_", members, [0.05] * len(members), seed, walkers if len(walkers) else None, 4.0
    )
    inside += people
    # The client's tray table, down, with a cup that rattles in turbulence.
    tray = bake(box(0.42, 0.025, 0.28, rgba("#cfcac0")), ao=False)
    cup_rest = translate(SEAT_X[0] + 0.05, 0.735, -0.42)
    # Everything that stays put is one mesh (a draw call per eye, within the frame's GL
    # budget next to the passengers' avatars): the shell, the seats, the tray table and
    # the windows - open, with an opaque surround (a glass pane would add a transparent
    # pass and little to the picture).
    static = [
        Part("shell", bake(_shell(rows))),
        Part("tray", tray, translate(SEAT_X[0], 0.71, -0.42)),
        *seat_parts,
        *[Part("window", frame, at) for at in window_at],
    ]
    inside.append(merged("shell", static))
    cup = bake(cylinder(0.035, 0.09, rgba("#f4f4f4"), base=True, sections=12), ao=False)
    ground = bake(ground_geo(600.0, "grass", 24), ao=False)
    tarmac = bake(box(45.0, 0.02, 600.0, rgba("#3e3f42")), ao=False)
    stripes = bake(
        merge(
            *[
                box(0.4, 0.03, 4.0, rgba("#f2f2f2"), translate(0, 0, z))
                for z in np.arange(-300, 300, 20.0)
            ]
        ),
        ao=False,
    )
    cloud = bake(ellipsoid(60.0, 12.0, 40.0, rgba("#f7f7f7")), ao=False)
    rng = np.random.default_rng(seed)
    clouds = (
        [
            Part(
                f"cloud_{i}",
                cloud,
                translate(float(rng.uniform(-800, 800)), 2800.0, float(rng.uniform(-900, 300))),
                Material(emissive=0.3),
            )
            for i in range(24)
        ]
        if phase == "cruise"
        else []
    )
    if phase == "cruise":  # the cloud deck below: a horizon to see through the window
        deck = bake(box(5000.0, 1.0, 5000.0, rgba("#e9edf2")), ao=False)
        clouds.append(Part("cloud_deck", deck, translate(0, 2700.0, 0)))
    land = [
        Part("grass", ground),
        Part("tarmac", tarmac, translate(-40.0, 0.01, 0)),
        Part("stripes", stripes, translate(-40.0, 0.03, 0)),
    ]
    # the world outside moves as one, so it is one mesh
    outside = node("outside", [merged("ground", land + clouds)])
    # The client's seat (window, left) is at the origin: shift the cabin by its offset.
    shift = translate(-SEAT_X[0], 0, 0)
    inside.append(Part("cup", cup, cup_rest))
    cabin = node("cabin", [node("interior", inside, shift), outside])
    flight = FlightAnimator(Flight(phase, float(args["turbulence"])), cup_rest)
    animators: list[Animator] = [flight]
    if members:  # the people sit inside cabin/interior
        animators.append(replace(pax, prefixes=tuple(f"cabin/interior/{p}" for p in pax.prefixes)))
    length, zc = _span(rows)
    # the box holds the shell's walls, floor and ceiling whole (a box face on a wall's
    # surface would light it in stripes)
    lights = InteriorLight(
        (-HALF - 0.2, -0.2, zc - length / 2 - 0.2), (HALF + 0.2, 2.4, zc + length / 2 + 0.2),
        CABIN_LIGHTS, "cabin/interior",
    )  # fmt: skip
    return Built(
        root([cabin]), tuple(animators), stand=(0.0, 0.0, 0.0), eye_height=EYE[1],
        interior=lights,
    )  # fmt: skip
