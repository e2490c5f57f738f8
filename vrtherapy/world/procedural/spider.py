"""A spider: two-part body and eight jointed legs that walk when ``speed`` > 0; optionally
inside a glass jar."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vrtherapy.world.geometry import bake, capsule, cylinder, ellipsoid, merge, rgba, sphere
from vrtherapy.world.model import Animator, Args, Built, Part, PoseContext
from vrtherapy.world.procedural.kit import GLASS, num, root
from vrtherapy.world.transforms import (
    compose,
    identity,
    rot_y,
    rot_y_batch,
    rot_z,
    rot_z_batch,
    translate,
)
from vrtherapy.world.types import F32, Material

LEG_YAWS = (0.45, 0.95, 1.6, 2.2)  # per side, front to back (radians from +z)


# species -> (body colours, markings, leg length / body, leg thickness, abdomen / body)
SPECIES: dict[str, tuple[tuple[str, ...], tuple[str, ...], float, float, float]] = {
    "house": (("#3b2a1f", "#2a211c", "#4a3626"), ("#8a6a45", "#a08060"), 1.5, 1.0, 0.58),
    "garden": (("#7a5a2a", "#8b6b35", "#6a4a22"), ("#f2e6c8", "#e8d080"), 0.95, 0.9, 0.75),
    "wolf": (("#4a3f35", "#5a4a3a", "#3f352c"), ("#c8b89a", "#a89878"), 1.0, 1.3, 0.62),
    "tarantula": (("#1e1a18", "#2b2420", "#241c18"), ("#c07a3a", "#d08a4a"), 0.95, 2.3, 0.66),
}


def _leg_paths(prefix: str) -> tuple[str, ...]:
    out = []
    for i in range(8):
        out += [
            f"{prefix}body/leg_{i}",
            f"{prefix}body/leg_{i}/femur",
            f"{prefix}body/leg_{i}/femur/tibia",
        ]
    return tuple(out)


@dataclass(frozen=True, eq=False)
class Walk(Animator):
    """The body circles round the spider's spot (``radius`` from it); legs step in an
    alternating tetrapod gait.
    With ``speed`` 0 the spider holds perfectly still."""

    rest: F32  # (25, 4, 4): body, then (hip, femur, tibia) per leg
    speed: float
    radius: float
    stride: float
    prefix: str = ""  # path of the spider's own node ('' for a single spider), with '/'
    start: float = 0.0  # angle on its circle at t = 0, radians

    @property
    def paths(self) -> tuple[str, ...]:
        return (f"{self.prefix}body", *_leg_paths(self.prefix))

    def pose(self, t: float, ctx: PoseContext) -> F32:
        out = self.rest.copy()
        if self.speed <= 0.0:
            return out
        angle = self.start + self.speed * t / self.radius
        x, z = self.radius * np.sin(angle), self.radius * np.cos(angle)
        heading = angle + np.pi / 2  # tangent of the circle
        out[0] = compose(translate(float(x), 0, float(z)), rot_y(float(heading))) @ self.rest[0]
        cycle = 2 * np.pi * self.speed * t / self.stride
        legs = np.arange(8)
        group = (legs % 2) ^ (legs // 4)  # alternate sides and neighbours
        phase = cycle + np.pi * group
        swing = 0.25 * np.sin(phase)
        lift = 0.35 * np.maximum(0.0, np.cos(phase))
        hips = 1 + 3 * legs
        out[hips] = out[hips] @ rot_y_batch(swing)
        out[hips + 1] = out[hips + 1] @ rot_z_batch(lift)
        out[hips + 2] = out[hips + 2] @ rot_z_batch(-0.5 * lift)
        return out


def _one_spider(s: float, species: str, rng: np.random.Generator) -> tuple[Part, F32, float]:
    """The body part (with its legs), the rest transforms the walk animates, leg length."""
    colours, marks, leg_k, thick, abd_k = SPECIES[species]
    base = rgba(str(rng.choice(list(colours))))
    mark = rgba(str(rng.choice(list(marks))))
    abd = s * abd_k * rng.uniform(0.9, 1.1)
    leg_len = s * leg_k * rng.uniform(0.9, 1.1)
    body_h = s * 0.35 * (1.0 if leg_k > 1.2 else 0.8)
    ceph = ellipsoid(s * 0.22, s * 0.15, s * 0.26, base, translate(0, 0, s * 0.18))
    abdomen = ellipsoid(abd * 0.6, abd * 0.5, abd * 0.8, base, translate(0, s * 0.05, -abd * 0.55))
    stripe = ellipsoid(
        abd * 0.2, abd * 0.12, abd * 0.6, mark, translate(0, s * 0.05 + abd * 0.42, -abd * 0.55)
    )
    eyes = [
        sphere(s * 0.03, (0.0, 0.0, 0.0, 1.0), translate(dx * s, s * 0.12, s * 0.42), 1)
        for dx in (-0.05, 0.05)
    ]
    body_mesh = bake(merge(ceph, abdomen, stripe, *eyes), ao=False)
    femur_l, tibia_l = leg_len * 0.55, leg_len * 0.75
    femur = bake(
        capsule(s * 0.035 * thick, femur_l, base, compose(translate(femur_l / 2, 0, 0)), axis="x"),
        ao=False,
    )
    tibia = bake(
        capsule(s * 0.028 * thick, tibia_l, base, compose(translate(tibia_l / 2, 0, 0)), axis="x"),
        ao=False,
    )
    legs: list[Part] = []
    rest: list[F32] = []
    for i in range(8):
        side = 1 if i < 4 else -1
        yaw = (
            side * (np.pi / 2 - LEG_YAWS[i % 4])
            if side > 0
            else np.pi + (np.pi / 2 - LEG_YAWS[i % 4])
        )
        hip = compose(translate(0, 0, s * 0.15), rot_y(float(yaw)))
        up = rot_z(0.7)  # femur rises ...
        down = compose(translate(femur_l, 0, 0), rot_z(-1.9))  # ... tibia comes down to the floor
        tib = Part("tibia", tibia, down)
        legs.append(
            Part(f"leg_{i}", None, hip, Material(), (Part("femur", femur, up, children=(tib,)),))
        )
        rest += [hip, up, down]
    body_rest = translate(0, body_h, 0)
    body = Part("body", body_mesh, body_rest, Material(roughness=0.5), tuple(legs))
    return body, np.stack([body_rest, *rest]).astype(np.float32), leg_len


def build_spider(args: Args, seed: int) -> Built:
    """One or more spiders of a species; with ``count`` > 1 they sit round the object's
    spot (about two body lengths apart) and each walks its own circle."""
    s = num(args, "size")
    n = int(args["count"])
    roam = num(args, "roam")
    species = str(args["species"])
    rng = np.random.default_rng([int(args["seed"]), seed])
    parts: list[Part] = []
    anims: list[Walk] = []
    jar_r = max(s * 2.2, 0.05) * (1.0 if n == 1 else 1.0 + 0.5 * np.sqrt(n))
    # One look shared by all of them: the same meshes, instanced (one draw call per part).
    body, rest, leg_len = _one_spider(s, species, rng)
    for k in range(n):
        radius = roam if roam > 0 else s * 3.0
        if args["contained"]:
            radius = max(jar_r - leg_len * 1.1, s * 0.3)
        if n == 1:
            parts.append(body)
            anims.append(Walk(rest, num(args, "speed"), radius, s * 0.8))
            continue
        ring = s * 2.5 * np.sqrt(k)  # a sunflower spiral keeps them apart
        at = translate(float(ring * np.cos(2.4 * k)), 0, float(ring * np.sin(2.4 * k)))
        parts.append(Part(f"spider_{k}", None, at, Material(), (body,)))
        anims.append(
            Walk(rest, num(args, "speed"), radius, s * 0.8, f"spider_{k}/", float(2.4 * k))
        )
    if args["contained"]:
        jar_h = max(s * 2.0, 0.08)
        jar = bake(cylinder(jar_r, jar_h, (1.0, 1.0, 1.0, 1.0), base=True, sections=28), ao=False)
        lid = bake(
            cylinder(
                jar_r * 1.04,
                jar_h * 0.08,
                rgba("#b8b8b8"),
                translate(0, jar_h, 0),
                base=True,
                sections=28,
            )
        )
        parts.append(Part("jar", jar, material=GLASS))
        # an open jar: the lid lies on the table beside it
        lid_at = identity() if args["lid"] else translate(jar_r * 2.4, -jar_h, 0)
        parts.append(Part("lid", lid, lid_at))
    return Built(root(parts), tuple(anims))
