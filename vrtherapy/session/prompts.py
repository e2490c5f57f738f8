"""The prompt schedule: when to ask the client for SUDS, comfort and expectancy
ratings, and when an unanswered prompt has timed out. Pure functions of state and time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vrtherapy.session.events import PromptKind, PromptTrigger
from vrtherapy.session.state import Prompt, SessionState


@dataclass(frozen=True)
class Issue:
    kind: PromptKind
    trigger: PromptTrigger


@dataclass(frozen=True)
class TimeOut:
    prompt: Prompt


def due(state: SessionState, now: float) -> list[Issue | TimeOut]:
    """Prompts to issue and prompts that timed out at session time ``now``."""
    h = state.hierarchy
    if h is None or not state.running:
        return []
    settings = h.prompts
    out: list[Issue | TimeOut] = [
        TimeOut(p) for p in state.prompts if now - p.issued_at >= settings.timeout_s
    ]
    timed_out = {t.prompt.kind for t in out if isinstance(t, TimeOut)}
    if state.safety != "none":
        return out  # no new prompts while paused, blacked out or in the calm scene

    def free(kind: str) -> bool:
        return state.pending(kind) is None or kind in timed_out

    entered = state.step_entered_at
    # SUDS: after the settle time on entering a step, then every interval
    if free("suds"):
        last = max(state.last_prompt_at.get("suds", -1.0), state.last_rating_at or -1.0)
        if last < entered:
            if now - entered >= settings.settle_time_s:
                out.append(Issue("suds", "step_entry"))
        elif now - last >= settings.suds_interval_min * 60:
            out.append(Issue("suds", "timer"))
    # comfort (Fast Motion Sickness) on its own schedule
    if settings.comfort_enabled and free("comfort"):
        last_comfort = max(
            state.last_prompt_at.get("comfort", 0.0),
            state.comfort[-1][0] if state.comfort else 0.0,
        )
        if now - last_comfort >= settings.comfort_interval_min * 60:
            out.append(Issue("comfort", "timer"))
    # expectancy before and after a trial (inhibitory learning, or a step that asks)
    step = h.steps[state.step_index] if 0 <= state.step_index < len(h.steps) else None
    wants_expectancy = h.progression.mode == "inhibitory" or (
        step is not None and step.expectancy is not None
    )
    if wants_expectancy:
        # a trial with no minimum length (0) is re-tested as often as SUDS is asked
        trial = (h.progression.inhibitory.min_trial_min or settings.suds_interval_min) * 60
        out.extend(_expectancy(state, trial, now, free))
    return out


def _expectancy(
    state: SessionState, trial: float, now: float, free: Callable[[str], bool]
) -> list[Issue]:
    """Before the first trial on a step: the feared outcome's likelihood (asked again
    every trial until answered). After every trial: a re-test, so that repeated trials
    on one step go on being measured (inhibitory learning never waits for ever)."""
    entered = state.step_entered_at
    e = state.current_expectancy
    if e.before is None:
        last = state.last_prompt_at.get("expectancy_before", -1.0)
        if free("expectancy_before") and (last < entered or now - last >= trial):
            return [Issue("expectancy_before", "step_entry" if last < entered else "timer")]
        return []
    last_after = max(entered, state.last_prompt_at.get("expectancy_after", -1.0))
    if now - last_after >= trial and free("expectancy_after"):
        return [Issue("expectancy_after", "trial_end")]
    return []
