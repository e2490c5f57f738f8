"""An airplane cabin: the client sits in a left window seat; rows ahead, windows along
both sides, and what is outside depends on the flight phase."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from vrtherapy.world.geometry import Geo, bake, box, ellipsoid, merge, rgba
from vrtherapy.world.model import Animator, Args, Built, Part, PoseContext
from vrtherapy.world.procedural.basic import ground_geo
from vrtherapy.world.procedural.kit import GLASS, count, node, root
from vrtherapy.world.transforms import rot_x, translate
from vrtherapy.world.types import F32, Material, Mesh

PITCH = 0.8  # seat row spacing, metres
SEAT_X = (-1.35, -0.85, -0.35, 0.35, 0.85, 1.35)  # 3 + 3 abreast, the client in the first
HALF = 1.75  # half the cabin's inner width


@functools.cache
def seat_mesh() -> Mesh:
    c = rgba("#2f4a6d")
    return bake(
        merge(
            box(0.46, 0.12, 0.46, c, translate(0, 0.45, 0)),
            box(0.46, 0.7, 0.1, c, translate(0, 0.82, -0.25)),
            box(0.05, 0.2, 0.45, rgba("#3a3a3a"), translate(0.24, 0.6, 0)),
            box(0.4, 0.39, 0.35, rgba("#3a3a3a"), translate(0, 0.2, 0)),
        )
    )


def _window() -> tuple[Mesh, Mesh]:
    frame = bake(ellipsoid(0.02, 0.22, 0.16, rgba("#e8e8e4")), ao=False)
    shade = bake(box(0.02, 0.36, 0.27, rgba("#d9d4c8")), ao=False)
    return frame, shade


@dataclass(frozen=True, eq=False)
class Flight:
    """Moves the outside (ground, clouds) for the phase: taxiing rolls the ground past,
    take-off and landing move it away and closer, the cabin pitches a little."""

    phase: str

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
            return translate(0, -3000.0, 0)
        return translate(0, -3.2, 0)

    def cabin(self, t: float) -> F32:
        tilt = {"takeoff": -0.12, "landing": 0.05}.get(self.phase, 0.0)
        shake = 0.0015 * np.sin(2 * np.pi * 9.0 * t) if self.phase != "parked" else 0.0
        return (rot_x(tilt) @ translate(0, float(shake), 0)).astype(np.float32)


@dataclass(frozen=True, eq=False)
class FlightAnimator(Animator):
    flight: Flight

    @property
    def paths(self) -> tuple[str, ...]:
        return ("cabin", "cabin/outside")

    def pose(self, t: float, ctx: PoseContext) -> F32:
        return np.stack([self.flight.cabin(t), self.flight.outside(t)]).astype(np.float32)


def _shell(rows: int) -> Geo:
    length = rows * PITCH + 3.0
    zc = -length / 2 + 2.0
    wall_c, floor_c = rgba("#ecebe6"), rgba("#5d5f66")
    return merge(
        box(2 * HALF, 0.1, length, floor_c, translate(0, -0.05, zc)),
        box(0.1, 1.9, length, wall_c, translate(-HALF - 0.05, 1.15, zc)),
        box(0.1, 1.9, length, wall_c, translate(HALF + 0.05, 1.15, zc)),
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
    inside: list[Part] = [Part("shell", bake(_shell(rows)))]
    first = -1  # one row behind the client
    for r in range(rows):
        z = -(r + first) * PITCH
        for k, x in enumerate(SEAT_X):
            inside.append(Part(f"seat_{r}_{k}", seat, translate(x, 0, z)))
        for side in (-1, 1):
            at = translate(side * HALF, 1.15, z - 0.1)
            inside.append(Part(f"window_{r}_{side}", frame, at, GLASS))
            inside.append(Part(f"shade_{r}_{side}", shade, at, visible=shade_closed))
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
    outside = node(
        "outside",
        [
            Part("ground", ground),
            Part("tarmac", tarmac, translate(-40.0, 0.01, 0)),
            Part("stripes", stripes, translate(-40.0, 0.03, 0)),
            *clouds,
        ],
    )
    # The client's seat (window, left) is at the origin: shift the cabin by its offset.
    cabin = node("cabin", [node("interior", inside, translate(-SEAT_X[0], 0, 0)), outside])
    return Built(
        root([cabin]), (FlightAnimator(Flight(phase)),), stand=(0.0, 0.0, 0.0), eye_height=1.15
    )
