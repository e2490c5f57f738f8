"""Places with people: an audience, a café, a bus, a shop and a street.

People are avatars from :mod:`avatar`, animated together by one vectorised
:class:`~vrtherapy.world.procedural.avatar.Crowd`; chairs, tables, seats, shelves and
cars are shared meshes placed many times.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from vrtherapy.world import attitude as attitudes
from vrtherapy.world.geometry import bake, box, cylinder, merge, rgba
from vrtherapy.world.model import Animator, Args, Built, InteriorLight, Part, PoseContext
from vrtherapy.world.procedural.avatar import crowd
from vrtherapy.world.procedural.basic import ground_geo
from vrtherapy.world.procedural.furniture import chair_mesh
from vrtherapy.world.procedural.heights import block_geo, facade_windows
from vrtherapy.world.procedural.kit import count, merged, node, num, root
from vrtherapy.world.procedural.rooms import shell
from vrtherapy.world.transforms import compose, rot_y, translate
from vrtherapy.world.types import F32, Material, Mesh


def _seed(args: Args, seed: int) -> int:
    return int(args["seed"]) * 7919 + seed


def build_audience(args: Args, seed: int) -> Built:
    """Rows of seated people facing the speaker (who stands at +z of the object)."""
    size, rows = count(args, "size"), count(args, "rows")
    s = _seed(args, seed)
    rng = np.random.default_rng(s)
    moods = attitudes.assign(str(args["attitude"]), size)
    per_row = max(1, -(-size // rows))
    chair = chair_mesh()
    parts: list[Part] = []
    members = []
    chairs: list[Part] = []
    for i in range(size):
        r, k = divmod(i, per_row)
        x = (k - (per_row - 1) / 2) * 0.65
        z = -r * 1.1
        y = r * 0.25  # raked seating
        at = translate(x, y, z)
        chairs.append(Part(f"chair_{i}", chair, at, Material(rgba("#5a4a3a"))))
        members.append((at, int(rng.integers(1 << 30)), True, moods[i]))
    if rows > 1 and size:  # the raked floor, one mesh for all its steps
        used_rows = -(-size // per_row)
        w = per_row * 0.65 + 1.0
        steps = [
            box(w, r * 0.25, 1.1, rgba("#6d6258"), translate(0, r * 0.125, -r * 1.1))
            for r in range(1, used_rows)
        ]
        if steps:
            parts.append(Part("risers", bake(merge(*steps))))
    people, anim = crowd("member_", members, [attitudes.attitude(m).gaze for m in moods], s)
    return Built(root([*parts, *chairs, *people]), (anim,))


@functools.cache
def round_table() -> Mesh:
    wood = rgba("#7b5a3c")
    return bake(
        merge(
            cylinder(0.4, 0.04, wood, translate(0, 0.74, 0), sections=24),
            cylinder(0.04, 0.72, rgba("#2e2e2e"), base=True, sections=8),
            cylinder(0.25, 0.03, rgba("#2e2e2e"), base=True, sections=16),
            cylinder(0.04, 0.09, rgba("#f4f4f4"), translate(0.12, 0.805, 0.05), sections=10),  # cup
        )
    )


def _bar(w: float, z: float) -> Mesh:
    """A pub's bar along the back wall: counter, beer taps, shelves of bottles, stools."""
    wood, brass = rgba("#4a2c1a"), rgba("#c8a040")
    parts = [
        box(w * 0.7, 1.1, 0.7, wood, translate(0, 0.55, z)),
        box(w * 0.7 + 0.1, 0.06, 0.8, rgba("#2e1b10"), translate(0, 1.13, z)),
        box(w * 0.8, 1.6, 0.3, rgba("#3a2416"), translate(0, 1.5, z - 0.9)),
    ]
    for i, x in enumerate(np.linspace(-w * 0.25, w * 0.25, 6)):
        parts.append(cylinder(0.03, 0.4, brass, translate(float(x), 1.16, z + 0.1), base=True))
        parts.append(box(0.06, 0.1, 0.03, rgba(["#d04a3a", "#2a2a2a", "#f0c040"][i % 3]),
                         translate(float(x), 1.5, z + 0.12)))  # fmt: skip
    palette = ("#2f6b3a", "#7a4a1a", "#d9d9d9", "#3a5a8a")
    for shelf in range(3):
        for k, x in enumerate(np.arange(-w * 0.38, w * 0.38, 0.18)):
            c = rgba(palette[(k + shelf) % len(palette)])
            parts.append(cylinder(0.035, 0.28, c, translate(float(x), 0.9 + 0.5 * shelf, z - 0.8),
                                  base=True, sections=8))  # fmt: skip
    for x in np.arange(-w * 0.3, w * 0.3 + 0.01, 0.8):
        parts.append(cylinder(0.18, 0.05, rgba("#2e1b10"), translate(float(x), 0.75, z + 0.75)))
        parts.append(cylinder(0.03, 0.75, rgba("#1a1a1a"), translate(float(x), 0, z + 0.75),
                              base=True, sections=6))  # fmt: skip
    return bake(merge(*parts))


