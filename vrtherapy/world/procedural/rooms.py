"""Interiors: the calm room, a generic room, a small (enclosed) room, an elevator cabin.

The client stands at the origin facing -z; rooms extend mostly in front of them.
"""

from __future__ import annotations

import numpy as np

from vrtherapy.world.geometry import RGBA, Geo, _unit, bake, box, cylinder, merge, quad, rgba
from vrtherapy.world.model import Animator, Args, Built, Part, PoseContext
from vrtherapy.world.procedural.avatar import crowd
from vrtherapy.world.procedural.furniture import plant_mesh
from vrtherapy.world.procedural.kit import GLASS, color, count, num, root
from vrtherapy.world.transforms import compose, rot_y, translate
from vrtherapy.world.types import F32, Material

Hole = tuple[float, float, float, float]  # x0, x1, y0, y1 along the wall
T = 0.1  # wall thickness


def wall(length: float, height: float, c: RGBA, at: F32, holes: list[Hole] | None = None) -> Geo:
    """A wall along x (centred), standing on y = 0, with rectangular openings."""
    if not holes:
        return box(length, height, T, c, compose(at, translate(0, height / 2, 0)))
    parts: list[Geo] = []
    x = -length / 2
    for x0, x1, y0, y1 in sorted(holes):
        if x0 > x:
            parts.append(
                box(x0 - x, height, T, c, compose(at, translate((x + x0) / 2, height / 2, 0)))
            )
        if y0 > 0:
            parts.append(box(x1 - x0, y0, T, c, compose(at, translate((x0 + x1) / 2, y0 / 2, 0))))
        if y1 < height:
            parts.append(
                box(
                    x1 - x0,
                    height - y1,
                    T,
                    c,
                    compose(at, translate((x0 + x1) / 2, (y1 + height) / 2, 0)),
                )
            )
        x = x1
    if x < length / 2:
        parts.append(
            box(
                length / 2 - x,
                height,
                T,
                c,
                compose(at, translate((x + length / 2) / 2, height / 2, 0)),
            )
        )
    return merge(*parts)


def shell(
    w: float,
    h: float,
    d: float,
    walls_c: RGBA,
    floor_c: RGBA,
    zc: float,
    front: list[Hole] | None = None,
    back: list[Hole] | None = None,
) -> tuple[Geo, Geo]:
    """(walls, floor and ceiling) of a box room centred at (0, zc) on the floor."""
    walls = merge(
        wall(w, h, walls_c, translate(0, 0, zc - d / 2 - T / 2), front),
        wall(w, h, walls_c, compose(translate(0, 0, zc + d / 2 + T / 2), rot_y(np.pi)), back),
        wall(d + 2 * T, h, walls_c, compose(translate(-w / 2 - T / 2, 0, zc), rot_y(np.pi / 2))),
        wall(d + 2 * T, h, walls_c, compose(translate(w / 2 + T / 2, 0, zc), rot_y(-np.pi / 2))),
    )
    floors = merge(
        box(w, T, d, floor_c, translate(0, -T / 2, zc)),
        box(w + 2 * T, T, d + 2 * T, rgba("#f2f0eb"), translate(0, h + T / 2, zc)),
    )
    return walls, floors


def view_geo(kind: str, width: float, height: float) -> Geo:
    """A painted backdrop seen through a window (sea, forest or meadow), facing +z."""
    nx, ny = 48, 24
    xs = np.linspace(-width / 2, width / 2, nx + 1)
    ys = np.linspace(0, height, ny + 1)
    gx, gy = np.meshgrid(xs, ys)
    u = (gx - xs[0]) / width
    v = gy / height
    sky = np.stack([0.35 + 0.3 * (1 - v), 0.55 + 0.25 * (1 - v), np.full_like(v, 0.95)], -1)
    if kind == "sea":
        horizon = 0.42
        water = np.stack([0.05 + 0.1 * v, 0.25 + 0.2 * v, 0.45 + 0.2 * v], -1)
        glint = (np.abs(u - 0.6) < 0.05) & (v < horizon) & (v > 0.2)
        water[glint] = (0.8, 0.85, 0.9)
        rgb = np.where((v < horizon)[..., None], water, sky)
    elif kind == "forest":
        line = 0.45 + 0.08 * np.abs(np.sin(u * 61.0)) + 0.05 * np.sin(u * 9.0)
        trees = np.stack([0.06 + 0.05 * v, 0.2 + 0.15 * v, 0.07 + 0.03 * v], -1)
        rgb = np.where((v < line)[..., None], trees, sky)
    else:
        hills = 0.35 + 0.06 * np.sin(u * 6.0) + 0.03 * np.sin(u * 17.0)
        field = np.stack([0.25 + 0.2 * v, 0.5 + 0.15 * v, 0.12 + 0.05 * v], -1)
        flowers = (np.sin(gx * 13.0) * np.sin(gy * 17.0) > 0.93) & (v < hills - 0.05)
        field[flowers] = (0.95, 0.85, 0.3)
        rgb = np.where((v < hills)[..., None], field, sky)
    pos = np.stack([gx.ravel(), gy.ravel(), np.zeros(gx.size)], 1).astype(np.float32)
    col = np.concatenate([rgb.reshape(-1, 3), np.ones((gx.size, 1))], 1).astype(np.float32)
    i = (np.arange(ny)[:, None] * (nx + 1) + np.arange(nx)[None, :]).ravel()
    tri = np.concatenate(
        [np.stack([i, i + 1, i + nx + 2], 1), np.stack([i, i + nx + 2, i + nx + 1], 1)]
    ).astype(np.uint32)
    nrm = _unit(np.tile(np.array([[0, 0, 1]], np.float32), (len(pos), 1)))
    return Geo(pos, nrm, col, tri)


