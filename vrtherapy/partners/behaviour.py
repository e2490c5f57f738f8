"""Partner behaviour: the parameters a scenario level and the therapist set, their blending,
and the per-frame animation they drive (gaze, saccades, aversion, blinking, nods,
expression), for one partner or a crowd of sixty in the same few array operations.

Pure numpy: :func:`animate` is a function of time, the client's tracked head and the
parameters, and returns an :class:`~vrtherapy.world.model.AvatarBatch` that the
world's avatar rig applies (``World.control_avatars``). Idle breathing and sway are
the rig's own (``world/procedural/avatar.py``); speech moves the jaw through
``jaw_open`` (lip sync).

Gaze follows the clinical picture (DOMAIN.md, "Social-skills training"): a partner
looks at the client's face for a share ``eye_contact`` of the time, in episodes of
about two seconds; between them it looks away (sideways and down, 12–35°), as people
do when they avert their gaze. While looking it makes small saccades (under 1°)
around the face. A new episode's gaze shift takes 80 ms, like a saccade.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, fields, replace
from typing import Literal, cast, get_args

import numpy as np
import numpy.typing as npt

from vrtherapy.authoring.behaviour import ATTITUDES as _AUTHORED_ATTITUDES
from vrtherapy.authoring.behaviour import BEHAVIOUR
from vrtherapy.authoring.scenario import PartnerSpec
from vrtherapy.world.model import AvatarBatch
from vrtherapy.world.resolve import Values, resolve_args

FloatArr = npt.NDArray[np.float64]
IntArr = npt.NDArray[np.int64]

Attitude = Literal["interested", "neutral", "bored", "hostile"]
ATTITUDES: tuple[Attitude, ...] = get_args(Attitude)
assert ATTITUDES == _AUTHORED_ATTITUDES  # one vocabulary with the scenario format

# the expression each audience attitude shows, and how much more or less it looks at
# the client than its glance rate alone says
_ATTITUDE_VALENCE = {"interested": 0.6, "neutral": 0.0, "bored": -0.3, "hostile": -0.9}

BLEND_S = 1.5  # a change of behaviour blends in over this long (1–2 s)
EPISODE_S = 2.0  # mean length of one look at the face, or away from it
GLANCE_S = 1.5  # how long a bystander's glance at the client lasts
SACCADE_S = 0.08  # how long a gaze shift takes
MICRO_SACCADE_S = 0.45  # how often the eyes jump a little while looking at the face
MICRO_SACCADE_DEG = 0.8
AVERT_DEG = (12.0, 35.0)  # how far the gaze goes when it is averted
BLINK_S = 0.15


@dataclass(frozen=True)
class Behaviour:
    """One partner's (or bystander's) behaviour; every field may be set live.

    ``eye_contact``: share of the time spent looking at the client's face, 0..1;
    ``valence``: expression, −1 hostile … +1 warm; ``interruption``: probability of
    cutting in on a client's turn, 0..1; ``latency_s``: pause before answering;
    ``speaking_rate``: relative to the voice's own rate; for audiences and bystanders,
    ``attitude`` and ``glances_per_min`` (how often they glance at the client).
    """

    eye_contact: float = 0.6
    valence: float = 0.0
    interruption: float = 0.0
    latency_s: float = 0.8
    speaking_rate: float = 1.0
    attitude: Attitude = "neutral"
    glances_per_min: float = 4.0

    def __post_init__(self) -> None:
        for name, lo, hi in LIMITS:
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise ValueError(f"behaviour '{name}' must be a number, got {v!r}")
            if not lo <= v <= hi:
                raise ValueError(f"behaviour '{name}' must be {lo:g}–{hi:g}, got {v:g}")
        if self.attitude not in ATTITUDES:
            raise ValueError(
                f"attitude must be one of {', '.join(ATTITUDES)}, got {self.attitude!r}"
            )


# the limits the scenario format checks (vrtherapy.authoring.behaviour), spelled once
LIMITS: tuple[tuple[str, float, float], ...] = tuple(
    (name, float(arg.min), float(arg.max))
    for name, arg in BEHAVIOUR.items()
    if arg.type == "number" and arg.min is not None and arg.max is not None
)
NUMERIC: tuple[str, ...] = tuple(name for name, _, _ in LIMITS)
assert set(BEHAVIOUR) == {f.name for f in fields(Behaviour)} == {*NUMERIC, "attitude"}


def behaviour_of(partner: PartnerSpec, values: Values) -> tuple[Behaviour, list[str]]:
    """A partner's behaviour at a scenario's current parameter values (its level, or the
    therapist's overrides); and problems found on the way (a reference with no value
    falls back to the default)."""
    resolved, problems = resolve_args(BEHAVIOUR, partner.behaviour, values)
    numbers = {name: float(resolved[name]) for name in NUMERIC}
    attitude = cast(Attitude, str(resolved["attitude"]))
    return Behaviour(**numbers, attitude=attitude), problems


def _smoothstep(x: float) -> float:
    x = min(1.0, max(0.0, x))
    return x * x * (3.0 - 2.0 * x)


def mix(a: Behaviour, b: Behaviour, w: float) -> Behaviour:
    """``a`` blended towards ``b`` by ``w`` (0..1). Numbers move smoothly; the attitude (a
    word) switches half-way, while what it shows (expression, gaze) blends through
    :func:`look_share` and :func:`expression`."""
    values = {n: getattr(a, n) + (getattr(b, n) - getattr(a, n)) * w for n in NUMERIC}
    return replace(b if w >= 0.5 else a, **values)


@dataclass(frozen=True)
class BehaviourTrack:
    """A behaviour on its way from ``start`` to ``target`` since ``since`` (seconds).

    Changing the target mid-way starts from where the blend is now, so no value ever
    jumps, however often the therapist moves a slider.
    """

    start: Behaviour
    target: Behaviour
    since: float = 0.0
    duration: float = BLEND_S

    @staticmethod
    def steady(b: Behaviour, now: float = 0.0) -> BehaviourTrack:
        return BehaviourTrack(b, b, now)

    def at(self, now: float) -> Behaviour:
        if self.duration <= 0 or now - self.since >= self.duration or self.start == self.target:
            return self.target
        return mix(self.start, self.target, _smoothstep((now - self.since) / self.duration))

    def weight(self, now: float) -> float:
        """How far the blend has come (0..1, smooth)."""
        return 1.0 if self.duration <= 0 else _smoothstep((now - self.since) / self.duration)

    def retarget(self, target: Behaviour, now: float) -> BehaviourTrack:
        return BehaviourTrack(self.at(now), target, now, self.duration)


def look_share(b: Behaviour, bystander: bool) -> float:
    """The share of time spent looking at the client: a partner's eye contact, or a
    bystander's glances (each :data:`GLANCE_S` long)."""
    if not bystander:
        return b.eye_contact
    return min(1.0, b.glances_per_min * GLANCE_S / 60.0)