def build_cafe(args: Args, seed: int) -> Built:
    """A café room (counter at the back) or a pub (a bar with taps, bottles and stools,
    darker wood): round tables with two chairs each and patrons. The nearest table is
    ``nearest`` metres in front of the client, and its seat nearest the client is the
    first taken; people glance at the client for a share ``gaze`` of the time."""
    n_tables, n_patrons = count(args, "tables"), count(args, "patrons")
    pub = args["style"] == "pub"
    nearest = num(args, "nearest")
    s = _seed(args, seed)
    rng = np.random.default_rng(s)
    cols = int(np.ceil(np.sqrt(n_tables * 1.5)))
    rows_ = int(np.ceil(n_tables / cols))
    w, d = max(6.0, cols * 2.0 + 2.0), max(6.0, rows_ * 2.2 + nearest + 2.2)
    zc = -d / 2 + 1.0
    wall_c, floor_c = (
        (rgba("#7a3b2e"), rgba("#3d2a1e")) if pub else (rgba("#e6d3b3"), rgba("#8a6b4e"))
    )
    walls, floors = shell(w, 3.0, d, wall_c, floor_c, zc)
    if pub:
        counter = _bar(w, zc - d / 2 + 1.2)
    else:
        counter = bake(merge(
            box(w * 0.5, 1.05, 0.7, rgba("#5b3b26"), translate(0, 0.525, zc - d / 2 + 0.6)),
            box(w * 0.5 + 0.1, 0.05, 0.8, rgba("#d8d0c4"), translate(0, 1.075, zc - d / 2 + 0.6)),
        ))  # fmt: skip
    parts: list[Part] = [
        Part("walls", bake(walls)),
        Part("floor", bake(floors)),
        Part("counter", counter),
    ]
    table = round_table()
    chair = chair_mesh()
    seats: list[F32] = []
    for i in range(n_tables):
        r, c = divmod(i, cols)
        x = (c - (cols - 1) / 2) * 2.0 + rng.uniform(-0.2, 0.2)
        z = -nearest - r * 2.2 + (rng.uniform(-0.2, 0.2) if i else 0.0)
        parts.append(Part(f"table_{i}", table, translate(x, 0, z)))
        for k, yaw in enumerate((np.pi / 2, -np.pi / 2)):  # chairs face the table from x
            at = compose(translate(x - np.sin(yaw) * 0.6, 0, z), rot_y(float(yaw)))
            parts.append(Part(f"chair_{i}_{k}", chair, at, Material(rgba("#3c3c3c"))))
            seats.append(at)
    closest = int(np.argmin([np.hypot(a[0, 3], a[2, 3]) for a in seats]))
    order = [closest, *(j for j in rng.permutation(len(seats)) if j != closest)]
    members = [(seats[j], int(rng.integers(1 << 30)), True, "neutral") for j in order[:n_patrons]]
    people, anim = crowd("patron_", members, [num(args, "gaze")] * len(members), s)
    return Built(root([*parts, *people]), (anim,) if members else ())


@functools.cache
def bus_seat() -> Mesh:
    c = rgba("#7a2f3a")
    return bake(
        merge(
            box(0.9, 0.1, 0.45, c, translate(0, 0.45, 0)),
            box(0.9, 0.6, 0.08, c, translate(0, 0.8, -0.22)),
            box(0.06, 0.45, 0.06, rgba("#9a9a9a"), translate(0, 0.22, 0)),
        )
    )


# a city bus's strip lights by day, neutral white: a floor under them about as bright as
# one under the indoor presets' key light (world/environment.py), while the sun comes in
# only through the windows
BUS_LIGHTS = (0.7, 0.72, 0.74)


