"""The behaviour of a virtual partner, as a scenario sets it (``partners: - behaviour:``).

Each value is a number, a choice, or a ``$parameter`` reference, so that a
scenario's levels set it (a friendly → a critical interviewer) and the therapist
can move it live. ``vrtherapy.partners.behaviour`` animates what these say.
"""

from __future__ import annotations

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
