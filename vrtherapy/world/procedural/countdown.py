"""A wall clock that counts down minutes and seconds (a talk's time, the wait before it).

Four seven-segment digits and a colon. Every segment is the same small mesh, so the
display costs one instanced draw call; a segment that is off is scaled to nothing by
the animator (animators move parts, they do not switch them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vrtherapy.world.geometry import bake, box, merge, rgba
from vrtherapy.world.model import Animator, Args, Built, Part, PoseContext
from vrtherapy.world.procedural.kit import num, root
from vrtherapy.world.transforms import compose, rot_z, translate
from vrtherapy.world.types import F32, Material

# Segments a..g of a digit, as (x, y, vertical) in a 1 x 2 cell centred on (0, 0).
SEGMENTS = (
    (0.0, 1.0, False),  # a, top
    (0.5, 0.5, True),  # b, upper right
    (0.5, -0.5, True),  # c, lower right
    (0.0, -1.0, False),  # d, bottom
    (-0.5, -0.5, True),  # e, lower left
    (-0.5, 0.5, True),  # f, upper left
    (0.0, 0.0, False),  # g, middle
)
DIGITS = ("abcdef", "bc", "abged", "abgcd", "fgbc", "afgcd", "afgedc", "abc", "abcdefg", "abcdfg")
LIT = np.array([[ch in DIGITS[d] for ch in "abcdefg"] for d in range(10)])  # (10, 7)


def shown(seconds_left: float) -> tuple[int, int, int, int]:
    """The four digits (MM:SS) shown with ``seconds_left`` remaining (never below 00:00)."""
    s = int(np.ceil(max(0.0, seconds_left)))
    m, s = divmod(min(s, 99 * 60 + 59), 60)
    return m // 10, m % 10, s // 10, s % 10


@dataclass(frozen=True, eq=False)
class Countdown(Animator):
    rest: F32  # (28, 4, 4) every segment's transform when lit
    seconds: float
    running: bool

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(f"digit_{d}/seg_{k}" for d in range(4) for k in range(7))

    def pose(self, t: float, ctx: PoseContext) -> F32:
        left = self.seconds - t if self.running else self.seconds
        on = LIT[list(shown(left))].reshape(-1)
        out = self.rest.copy()
        out[~on] = np.diag([0.0, 0.0, 0.0, 1.0]).astype(np.float32) @ out[~on]
        return out


def build_countdown(args: Args, seed: int) -> Built:
    """A dark panel facing +z with red digits, hung with its centre at the object's origin."""
    width = num(args, "size")
    cell = width / 5.6  # four digits and a colon, with margins
    seg = bake(box(0.8, 0.16, 0.02, rgba("#ff3b2f")), ao=False)
    half = cell * 0.5  # a digit cell is `cell` wide and two half-cells high
    red = rgba("#ff3b2f")
    # the panel and the colon are one mesh; the segments another, shared
    panel = bake(
        merge(
            box(width, cell * 2.0 * 1.4, 0.05, rgba("#141414"), translate(0, 0, -0.03)),
            *[box(0.12 * cell, 0.12 * cell, 0.02, red, translate(0, y * half * 1.6, 0))
              for y in (0.35, -0.35)],
        ),
        ao=False,
    )  # fmt: skip
    parts: list[Part] = [Part("panel", panel, material=Material(emissive=0.4))]
    rest: list[F32] = []
    xs = [-2.1 * cell, -0.95 * cell, 0.95 * cell, 2.1 * cell]
    for d, x in enumerate(xs):
        segs = []
        for k, (sx, sy, vertical) in enumerate(SEGMENTS):
            at = compose(translate(sx * cell * 0.8, sy * half * 1.6, 0.0))
            if vertical:
                at = at @ rot_z(np.pi / 2)
            at = at @ np.diag([cell * 0.8, cell * 0.8, 1.0, 1.0]).astype(np.float32)
            segs.append(Part(f"seg_{k}", seg, at, Material(emissive=0.9)))
            rest.append(translate(x, 0, 0) @ at)
        parts.append(Part(f"digit_{d}", None, translate(x, 0, 0), Material(), tuple(segs)))
    # The animator works in each digit's own frame: store the segments' local transforms.
    local = np.stack([r for r in rest]).astype(np.float32)
    for d, x in enumerate(xs):
        local[d * 7 : d * 7 + 7] = translate(-x, 0, 0) @ local[d * 7 : d * 7 + 7]
    anim = Countdown(local, num(args, "seconds"), bool(args["running"]))
    return Built(root(parts), (anim,))