def expression(b: Behaviour, bystander: bool) -> float:
    """The valence shown: a partner's own, or for bystanders the attitude's."""
    return _ATTITUDE_VALENCE[b.attitude] if bystander else b.valence


@dataclass(frozen=True, eq=False)
class Members:
    """What :func:`animate` needs of N avatars, as arrays (blend these per frame)."""

    eyes: FloatArr  # (N, 3) where each avatar's eyes are, world space
    share: FloatArr  # (N,) share of time looking at the client
    valence: FloatArr  # (N,) -1..1
    seeds: IntArr  # (N,) each member's own random stream
    listening: npt.NDArray[np.bool_]  # (N,) the client is speaking to this one
    jaw: FloatArr  # (N,) lip sync 0..1, NaN while not speaking
    nod: FloatArr  # (N,) a requested nod (dialogue gesture): seconds since it began, NaN: none

    @staticmethod
    def of(
        eyes: FloatArr,
        behaviours: list[Behaviour] | list[BehaviourTrack],
        now: float,
        seeds: IntArr,
        bystander: bool = False,
    ) -> Members:
        """Members with behaviour blended at ``now`` (tracks) and nothing spoken."""
        bs = [b.at(now) if isinstance(b, BehaviourTrack) else b for b in behaviours]
        n = len(bs)
        return Members(
            np.asarray(eyes, np.float64).reshape(n, 3),
            np.array([look_share(b, bystander) for b in bs], np.float64),
            np.array([expression(b, bystander) for b in bs], np.float64),
            np.asarray(seeds, np.int64),
            np.zeros(n, bool),
            np.full(n, np.nan),
            np.full(n, np.nan),
        )


_FNV_START = np.uint64(1469598103934665603)
_FNV_PRIME = np.uint64(1099511628211)
_SHIFT = np.uint64(29)


def _mix(state: npt.NDArray[np.uint64], *keys: npt.ArrayLike) -> npt.NDArray[np.uint64]:
    """FNV-style mixing of integer keys into ``state``; mixing (a, b) then (c,) equals
    mixing (a, b, c), so a member's constant keys are mixed once (:func:`_streams`)."""
    out = state
    with np.errstate(over="ignore"):
        for k in keys:
            out = (out ^ _key(k)) * _FNV_PRIME
            out ^= out >> _SHIFT
    return out


