"""Sound in the session: which scenario the client hears, its named cues, and the cues
that timers and level changes fire. Pure functions of the state and the library; every
cue fired becomes a :class:`~vrtherapy.session.events.SoundCueFired` event.
"""

from __future__ import annotations

from vrtherapy.authoring import Library, ScenarioSpec
from vrtherapy.session import events as ev
from vrtherapy.session.state import SessionState

Decided = list[tuple[ev.Actor, ev.Payload]]


def heard_scenario(state: SessionState, library: Library) -> ScenarioSpec | None:
    """The scenario whose sounds the client hears: the calm scene while it is shown,
    else the current step's scenario."""
    if state.hierarchy is None or not state.hierarchy.steps:
        return None
    step = library.scenarios.get(state.hierarchy.steps[state.step_index].scenario)
    if state.safety == "calm_scene":
        calm = step.calm_scene if step and step.calm_scene else "calm.room"
        return library.scenarios.get(calm)
    return step


def cue_choices(state: SessionState, library: Library) -> tuple[tuple[str, str], ...]:
    """(name, label) of the cues the therapist can fire now."""
    spec = heard_scenario(state, library)
    if spec is None:
        return ()
    return tuple(
        (c.name, c.label or c.name.replace("_", " ").capitalize()) for c in spec.sounds.cues
    )


def due_cues(state: SessionState, library: Library, now: float) -> Decided:
    """Cues that a level change or a timer fires now (only while the scene is shown
    plainly: not during pause, blackout or the calm scene)."""
    if not state.running or state.safety != "none" or state.hierarchy is None:
        return []
    spec = heard_scenario(state, library)
    if spec is None:
        return []
    level = state.hierarchy.steps[state.step_index].level
    out: Decided = []
    this_entry = [f for f in state.cues_fired if f.step_entry == state.step_entries]
    for cue in spec.sounds.cues:
        fired = [f for f in this_entry if f.cue == cue.name]
        if level in cue.on_level and not any(f.trigger == "level" for f in fired):
            out.append(("system", ev.SoundCueFired(cue.name, spec.id, "level")))
        elif cue.every is not None:
            last = max((f.time for f in fired), default=state.step_entered_at)
            if now - last >= cue.every:
                out.append(("system", ev.SoundCueFired(cue.name, spec.id, "timer")))
    return out
