"""Progression policies: pure functions that read the session state and the time
and say whether to propose stepping up, down or to a variation.

They only ever *propose*; the therapist decides (unless auto mode is on).
Step-down rules apply in every mode and take precedence over stepping up; each
progression mode is one function in :data:`POLICIES`, by the mode's name.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from vrtherapy.authoring.hierarchy import (
    HabituationSettings,
    InhibitorySettings,
    ProgressionSettings,
    StepDownSettings,
)
from vrtherapy.session.events import Direction
from vrtherapy.session.state import Rating, SessionState


@dataclass(frozen=True)
class Suggestion:
    direction: Direction
    target_step: int
    rule: str
    reason: str
    numbers: tuple[tuple[str, float], ...]


def _n(**numbers: float) -> tuple[tuple[str, float], ...]:
    return tuple(sorted((k, round(float(v), 2)) for k, v in numbers.items()))


def _fmt(minutes: float) -> str:
    return f"{minutes:.1f} min" if minutes % 1 else f"{minutes:.0f} min"


# --- step down ------------------------------------------------------------------


def step_down(
    ratings: tuple[Rating, ...],
    step_index: int,
    settings: StepDownSettings,
    *,
    stop_requested: bool = False,
    comfort: float | None = None,
) -> Suggestion | None:
    """Propose a step down after SUDS at or above the ceiling for N consecutive ratings,
    on the client's stop request, or on a comfort (motion sickness) rating over threshold."""
    direction: Direction = "down" if step_index > 0 else "calm"
    target = max(0, step_index - 1)
    if stop_requested and settings.on_stop_request:
        return Suggestion(direction, target, "stop_request", "The client asked to stop.", _n())
    n = settings.consecutive
    recent = ratings[-n:]
    if len(recent) == n and all(r.normalised >= settings.ceiling for r in recent):
        values = ", ".join(f"{r.normalised:g}" for r in recent)
        return Suggestion(
            direction,
            target,
            "ceiling",
            f"SUDS at or above {settings.ceiling:g} for {n} ratings in a row ({values}).",
            _n(ceiling=settings.ceiling, consecutive=n, latest=recent[-1].normalised),
        )
    if (
        comfort is not None
        and settings.comfort_threshold is not None
        and comfort > settings.comfort_threshold
    ):
        return Suggestion(
            direction,
            target,
            "comfort",
            f"Motion sickness rated {comfort:g}/20, above {settings.comfort_threshold:g}.",
            _n(comfort=comfort, threshold=settings.comfort_threshold),
        )
    return None


# --- habituation ------------------------------------------------------------------


def habituation(
    ratings: tuple[Rating, ...],
    step_index: int,
    step_count: int,
    entered_at: float,
    now: float,
    settings: HabituationSettings,
) -> Suggestion | None:
    """Propose up when SUDS fell to <= (1 - drop) x peak (or to the absolute threshold)
    and stayed there for the hold time, after the minimum time on the step."""
    if step_index >= step_count - 1 or not ratings:
        return None
    if now - entered_at < settings.min_time_on_step_min * 60:
        return None
    peak = max(r.normalised for r in ratings)
    relative = (1 - settings.drop) * peak
    absolute = settings.absolute_threshold

    def low(r: Rating) -> bool:
        return r.normalised <= relative or (absolute is not None and r.normalised <= absolute)

    run_start: float | None = None
    for r in reversed(ratings):
        if not low(r):
            break
        run_start = r.time
    if run_start is None:
        return None
    held = now - run_start
    if held < settings.hold_min * 60:
        return None
    latest = ratings[-1].normalised
    drop_pct = 0.0 if peak == 0 else 100 * (peak - latest) / peak
    if absolute is not None and latest <= absolute and latest > relative:
        rule = "habituation_absolute"
        reason = f"SUDS at or below {absolute:g} (now {latest:g}) and held {_fmt(held / 60)}."
    else:
        rule = "habituation_drop"
        reason = (
            f"SUDS fell from {peak:g} to {latest:g} (−{drop_pct:.0f}%) and held {_fmt(held / 60)}."
        )
    return Suggestion(
        "up",
        step_index + 1,
        rule,
        reason,
        _n(peak=peak, latest=latest, drop_percent=drop_pct, held_min=held / 60),
    )


# --- inhibitory learning -------------------------------------------------------------