def _key(k: npt.ArrayLike) -> np.uint64 | npt.NDArray[np.uint64]:
    """A key as unsigned 64-bit (negative integers wrap); a plain int without array
    conversions (most keys are small constants)."""
    if isinstance(k, int) and k >= 0:
        return np.uint64(k)
    if isinstance(k, np.ndarray) and k.dtype == np.uint64:
        return k
    return np.asarray(k).astype(np.int64).astype(np.uint64)


def _unit(state: npt.NDArray[np.uint64]) -> FloatArr:
    return (state % np.uint64(1 << 24)).astype(np.float64) / float(1 << 24)


def _hash01(*keys: npt.ArrayLike) -> FloatArr:
    """Deterministic numbers in [0, 1) from integer keys, vectorised (FNV-style mixing):
    the same member at the same moment always gets the same draw, so animation is a
    pure function of time, and replays and stereo eyes agree."""
    shape = np.broadcast(*[np.asarray(k) for k in keys]).shape
    return _unit(_mix(np.full(shape, _FNV_START, np.uint64), *keys))


# the episodes drawn for the last slots asked (see _episodes): the slots and the draws
_Episodes = tuple[FloatArr, FloatArr, FloatArr]


@functools.lru_cache(maxsize=64)
def _streams_of(
    seeds: bytes,
) -> tuple[npt.NDArray[np.uint64], dict[int, FloatArr], list[_Episodes]]:
    s = np.frombuffer(seeds, np.int64)
    state = _mix(np.full(len(s), _FNV_START, np.uint64), s, np.arange(len(s)))
    state.flags.writeable = False
    return state, {}, []


class _Draws:
    """Draws of N members' random streams: ``draw(*keys)`` equals
    ``_hash01(seeds, arange(N), *keys)``; draws with constant keys are kept, and so are
    the draws of the last episodes (``kept_episodes``, see :func:`_episodes`)."""

    def __init__(self, seeds: IntArr) -> None:
        self.state, self._constant, self.kept_episodes = _streams_of(
            np.asarray(seeds, np.int64).tobytes()
        )

    def draw(self, *keys: npt.ArrayLike) -> FloatArr:
        return _unit(_mix(self.state, *keys))

    def after(self, key: npt.ArrayLike) -> npt.NDArray[np.uint64]:
        """The streams mixed with ``key``, for several draws that start with it
        (``_unit(_mix(r.after(k), j)) == r.draw(k, j)``)."""
        return _mix(self.state, key)

    def constant(self, key: int) -> FloatArr:
        got = self._constant.get(key)
        if got is None:
            got = self._constant[key] = self.draw(key)
            got.flags.writeable = False
        return got


def _smooth(x: FloatArr) -> FloatArr:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def _basis(forward: FloatArr) -> tuple[FloatArr, FloatArr]:
    """Unit 'right' and 'up' vectors perpendicular to each (N, 3) unit ``forward``:
    right along forward × world up, up = right × forward (written out); for a forward
    straight up or down, right is +x."""
    f0, f1, f2 = forward.T
    h = np.hypot(f0, f2)  # the length of forward × world up
    level = h > 1e-6
    everywhere = bool(level.all())  # (the usual case: nobody looks straight up or down)
    inv = 1.0 / (h if everywhere else np.where(level, h, 1.0))
    zero = np.zeros_like(h)
    # (np.array(...).T: the columns side by side, as np.stack(..., 1) but cheaper)
    right = np.array([-f2 * inv, zero, f0 * inv]).T
    up = np.array([-f0 * f1 * inv, h, -f1 * f2 * inv]).T
    if not everywhere:  # straight up or down: right is +x, up is +x × forward
        right = np.where(level[:, None], right, _RIGHT)
        up = np.where(level[:, None], up, np.array([zero, -f2, f1]).T)
    return right, up


_RIGHT = np.array([1.0, 0.0, 0.0])
# the keys of the draws of a micro saccade (how far, which way) and of an episode
# (looking or not, how far away, which side, how far round), each drawn for all members
_MICRO_KEYS = np.array([[7], [8]], np.uint64)
_EPISODE_KEYS = np.array([[2], [3], [4], [5]], np.uint64)


def _length(v: FloatArr) -> FloatArr:
    """Row lengths of (N, 3) vectors."""
    return np.asarray(np.sqrt(np.einsum("ij,ij->i", v, v)), np.float64)