def build_bus(args: Args, seed: int) -> Built:
    """The inside of a city bus; the client stands in the aisle facing the front (-z)."""
    n_seated, n_standing = count(args, "passengers"), count(args, "standing")
    s = _seed(args, seed)
    rng = np.random.default_rng(s)
    length, half = 11.0, 1.25
    zc = -length / 2 + 2.5
    body = merge(
        box(2 * half, 0.1, length, rgba("#4b4f55"), translate(0, -0.05, zc)),
        box(2 * half, 0.1, length, rgba("#d9dadc"), translate(0, 2.35, zc)),
        box(0.08, 0.9, length, rgba("#c0c4c8"), translate(-half, 0.45, zc)),
        box(0.08, 0.9, length, rgba("#c0c4c8"), translate(half, 0.45, zc)),
        box(0.08, 0.35, length, rgba("#c0c4c8"), translate(-half, 2.15, zc)),
        box(0.08, 0.35, length, rgba("#c0c4c8"), translate(half, 2.15, zc)),
        box(2 * half, 2.4, 0.1, rgba("#2a2d31"), translate(0, 1.2, zc - length / 2)),
        box(2 * half, 2.4, 0.1, rgba("#c0c4c8"), translate(0, 1.2, zc + length / 2)),
    )
    # the windows are open frames (no glass pane): the street outside shows, and no
    # transparent pass is needed
    parts: list[Part] = [Part("body", bake(body))]
    seat = bus_seat()
    pole = bake(cylinder(0.02, 2.35, rgba("#e0b020"), base=True, sections=8))
    seats: list[F32] = []
    for r in range(8):
        z = zc - length / 2 + 1.4 + r * 1.0
        if abs(z) < 0.7:
            continue  # the client's standing spot
        for side in (-1, 1):
            at = compose(translate(side * (half - 0.5), 0, z), rot_y(np.pi))
            parts.append(Part(f"seat_{r}_{'lr'[side > 0]}", seat, at))
            seats += [at @ translate(-0.22, 0, 0), at @ translate(0.22, 0, 0)]
        parts.append(Part(f"pole_{r}", pole, translate(0.4 * (-1) ** r, 0, z + 0.5)))
    order = rng.permutation(len(seats))
    members = [(seats[j], int(rng.integers(1 << 30)), True, "neutral") for j in order[:n_seated]]
    for i in range(n_standing):  # standing in the aisle, in front of and behind the client
        z = (-1.0 - 0.7 * (i // 2)) if i % 4 < 2 else (1.0 + 0.7 * (i // 4))
        at = compose(translate(0.3 * (-1) ** i, 0, float(z)), rot_y(np.pi + rng.uniform(-0.6, 0.6)))
        members.append((at, int(rng.integers(1 << 30)), False, "neutral"))
    people, anim = crowd("passenger_", members, [num(args, "gaze")] * len(members), s)
    # the client stands in the aisle at the origin (so scenery placed with the bus, a
    # street outside, does not move them onto its pavement)
    # the box holds the body's walls, floor and roof whole (a box face on a wall's surface
    # would light it in stripes)
    lights = InteriorLight(
        (-half - 0.2, -0.2, zc - length / 2 - 0.2), (half + 0.2, 2.6, zc + length / 2 + 0.2),
        BUS_LIGHTS,
    )  # fmt: skip
    return Built(
        root([*parts, *people]), (anim,) if members else (), stand=(0.0, 0.0, 0.0),
        interior=lights,
    )  # fmt: skip


def _shelf(rng: np.random.Generator) -> Mesh:
    frame = rgba("#c8c8c8")
    parts = [box(2.0, 1.8, 0.5, frame, translate(0, 0.9, 0))]
    palette = [rgba(c) for c in ("#d04a3a", "#f0c040", "#3a7ac0", "#58a058", "#f4f4f4", "#e07a2f")]
    for level in range(4):
        y = 0.15 + level * 0.42
        x = -0.95
        while x < 0.9:
            bw = float(rng.uniform(0.08, 0.22))
            bh = float(rng.uniform(0.15, 0.32))
            c = palette[int(rng.integers(len(palette)))]
            for side in (-1, 1):
                parts.append(
                    box(bw * 0.95, bh, 0.18, c, translate(x + bw / 2, y + bh / 2, side * 0.34))
                )
            x += bw
    return bake(merge(*parts))


def build_shop(args: Args, seed: int) -> Built:
    """A small supermarket: aisles of stocked shelves ahead of the client, a till, shoppers
    standing or walking slowly along the aisles. With ``queue`` people the client stands
    last in a queue for a till in front of them, ``spacing`` metres from the next person;
    the shelves start beyond the till."""
    n_aisles, n_shoppers = count(args, "aisles"), count(args, "shoppers")
    n_queue, spacing = count(args, "queue"), num(args, "spacing")
    ahead = n_queue  # everyone queueing stands in front of the client
    queue_len = spacing * ahead + 1.6 if n_queue else 0.0
    s = _seed(args, seed)
    rng = np.random.default_rng(s)
    w, d = n_aisles * 2.4 + 3.0, 14.0 + queue_len
    zc = -d / 2 + 1.5
    walls, floors = shell(w, 3.2, d, rgba("#f0efe9"), rgba("#d0ccc0"), zc)
    variants = [_shelf(np.random.default_rng(s + v)) for v in range(3)]
    parts: list[Part] = [Part("walls", bake(walls)), Part("floor", bake(floors))]
    aisle_x = [(i - (n_aisles - 1) / 2) * 2.4 for i in range(n_aisles)]
    for i, x in enumerate(aisle_x):
        for k in range(4):
            at = compose(translate(x, 0, -3.0 - queue_len - k * 2.05), rot_y(np.pi / 2))
            parts.append(Part(f"shelf_{i}_{k}", variants[(i + k) % 3], at))
    till = merge(
        box(1.8, 0.9, 0.7, rgba("#3b4a5a"), translate(0, 0.45, 0)),
        box(0.3, 0.25, 0.05, rgba("#1a1a1a"), translate(0.5, 1.05, 0)),
    )
    parts.append(Part("till", bake(till), translate(-w / 2 + 1.5, 0, -0.8)))
    members = []
    walk = np.zeros((n_shoppers, 3))
    for j in range(n_shoppers):
        gap = int(rng.integers(n_aisles + 1))
        x = -w / 2 + 0.9 if gap == 0 else aisle_x[gap - 1] + 1.2
        z = -3.0 - queue_len - float(rng.uniform(0, 6.0))
        towards = bool(rng.integers(2))
        at = compose(translate(x, 0, z), rot_y(0.0 if towards else np.pi))
        members.append((at, int(rng.integers(1 << 30)), False, "neutral"))
        if rng.uniform() < 0.5:
            walk[j] = (0, 0, 0.5 if towards else -0.5)
    for q in range(n_queue):  # in front of the client (at the origin), the last in line
        z = -spacing * (q + 1)
        at = compose(translate(0.0, 0, z), rot_y(np.pi + rng.uniform(-0.3, 0.3)))
        members.append((at, int(rng.integers(1 << 30)), False, "neutral"))
    if n_queue:  # the till the queue leads to, just past its first person
        parts.append(Part("till_queue", bake(till), translate(1.1, 0, -spacing * ahead - 0.8)))
    walk = np.concatenate([walk, np.zeros((len(members) - n_shoppers, 3))])
    people, anim = crowd("shopper_", members, [num(args, "gaze")] * len(members), s, walk, 6.0)
    return Built(root([*parts, *people]), (anim,) if members else ())


@functools.cache
def car_mesh(variant: int) -> Mesh:
    """A car facing -z; white body (tinted per car), dark windows, wheels."""
    white, dark = (1.0, 1.0, 1.0, 1.0), rgba("#1d2530")
    long_ = 4.2 if variant == 0 else 4.7
    roof_h = 0.55 if variant == 0 else 0.7
    parts = [
        box(1.8, 0.65, long_, white, translate(0, 0.55, 0)),
        box(1.6, roof_h, long_ * 0.5, dark, translate(0, 0.875 + roof_h / 2, 0.2)),
    ]
    for sx in (-1, 1):
        for sz in (-1, 1):
            parts.append(
                cylinder(
                    0.33,
                    0.25,
                    dark,
                    translate(sx * 0.85, 0.33, sz * long_ * 0.32),
                    axis="x",
                    sections=14,
                )
            )
    return bake(merge(*parts))


@dataclass(frozen=True, eq=False)
class Traffic(Animator):
    """Cars drive along the road at their own speeds and wrap round at its ends."""

    names: tuple[str, ...]
    rest: F32  # (N, 4, 4)
    speed: F32  # (N,), metres per second along -z (negative: along +z)
    z_min: float
    span: float

    @property
    def paths(self) -> tuple[str, ...]:
        return self.names

    def pose(self, t: float, ctx: PoseContext) -> F32:
        out = self.rest.copy()
        z = self.rest[:, 2, 3] - self.speed * t
        out[:, 2, 3] = self.z_min + np.mod(z - self.z_min, self.span)
        return out


def build_street(args: Args, seed: int) -> Built:
    """A street: the client on the left pavement facing along it (-z), a two-lane road,
    buildings on both sides, pedestrians walking both ways and moving traffic."""
    length = num(args, "length")
    n_ped, n_cars = count(args, "pedestrians"), count(args, "traffic")
    s = _seed(args, seed)
    rng = np.random.default_rng(s)
    z0, z1 = length * 0.2, -length * 0.8
    zm = (z0 + z1) / 2
    road = merge(
        box(7.0, 0.02, length, rgba("#3a3b3e"), translate(4.5, 0.01, zm)),
        *[
            box(0.15, 0.03, 3.0, rgba("#f2f2f2"), translate(4.5, 0.02, float(z)))
            for z in np.arange(z0, z1, -8.0)
        ],
        box(3.0, 0.15, length, rgba("#a9a59c"), translate(-0.5, 0.075, zm)),
        box(3.0, 0.15, length, rgba("#a9a59c"), translate(9.5, 0.075, zm)),
    )
    ground = bake(ground_geo(max(300.0, length * 2), "concrete", 16), ao=False)
    parts: list[Part] = [
        Part("ground", ground, translate(4.5, -0.01, zm)),
        Part("road", bake(road)),
    ]
    block_w = 14.0
    for side, x in ((-1, -2.0 - 6.0), (1, 11.0 + 6.0)):
        for i, z in enumerate(np.arange(z0 - block_w / 2, z1, -(block_w + 2.0))):
            floors = int(rng.choice((4, 6)))  # two heights: two shared meshes
            body = bake(block_geo(12.0, block_w, floors, 3.0))
            tint = Material(
                rgba(["#f0e0d0", "#d8e0e8", "#e8d8c8", "#d0d0c8"][int(rng.integers(4))])
            )
            windows = facade_windows(12.0, block_w, floors, 3.0)
            parts.append(
                node(
                    f"block_{'lr'[side > 0]}_{i}",
                    [Part("body", body, material=tint), *windows],
                    translate(x, 0, float(z)),
                )
            )
    lamp = bake(
        merge(
            cylinder(0.06, 5.0, rgba("#2e3338"), base=True, sections=8),
            box(0.6, 0.12, 0.25, rgba("#fff3c4"), translate(0.3, 5.0, 0)),
        )
    )
    for i, z in enumerate(np.arange(z0 - 4, z1, -20.0)):
        parts.append(Part(f"streetlight_{i}", lamp, translate(0.9, 0.15, float(z))))
    members = []
    walk = np.zeros((n_ped, 3))
    for j in range(n_ped):
        left = rng.uniform() < 0.5
        forward = rng.uniform() < 0.5
        x = (-0.9 if left else 9.0) + rng.uniform(-0.4, 0.8)
        z = float(rng.uniform(z1 + 2, z0 - 2))
        if left and abs(z) < 1.5 and abs(x) < 1.0:
            z -= 3.0  # keep the client's spot free
        at = compose(translate(x, 0.15, z), rot_y(np.pi if forward else 0.0))
        members.append((at, int(rng.integers(1 << 30)), False, "neutral"))
        walk[j, 2] = (-1.3 if forward else 1.3) * rng.uniform(0.8, 1.2)
    parts = [merged("street", parts)]  # the static street, one mesh (the GL-call budget)
    people, anim = crowd("pedestrian_", members, [num(args, "gaze")] * n_ped, s, walk, length * 0.8)
    cars: list[Part] = []
    rests: list[F32] = []
    speeds: list[float] = []
    palette = ["#b22222", "#f4f4f4", "#1f3a5f", "#2b2b2b", "#c0c0c0", "#d9a400"]
    for j in range(n_cars):
        lane = j % 2
        z = float(rng.uniform(z1, z0))
        at = compose(
            translate(2.75 if lane == 0 else 6.25, 0, z), rot_y(0.0 if lane == 0 else np.pi)
        )
        cars.append(
            Part(
                f"car_{j}",
                car_mesh(int(rng.integers(2))),
                at,
                Material(rgba(palette[int(rng.integers(len(palette)))]), roughness=0.35),
            )
        )
        rests.append(at)
        speeds.append((1 if lane == 0 else -1) * float(rng.uniform(6.0, 11.0)))
    animators: list[Animator] = [anim] if members else []
    if cars:
        animators.append(
            Traffic(
                tuple(c.name for c in cars),
                np.stack(rests).astype(np.float32),
                np.asarray(speeds, np.float32),
                z1,
                length,
            )
        )
    return Built(root([*parts, *cars, *people]), tuple(animators), stand=(0.0, 0.15, 0.0))
