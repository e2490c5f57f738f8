"""How an attitude shows in a person's body: posture, gaze, hands and face.

One table that every avatar reads — the audience of a talk, the patrons of a café,
a single partner — so that "bored" looks the same wherever it is used, and partner
behaviour can ask for the same attitudes. Pure data and numpy, no GL.

After Pertaub, Slater & Barker (2002): an interested audience leans forward, looks
at the speaker and nods; a bored one slumps back, looks away or down at a phone and
yawns; a hostile one leans back with arms crossed, frowns and stares.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Hands = str  # "rest" (on the lap or at the sides), "crossed", "phone"


@dataclass(frozen=True)
class Attitude:
    """What one attitude does to a body. Angles in radians."""

    name: str
    gaze: float  # share of the time spent looking at the client, 0..1
    lean: float  # torso pitch: > 0 towards the client, < 0 slumped back
    head_down: float  # resting head pitch when not looking at the client (> 0: down)
    away: float  # how far (yaw) the head turns when looking elsewhere
    hands: Hands
    brows: float  # -1 (frown) .. 1 (raised, friendly)
    nod: float  # share of 4-s slots in which the person nods
    yawn: float  # share of 9-s slots in which the person yawns


ATTITUDES: dict[str, Attitude] = {
    "interested": Attitude("interested", 0.85, 0.14, 0.0, 0.5, "rest", 0.6, 0.3, 0.0),
    "neutral": Attitude("neutral", 0.5, 0.0, 0.05, 0.8, "rest", 0.0, 0.0, 0.0),
    "bored": Attitude("bored", 0.1, -0.22, 0.55, 1.4, "phone", -0.2, 0.0, 0.25),
    "hostile": Attitude("hostile", 0.7, -0.16, -0.05, 1.0, "crossed", -1.0, 0.0, 0.0),
}

# Older names still accepted: a "friendly" avatar is an interested one; a "positive"
# audience is interested and a "negative" one a mix of bored and hostile people.
ALIASES: dict[str, tuple[str, ...]] = {
    "friendly": ("interested",),
    "positive": ("interested",),
    "negative": ("bored", "hostile", "bored"),
}

NAMES = tuple(ATTITUDES)


def attitude(name: str) -> Attitude:
    """The attitude called ``name`` (aliases give their first attitude)."""
    if name in ATTITUDES:
        return ATTITUDES[name]
    if name in ALIASES:
        return ATTITUDES[ALIASES[name][0]]
    raise KeyError(f"unknown attitude '{name}'; known: {', '.join(NAMES + tuple(ALIASES))}")


def assign(name: str, count: int) -> tuple[str, ...]:
    """Attitudes of ``count`` people of a group described by ``name``: a plain attitude
    for everyone, an alias's mix in turn."""
    mix = ALIASES.get(name, (attitude(name).name,))
    return tuple(mix[i % len(mix)] for i in range(count))


@dataclass(frozen=True)
class GroupTraits:
    """The per-person numbers of a group, as arrays for vectorised animation."""

    gaze: npt.NDArray[np.float64]
    head_down: npt.NDArray[np.float64]
    away: npt.NDArray[np.float64]
    brows: npt.NDArray[np.float64]
    nod: npt.NDArray[np.float64]
    yawn: npt.NDArray[np.float64]


def traits(
    names: Sequence[str], gaze: Sequence[float] | npt.NDArray[np.float64] | None = None
) -> GroupTraits:
    """Arrays of the attitudes' traits; ``gaze`` (per person) overrides the attitude's."""
    rows = [attitude(n) for n in names]

    def col(f: str) -> npt.NDArray[np.float64]:
        return np.array([float(getattr(a, f)) for a in rows], dtype=np.float64)

    g = col("gaze") if gaze is None else np.asarray(gaze, dtype=np.float64)
    return GroupTraits(g, col("head_down"), col("away"), col("brows"), col("nod"), col("yawn"))