def gaze_targets(t: float, head: FloatArr, m: Members) -> tuple[FloatArr, npt.NDArray[np.bool_]]:
    """Where each member looks at time ``t`` (world points, (N, 3)) and whether it looks at
    the client's face then.

    Each look is the direction to the face turned by an angle towards a direction round
    it (a micro saccade, or an averted look); it is worked out as how much of forward,
    right and up it has, and a new episode's look blends in from the last one's."""
    r = _Draws(m.seeds)
    to_head = np.asarray(head, np.float64)[None, :] - m.eyes
    dist = np.maximum(_length(to_head), 0.2)
    forward = to_head / dist[:, None]
    right, up = _basis(forward)

    s = t / EPISODE_S + r.constant(1)
    slot = np.floor(s)
    micro = np.floor(t / MICRO_SACCADE_S + r.constant(6))
    n = len(slot)
    # looking: small saccades around the face
    micro_size, micro_way = _unit(_mix(r.after(micro), _MICRO_KEYS))
    near = _turn_parts(MICRO_SACCADE_DEG * micro_size, 2 * np.pi * micro_way)
    # the look of the episode before and of this one, both over 2N rows
    look, away = _episodes(r, slot)
    looking2 = look < np.concatenate([m.share, m.share])
    part2 = np.where(looking2, np.concatenate([near, near], 1), away)
    w = _smooth((s - slot) * EPISODE_S / SACCADE_S)
    part = part2[:, :n] + (part2[:, n:] - part2[:, :n]) * w
    direction = np.einsum("kn,knj->nj", part, np.array([forward, right, up]))
    direction /= _length(direction)[:, None]
    return m.eyes + direction * dist[:, None], looking2[n:] & (w >= 1.0)


def _turn_parts(angle: FloatArr, around: FloatArr) -> FloatArr:
    """A turn by ``angle`` (degrees) towards ``around`` (radians round the direction, 0:
    right, π/2: up) as its parts of forward, right and up, (3, N): cos(angle) forward +
    sin(angle) (cos(around) right + sin(around) up)."""
    a = np.radians(angle)
    sin_a = np.sin(a)
    return np.array([np.cos(a), sin_a * np.cos(around), sin_a * np.sin(around)])


def _episodes(r: _Draws, slot: FloatArr) -> tuple[FloatArr, FloatArr]:
    """For each member's episode before ``slot`` and this one (2N): the number its share
    of looking at the face is compared with, and the parts (3, 2N) of its averted look.
    Kept while no member's episode changes (every 2 s): they depend on the slots alone."""
    kept = r.kept_episodes
    if kept and np.array_equal(kept[0][0], slot):
        return kept[0][1], kept[0][2]
    at_k = _mix(np.concatenate([r.state, r.state]), np.concatenate([slot - 1, slot]))
    look, away_size, away_side, away_round = _unit(_mix(at_k, _EPISODE_KEYS))
    # averted: sideways and down, 12–35° off the face
    lo, hi = AVERT_DEG
    swing = 0.3 + 0.7 * away_round
    parts = _turn_parts(
        lo + (hi - lo) * away_size, np.where(away_side < 0.5, -swing, np.pi + swing)
    )
    look.flags.writeable = parts.flags.writeable = False
    kept[:] = [(slot.copy(), look, parts)]  # in one step: another thread reads it whole
    return look, parts


def blinks(t: float, m: Members) -> FloatArr:
    """Eyelid closure 0..1: a blink every 2.5–5.5 s (each member its own rhythm)."""
    r = _Draws(m.seeds)
    period = 2.5 + 3.0 * r.constant(20)
    local = np.mod(t + period * r.constant(21), period)
    half = BLINK_S / 2
    return np.asarray(np.clip(1.0 - np.abs(local - half) / half, 0.0, 1.0), np.float64)


def nods(t: float, m: Members) -> FloatArr:
    """Extra head pitch (radians): listening nods, more often the warmer the partner, and
    nods the dialogue asks for (``m.nod``: seconds since the nod began)."""
    out = np.zeros(len(m.seeds))
    if m.listening.any():  # (nobody nods while no one is listening: skip the draws)
        r = _Draws(m.seeds)
        slot = np.floor(t / 3.0 + r.constant(30))
        chance = np.where(m.listening, 0.25 + 0.5 * np.clip(m.valence, 0, 1), 0.0)
        nodding = r.draw(slot, 31) < chance
        local = np.mod(t / 3.0 + r.constant(30), 1.0) * 3.0  # seconds into the slot
        out += np.where(nodding & (local < 0.8), 0.1 * np.sin(np.pi * local / 0.4) ** 2, 0.0)
    asked = np.where(np.isnan(m.nod), -1.0, m.nod)
    if (asked >= 0).any():
        out += np.where((asked >= 0) & (asked < 0.9), 0.16 * np.sin(np.pi * asked / 0.45) ** 2, 0.0)
    return out


def animate(t: float, head: FloatArr, m: Members) -> AvatarBatch:
    """The rig requests for every member at time ``t`` with the client's head at ``head``."""
    targets, _ = gaze_targets(t, head, m)
    brows = np.clip(m.valence, -1.0, 1.0)
    return AvatarBatch(targets, np.asarray(m.jaw, np.float64), blinks(t, m), brows, nods(t, m))
