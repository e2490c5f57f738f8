"""The session's words, spelled once: safety actions and states, prompts, actors, sources.

Events, state, snapshots and commands use these ``Literal`` types; other packages
(the console, reports) take the same names from here instead of repeating them.
"""

from __future__ import annotations

from typing import Literal, get_args

Actor = Literal["therapist", "client", "system", "coach"]
SafetyKind = Literal["pause", "blackout", "calm_scene", "resume", "stop"]
"""A safety action someone can take."""
SafetyState = Literal["none", "paused", "blackout", "calm_scene"]
"""What the client is shown because of safety actions."""
PromptKind = Literal["suds", "comfort", "expectancy_before", "expectancy_after"]
PromptTrigger = Literal["timer", "step_entry", "therapist", "coach", "trial_end"]
RatingSource = Literal["headset", "therapist", "coach"]
ExpectancyPhase = Literal["before", "after"]
Direction = Literal["up", "down", "variation", "calm"]
CueTrigger = Literal["therapist", "timer", "level"]
FloorDirection = Literal["up", "down"]  # the client's elevator request: one stop
# why the client's elevator request was refused ("" in records made before causes were kept)
RefusalCause = Literal["", "not_shown", "locked", "not_stopping", "top", "bottom", "on_its_way"]
Decision = Literal["accepted", "declined", "overridden", "withdrawn"]

ACTORS: tuple[Actor, ...] = get_args(Actor)
SAFETY_KINDS: tuple[SafetyKind, ...] = get_args(SafetyKind)
SAFETY_STATES: tuple[SafetyState, ...] = get_args(SafetyState)
PROMPT_KINDS: tuple[PromptKind, ...] = get_args(PromptKind)
RATING_SOURCES: tuple[RatingSource, ...] = get_args(RatingSource)
