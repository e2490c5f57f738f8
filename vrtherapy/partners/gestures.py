"""What a dialogue line asks of the body and face while it is said: its ``expression``
and its ``gesture`` (``authoring/dialogue.py``), as the rig's channels (pure).

A line's expression takes over the face from the partner's valence while the line
plays: it blends in over :data:`EASE_IN_S` from the line's start and back to the
valence over :data:`EASE_OUT_S` after its end, so the face never jumps. The face has
one expression axis, −1 (frown: brows down and drawn in, lids narrowed, mouth corners
down) … +1 (a smile); each authored expression is a place on it
(:data:`EXPRESSION_VALENCE`): ``surprise`` a little warm, ``concern`` and ``bored``
a little cool. A glTF character shows the same axis through its smile and frown
morph targets, and nods and shakes its head with its head joint (its mapping names no
shoulders or spine, so shrug, wave and lean show on procedural figures only).

A gesture plays once from the line's start: ``nod`` (two nods of the head),
``shake_head`` (three turns of the head, the eyes staying on the client), ``shrug``
(shoulders up and down), ``wave`` (the right arm raised, its forearm waving),
``lean_forward`` and ``lean_back`` (the torso tilts while the line plays and returns
after it). Each is a curve of time that is zero before the line and after the
gesture, so the body returns to rest. A line's act carries the act of the partner's
line before it while that one still shows (``LineAct.before``): a new line or a skip
adds to what is fading out rather than replacing it, so nothing jumps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vrtherapy.authoring.dialogue import EXPRESSIONS, GESTURES
from vrtherapy.world.model import GESTURE_CHANNELS

EASE_IN_S = 0.3  # a line's expression blends in over this long from its start
EASE_OUT_S = 0.6  # ... and out over this long after its end
NOD_S = 0.9  # a requested nod (behaviour.nods) lasts this long
SHAKE_S = 1.35  # three turns of the head
SHAKE_RAD = 0.22
SHRUG_S = 1.2
WAVE_S = 2.4
LEAN_RAD = 0.12
LEAN_EASE_S = 0.5
GESTURE_ONLY_S = 1.5  # a line with a gesture and no words lasts this long
LONGEST_S = max(NOD_S, SHAKE_S, SHRUG_S, WAVE_S)

EXPRESSION_VALENCE: dict[str, float] = {
    "neutral": 0.0,
    "smile": 0.9,
    "frown": -0.9,
    "surprise": 0.35,
    "concern": -0.45,
    "bored": -0.3,
}
assert set(EXPRESSION_VALENCE) == set(EXPRESSIONS)
assert set(GESTURES) == {"none", "nod", "shake_head", "shrug", "wave", "lean_forward", "lean_back"}
_HEAD_YAW, _LEAN, _SHRUG, _ARM = (GESTURE_CHANNELS.index(n) for n in GESTURE_CHANNELS)


@dataclass(frozen=True)
class LineAct:
    """A line as the body sees it: its gesture and expression ('' keeps the valence's
    face), ``since`` seconds since it began and its length ``seconds``."""

    gesture: str
    expression: str
    since: float
    seconds: float
    # the partner's line before this one, still fading out under it (its expression
    # easing back, its gesture finishing), so a new line or a skip never snaps the body
    before: LineAct | None = None

    @property
    def over(self) -> bool:
        """Whether nothing of it (nor of the act fading under it) shows any more."""
        own = self.since > max(self.seconds + max(EASE_OUT_S, LEAN_EASE_S), LONGEST_S)
        return own and (self.before is None or self.before.over)


def _smooth(x: float) -> float:
    x = min(1.0, max(0.0, x))
    return x * x * (3.0 - 2.0 * x)


def _hold(since: float, seconds: float, ease_in: float, ease_out: float) -> float:
    """0 before ``since`` 0, up to 1 over ``ease_in``, held until ``seconds``, back to 0
    over ``ease_out``."""
    if since < 0:
        return 0.0
    return min(_smooth(since / ease_in), 1.0 - _smooth((since - seconds) / ease_out))


def face_valence(valence: float, act: LineAct | None) -> float:
    """The expression shown: the partner's valence, taken over by its line's expression
    while the line plays (blended in and out), over what the line before still shows."""
    if act is None:
        return valence
    base = face_valence(valence, act.before)
    if act.expression not in EXPRESSION_VALENCE:
        return base
    w = _hold(act.since, act.seconds, EASE_IN_S, EASE_OUT_S)
    return base + (EXPRESSION_VALENCE[act.expression] - base) * w


def nod_since(act: LineAct | None) -> float:
    """Seconds since a requested nod began (``Members.nod``), NaN when none plays."""
    if act is None:
        return math.nan
    if act.gesture != "nod" or not 0.0 <= act.since < NOD_S:
        return nod_since(act.before)
    return act.since


def gesture_channels(act: LineAct | None) -> npt.NDArray[np.float64]:
    """The gesture's ``AvatarBatch.gesture`` row now (zeros: at rest), with what the
    line before still shows."""
    row = np.zeros(len(GESTURE_CHANNELS))
    if act is None:
        return row
    if act.before is not None:
        row += gesture_channels(act.before)
    if act.since < 0:
        return row
    s = act.since
    if act.gesture == "shake_head" and s < SHAKE_S:
        envelope = math.sin(math.pi * s / SHAKE_S)
        row[_HEAD_YAW] += SHAKE_RAD * envelope * math.sin(2 * math.pi * 3 * s / SHAKE_S)
    elif act.gesture == "shrug" and s < SHRUG_S:
        row[_SHRUG] += math.sin(math.pi * s / SHRUG_S) ** 2
    elif act.gesture == "wave" and s < WAVE_S:
        row[_ARM] += _hold(s, WAVE_S - 0.4, 0.4, 0.4)
    elif act.gesture in ("lean_forward", "lean_back"):
        sign = 1.0 if act.gesture == "lean_forward" else -1.0
        row[_LEAN] += sign * LEAN_RAD * _hold(s, act.seconds, LEAN_EASE_S, LEAN_EASE_S)
    row[_SHRUG] = min(row[_SHRUG], 1.0)  # two lines' shrugs or waves overlapping
    row[_ARM] = min(row[_ARM], 1.0)
    return row
