"""The behaviour of a virtual partner, as a scenario sets it (``partners: - behaviour:``).

Each value is a number, a choice, or a ``$parameter`` reference, so that a
scenario's levels set it (a friendly → a critical interviewer) and the therapist
can move it live. ``vrtherapy.partners.behaviour`` animates what these say.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vrtherapy.authoring.common import is_ref, ref_name
from vrtherapy.authoring.procedural import Arg

ATTITUDES: tuple[str, ...] = ("interested", "neutral", "bored", "hostile")

BEHAVIOUR: dict[str, Arg] = {
    "eye_contact": Arg("number", 0.6, "share of the time looking at the client's face", 0, 1),
    "valence": Arg("number", 0.0, "expression and feedback: -1 hostile … +1 warm", -1, 1),
    "interruption": Arg("number", 0.0, "probability of cutting in on the client", 0, 1),
    "latency_s": Arg("number", 0.8, "pause before answering, seconds", 0, 10),
    "speaking_rate": Arg("number", 1.0, "speech rate relative to the voice's own", 0.5, 2),
    "attitude": Arg(
        "choice", "neutral", "audiences and bystanders: how they behave", choices=ATTITUDES
    ),
    "glances_per_min": Arg(
        "number", 4.0, "audiences and bystanders: glances at the client per minute", 0, 30
    ),
}


def behaviour_number(
    behaviour: Mapping[str, Any],
    name: str,
    values: Mapping[str, float | bool | str],
    live: Mapping[str, float | str] | None = None,
) -> float:
    """One of a partner's behaviour numbers now (``behaviour``: its scenario entry): the
    therapist's live value, else the level's (a ``$parameter`` resolved against
    ``values``), else the default; a value that is not a number (or a reference with no
    value) gives the default, and the result is brought into the number's range. The
    session (interruption) and the engine (latency, speaking rate) both ask this."""
    arg = BEHAVIOUR[name]
    assert arg.type == "number", name
    value: Any = (live or {}).get(name)
    if not isinstance(value, int | float) or isinstance(value, bool):
        value = behaviour.get(name, arg.default)
        if is_ref(value):
            value = values.get(ref_name(str(value)), arg.default)
    return float(arg.coerce(value))