def build_calm_room(args: Args, seed: int) -> Built:
    """A quiet living room: warm walls, wooden floor, rug, a large window with a view,
    plants along the walls, a picture and a ceiling light."""
    w, d, h = num(args, "width"), num(args, "depth"), 2.7
    zc = -d * 0.25
    front_z = zc - d / 2
    win_w = min(2.4, w - 1.0)
    hole = (-win_w / 2, win_w / 2, 0.75, 2.15)
    walls, floors = shell(w, h, d, rgba("#e9dcc7"), rgba("#a27650"), zc, front=[hole])
    frame_c = rgba("#fbfaf6")
    frame = merge(
        box(win_w + 0.1, 0.06, 0.14, frame_c, translate(0, 0.75, front_z - T / 2)),
        box(win_w + 0.1, 0.06, 0.14, frame_c, translate(0, 2.15, front_z - T / 2)),
        box(0.06, 1.4, 0.14, frame_c, translate(-win_w / 2, 1.45, front_z - T / 2)),
        box(0.06, 1.4, 0.14, frame_c, translate(win_w / 2, 1.45, front_z - T / 2)),
        box(0.05, 1.4, 0.1, frame_c, translate(0, 1.45, front_z - T / 2)),
        box(win_w + 0.3, 0.04, 0.25, frame_c, translate(0, 0.73, front_z + 0.05)),  # sill
    )
    glass = quad(win_w, 1.4, (1.0, 1.0, 1.0, 1.0), translate(0, 1.45, front_z - T / 2))
    view = view_geo(str(args["window_view"]), 40.0, 18.0)
    rug = box(min(2.6, w - 1), 0.01, min(1.8, d - 2), rgba("#8e6f8e"), translate(0, 0.005, zc))
    picture = merge(
        box(1.0, 0.7, 0.03, rgba("#5b4636"), translate(0, 0, 0)),
        quad(0.9, 0.6, rgba("#d7b56d"), translate(0, 0, 0.016)),
        quad(0.9, 0.25, rgba("#6e9bb8"), translate(0, 0.175, 0.017)),
    )
    light = cylinder(0.25, 0.04, rgba("#fff6e0"), translate(0, h - 0.02, zc), sections=24)
    parts = [
        Part("walls", bake(walls)),
        Part("floor", bake(floors)),
        Part("rug", bake(rug)),
        Part("window_frame", bake(frame)),
        Part("window_glass", bake(glass, ao=False), material=GLASS),
        Part(
            "view", bake(view, ao=False), translate(0, -6.0, front_z - 7.0), Material(emissive=1.0)
        ),
        Part(
            "picture", bake(picture), compose(translate(-w / 2 + 0.02, 1.55, zc), rot_y(np.pi / 2))
        ),
        Part("ceiling_light", bake(light, ao=False), material=Material(emissive=0.9)),
    ]
    spots = [
        (-w / 2 + 0.35, front_z + 0.35),
        (w / 2 - 0.35, front_z + 0.35),
        (-w / 2 + 0.35, zc + d / 2 - 0.4),
        (w / 2 - 0.35, zc + d / 2 - 0.4),
    ]
    for i in range(count(args, "plants")):
        x, z = spots[i % 4]
        if i >= 4:  # further plants along the side walls
            k = i - 4
            x = (-1) ** k * (w / 2 - 0.3)
            z = front_z + 0.9 + (k // 2) * (d - 1.6) / 4
        mesh = plant_mesh((1.1, 0.7, 1.4)[i % 3], i % 3)
        parts.append(Part(f"plant_{i}", mesh, translate(x, 0, z)))
    return Built(root(parts))


def _window_pane() -> tuple[Part, Part]:
    frame = merge(
        box(1.2, 0.06, 0.06, rgba("#f4f4f4"), translate(0, 0.72, 0)),
        box(1.2, 0.06, 0.06, rgba("#f4f4f4"), translate(0, -0.72, 0)),
        box(0.06, 1.5, 0.06, rgba("#f4f4f4"), translate(0.6, 0, 0)),
        box(0.06, 1.5, 0.06, rgba("#f4f4f4"), translate(-0.6, 0, 0)),
    )
    pane = quad(1.14, 1.38, rgba("#cfe6f5"), translate(0, 0, -0.02))
    return Part("frame", bake(frame)), Part(
        "pane", bake(pane, ao=False), material=Material(emissive=0.85)
    )


def build_room(args: Args, seed: int) -> Built:
    """A plain room with an optional door (behind the client) and daylight windows."""
    w, h, d = num(args, "width"), num(args, "height"), num(args, "depth")
    zc = -d * 0.3
    walls, floors = shell(w, h, d, color(args, "wall_color"), rgba("#8c8378"), zc)
    parts = [Part("walls", bake(walls)), Part("floor", bake(floors))]
    if args["door"]:
        door = merge(
            box(0.9, 2.05, 0.05, rgba("#7a5638"), translate(0, 1.025, 0)),
            cylinder(0.025, 0.12, rgba("#c9c9c9"), translate(0.35, 1.0, -0.05), axis="x"),
        )
        parts.append(Part("door", bake(door), translate(0, 0, zc + d / 2 - 0.03)))
    frame, pane = _window_pane()
    n = count(args, "windows")
    slots = [(side, k) for k in range(8) for side in (-1, 1)]
    for i in range(n):  # alternate left and right walls, spread along the depth
        side, k = slots[i]
        per_side = (n + 1) // 2
        z = zc - d / 2 + d * ((k + 0.5) / max(per_side, 1))
        at = compose(
            translate(side * (w / 2 - 0.03), min(1.5, h * 0.55), z), rot_y(-side * np.pi / 2)
        )
        parts.append(Part(f"window_{i}", None, at, children=(frame, pane)))
    return Built(root(parts))


def build_small_room(args: Args, seed: int) -> Built:
    """A small enclosed room; the door behind the client can stand open onto a lit corridor;
    ``light`` dims the ceiling lamp and the walls."""
    w, h, d = num(args, "width"), num(args, "height"), num(args, "depth")
    light = num(args, "light")
    zc = -d * 0.2
    back_z = zc + d / 2
    door_w = min(0.9, w - 0.2)
    door_h = min(2.0, h - 0.1)
    walls, floors = shell(
        w, h, d, rgba("#c9c4b8"), rgba("#6d655c"), zc, back=[(-door_w / 2, door_w / 2, 0.0, door_h)]
    )
    shade = 0.25 + 0.75 * light
    dimmed = Material((shade, shade, shade, 1.0))
    leaf = bake(box(door_w, door_h, 0.04, rgba("#6b4a30"), translate(door_w / 2, door_h / 2, 0)))
    angle = -1.35 if args["door_open"] else 0.0
    hinge = compose(translate(-door_w / 2, 0, back_z), rot_y(angle))
    corridor = quad(
        door_w + 1.0,
        door_h + 0.5,
        rgba("#f3efe2"),
        compose(translate(0, (door_h + 0.5) / 2, back_z + 1.8), rot_y(np.pi)),
    )
    lamp = cylinder(0.15, 0.03, rgba("#fffbe8"), translate(0, h - 0.015, zc), sections=16)
    parts = [
        Part("walls", bake(walls), material=dimmed),
        Part("floor", bake(floors), material=dimmed),
        Part("door", leaf, hinge, dimmed),
        Part("corridor", bake(corridor, ao=False), material=Material(emissive=0.8)),
        Part("lamp", bake(lamp, ao=False), material=Material(emissive=light)),
    ]
    return Built(root(parts))


def build_elevator_cabin(args: Args, seed: int) -> Built:
    """A lift car around the client, doors in front (-z), optional other occupants."""
    w, d, h = num(args, "width"), num(args, "depth"), 2.3
    door_w = min(0.9, w - 0.3)
    steel, dark = rgba("#a7abb0"), rgba("#3b3d40")
    walls, floors = shell(w, h, d, steel, dark, 0.0, front=[(-door_w / 2, door_w / 2, 0.0, 2.1)])
    rail = merge(
        box(0.03, 0.03, d - 0.3, rgba("#d8d8d8"), translate(-w / 2 + 0.06, 0.95, 0)),
        box(0.03, 0.03, d - 0.3, rgba("#d8d8d8"), translate(w / 2 - 0.06, 0.95, 0)),
        box(w - 0.3, 0.03, 0.03, rgba("#d8d8d8"), translate(0, 0.95, d / 2 - 0.06)),
    )
    panel = merge(
        box(0.16, 0.5, 0.02, rgba("#2a2a2a"), translate(0, 0, 0)),
        *[
            cylinder(0.018, 0.01, rgba("#f0e6c8"), translate(0, -0.18 + 0.09 * k, 0.012), axis="z")
            for k in range(5)
        ],
    )
    leaf = bake(box(door_w / 2, 2.1, 0.03, rgba("#b8bcc0"), translate(0, 1.05, 0)))
    shift = door_w / 2 if args["doors_open"] else 0.0
    front = -d / 2 - T - 0.03
    light = num(args, "light")
    shade = 0.2 + 0.8 * light
    dimmed = Material((shade, shade, shade, 1.0))
    if args["between_floors"]:  # the open doors show the shaft: bare wall, a slab edge
        outside = merge(
            box(4.0, 3.5, T, rgba("#5e5a55"), translate(0, 1.2, front - 0.25)),
            box(4.0, 0.35, 0.3, rgba("#8a847a"), translate(0, 1.3, front - 0.2)),
            box(4.0, 0.03, 0.05, rgba("#c9a227"), translate(0, 1.49, front - 0.08)),
        )
    else:
        outside = merge(
            box(6.0, T, 3.0, rgba("#7c7468"), translate(0, -T / 2, front - 1.5)),
            box(6.0, 3.0, T, rgba("#e0d8c8"), translate(0, 1.5, front - 3.0)),
        )
    lamp_rest = translate(0, h - 0.02, 0)
    parts = [
        Part("walls", bake(walls), material=dimmed),
        Part("floor", bake(floors), material=dimmed),
        Part("rail", bake(rail), material=dimmed),
        Part("buttons", bake(panel), compose(translate(door_w / 2 + 0.2, 1.2, -d / 2 + 0.02))),
        Part(
            "ceiling_panel",
            bake(box(w * 0.6, 0.015, d * 0.6, rgba("#55544f")), ao=False),
            translate(0, h - 0.015, 0),
        ),
        Part(
            "ceiling_light",
            bake(box(w * 0.6, 0.02, d * 0.6, rgba("#fffaf0")), ao=False),
            lamp_rest,
            Material(emissive=light),
        ),
        Part("door_left", leaf, translate(-door_w / 4 - shift, 0, front), dimmed),
        Part("door_right", leaf, translate(door_w / 4 + shift, 0, front), dimmed),
        Part("outside" if args["between_floors"] else "lobby", bake(outside)),
    ]
    flicker = num(args, "flicker")
    lamp_anim: tuple[Animator, ...] = (Flicker(lamp_rest, flicker),) if flicker > 0 else ()
    n = count(args, "occupants")
    animators: tuple[Animator, ...] = ()
    if n:
        xs = np.arange(-w / 2 + 0.28, w / 2 - 0.27, 0.42)
        zs = np.arange(-d / 2 + 0.28, d / 2 - 0.27, 0.42)
        spots = [(x, z) for x in xs for z in zs if np.hypot(x, z) > 0.38]
        spots.sort(key=lambda p: (-np.hypot(p[0], p[1]), p))
        if len(spots) < n:  # a very full lift: people stand closer together
            spots += [(x * 0.6, z * 0.6) for x, z in spots]
        members = [
            (compose(translate(float(x), 0, float(z)), rot_y(np.pi)), 1000 + i, False, "neutral")
            for i, (x, z) in enumerate(spots[:n])
        ]
        people, anim = crowd("person_", members, [0.2] * n, seed)
        parts.extend(people)
        animators = (anim,)
    return Built(root(parts), (*lamp_anim, *animators))


class Flicker(Animator):
    """Switches the ceiling light off for moments (lifted into the ceiling, leaving its
    dark panel), more often with ``amount``; a fixed pattern of time, so every replay
    flickers the same."""

    def __init__(self, rest: F32, amount: float) -> None:
        self.rest = rest
        self.amount = amount

    @property
    def paths(self) -> tuple[str, ...]:
        return ("ceiling_light",)

    def lit(self, t: float) -> bool:
        slot = int(np.floor(t * 12.0))  # 1/12 s slots, like a failing tube
        noise = (np.sin(slot * 12.9898) * 43758.5453) % 1.0
        return bool(noise >= 0.6 * self.amount)

    def pose(self, t: float, ctx: PoseContext) -> F32:
        m = self.rest if self.lit(t) else translate(0, 0.1, 0) @ self.rest  # into the ceiling
        return np.asarray(m, np.float32)[None].copy()