def inhibitory(
    before: float | None,
    after: float | None,
    step_index: int,
    step_count: int,
    settings: InhibitorySettings,
    *,
    draw: int = 0,
    trials: int = 0,
    minutes_on_step: float = 0.0,
) -> Suggestion | None:
    """Propose up (or a variation) when the expectancy was violated: the likelihood of
    the feared outcome fell by at least the margin between before the first trial on the
    step and after the latest. So that a step never stalls, also propose once
    ``trials`` re-tests or ``minutes_on_step`` reach their configured limits without a
    violation (the therapist decides; the reason says that it was not violated)."""
    if step_index >= step_count - 1:
        return None
    if before is not None and after is not None:
        fall = before - after
        if fall >= settings.violation_margin:
            return _inhibitory_suggestion(
                step_index,
                step_count,
                settings,
                draw,
                "expectancy_violated",
                f"Expectancy violated: the feared outcome was rated {before:g}% likely before "
                f"and {after:g}% after (−{fall:g} points).",
                _n(before=before, after=after, fall=fall, margin=settings.violation_margin),
            )
        if trials >= settings.propose_after_trials:
            return _inhibitory_suggestion(
                step_index,
                step_count,
                settings,
                draw,
                "trials_completed",
                f"Expectancy not violated after {trials} trials: rated {before:g}% likely "
                f"before and {after:g}% after the last ({_signed(-fall)} points; the margin is "
                f"{settings.violation_margin:g}).",
                _n(
                    before=before,
                    after=after,
                    fall=fall,
                    margin=settings.violation_margin,
                    trials=trials,
                ),
            )
    if minutes_on_step >= settings.propose_after_min:
        if before is None:
            missing = "no expectancy was recorded"
        elif after is None:
            missing = "the expectancy was not re-rated"
        else:
            missing = f"{before:g}% likely before, {after:g}% after"
        return _inhibitory_suggestion(
            step_index,
            step_count,
            settings,
            draw,
            "time_on_step",
            f"{_fmt(minutes_on_step)} on this step without an expectancy violation ({missing}).",
            _n(minutes=minutes_on_step, limit_min=settings.propose_after_min, trials=trials),
        )
    return None


def _signed(x: float) -> str:
    return f"{x:+g}" if x else "0"


def _inhibitory_suggestion(
    step_index: int,
    step_count: int,
    settings: InhibitorySettings,
    draw: int,
    rule: str,
    reason: str,
    numbers: tuple[tuple[str, float], ...],
) -> Suggestion:
    target = step_index + 1
    direction: Direction = "up"
    var = settings.variability
    if var.enabled:
        # a band of neighbouring steps around the next one (never the current step)
        nxt = step_index + 1
        spread = var.band - 1
        candidates = [
            j
            for j in range(nxt - spread, nxt + spread + 1)
            if 0 <= j < step_count and j != step_index
        ]
        target = random.Random(f"{var.seed}:{step_index}:{draw}").choice(candidates)
        if target != nxt:
            direction = "variation"
    return Suggestion(direction, target, rule, reason, numbers)


# --- the modes, by name ------------------------------------------------------------------

Policy = Callable[[SessionState, float, ProgressionSettings], Suggestion | None]
"""A progression mode: what it proposes (besides stepping down) for a state at a time."""


def _habituation_mode(
    state: SessionState, now: float, prog: ProgressionSettings
) -> Suggestion | None:
    return habituation(
        state.step_ratings,
        state.step_index,
        state.step_count,
        state.step_entered_at,
        now,
        prog.habituation,
    )


def _inhibitory_mode(
    state: SessionState, now: float, prog: ProgressionSettings
) -> Suggestion | None:
    on_step = now - state.step_entered_at
    if on_step < prog.inhibitory.min_trial_min * 60:
        return None
    e = state.current_expectancy
    return inhibitory(
        e.before,
        e.after,
        state.step_index,
        state.step_count,
        prog.inhibitory,
        # one draw per trial: drawing anew for every proposal made would change the
        # target on each re-evaluation, withdrawing and re-making the open proposal
        draw=state.step_entries,
        trials=e.trials,
        minutes_on_step=on_step / 60,
    )


def _manual_mode(state: SessionState, now: float, prog: ProgressionSettings) -> Suggestion | None:
    return None  # never proposes stepping up; the step-down rules still apply


# A new mode is one function above and one entry here (plus its name in the hierarchy
# format's ProgressionMode, which a test keeps equal to these keys).
POLICIES: dict[str, Policy] = {
    "habituation": _habituation_mode,
    "inhibitory": _inhibitory_mode,
    "manual": _manual_mode,
}


# --- all together ----------------------------------------------------------------------


def evaluate(state: SessionState, now: float) -> Suggestion | None:
    """What the hierarchy manager proposes now, if anything (step-down first)."""
    h = state.hierarchy
    if h is None or not state.running:
        return None
    prog: ProgressionSettings = h.progression
    comfort = next(
        (
            v
            for (t, v, step) in reversed(state.comfort)
            if step == state.step_index and t >= state.step_entered_at
        ),
        None,
    )
    down = step_down(
        state.step_ratings,
        state.step_index,
        prog.step_down,
        stop_requested=state.stop_requested_at is not None,
        comfort=comfort,
    )
    if down is not None:
        return down
    return POLICIES[prog.mode](state, now, prog)
