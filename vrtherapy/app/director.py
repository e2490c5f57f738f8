"""What the client sees, decided from the session snapshot: which scene, its
parameters, the fade, and the in-headset panels. Pure logic, no GL.

Safety comes first: a blackout is black on the very next frame; the calm scene
and step changes fade through black; a paused scene holds still.

Time is the session's record time (session time, seconds). A fade that starts as soon
as the record changed starts at the time of that change, and a paused scene holds still
at the time of the pause, so the frame at a moment depends only on the record: a
replay (app/replay.py) that feeds the director the record's snapshots draws the same
frames. Only a scene that took longer than ``PROMPT_S`` to be ready starts fading when
it is ready instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from vrtherapy.authoring.elevator import floor_text
from vrtherapy.display.base import SliderMove
from vrtherapy.render.overlay import ChoicePanel, Overlay, SudsPanel
from vrtherapy.session.snapshot import Snapshot

WAITING_SCENE = "calm.room"
PROMPT_S = 0.1  # a change seen within this long of being recorded fades from the record's time
PROMPTS = {
    "suds": ("How anxious do you feel right now?", "no distress", "worst imaginable"),
    "comfort": ("How sick do you feel right now?", "not at all", "very sick"),
    "expectancy_before": ("How likely is it that your fear comes true?", "0 %", "100 %"),
    "expectancy_after": ("How likely is it now that your fear comes true?", "0 %", "100 %"),
}


CHOICE_INSTRUCTION = "Choose your answer: move the stick and press the trigger (or a number key)."

NOTICE_S = 3.0  # how long the answer to the client's elevator button stays up
# the client's words for a refused elevator request, by the refusal's cause; a cause
# not here (the scene not shown: paused, calm scene, blackout) has its own screen
REFUSED = {
    "locked": "The elevator stays here for now. Your therapist is holding it.",
    "top": "This is the top floor.",
    "bottom": "This is the lowest floor.",
    "not_stopping": "The elevator is not running just now.",
    "on_its_way": "The elevator is already on its way.",
}


def elevator_notice(snap: Snapshot, now: float) -> str | None:
    """The short notice that answers the client's elevator button: where the car is
    going, or, plainly, why it stays. Up for ``NOTICE_S`` seconds after the request."""
    lift = snap.elevator
    reply = lift.reply if lift is not None else None
    if reply is None or not 0.0 <= now - reply.at < NOTICE_S:
        return None
    if reply.outcome in ("up", "down"):
        return f"Going {reply.outcome} to floor {floor_text(reply.floor)}."
    return REFUSED.get(reply.outcome)


@dataclass(frozen=True)
class Talk:
    """What a conversation adds to the client's panels: the choices the client may
    answer a partner with, and the line being said (when subtitles are on)."""

    choices: ChoicePanel | None = None
    subtitle: str | None = None


NO_TALK = Talk()


@dataclass(frozen=True)
class Presentation:
    scenario: str
    values: tuple[tuple[str, float | bool | str], ...]
    fade: float  # 0 = scene, 1 = black
    overlay: Overlay
    animate: bool
    key: tuple[object, ...]  # changes whenever a different scene is shown
    still_at: float | None = None  # not animated: the scene holds still as it was at this time


@dataclass(frozen=True)
class Slider:
    """The one in-headset answer slider, owned by the app: one per prompt, made fresh
    for every prompt. ``value`` is 0..1 of the prompt's scale, None until the client
    moves it on this prompt, so a confirm on a fresh prompt answers nothing."""

    prompt_id: str | None = None
    value: float | None = None
    confirmed: bool = False

    def moved(self, event: SliderMove) -> Slider:
        if self.confirmed:
            return self  # answered: the prompt is gone with the next snapshot
        start = self.value if self.value is not None else 0.0
        target = event.to if event.to is not None else start + event.by
        if not math.isfinite(target):
            return self
        return replace(self, value=min(1.0, max(0.0, float(target))))

    def confirm(self) -> tuple[Slider, float | None]:
        """The slider after a confirm, and the answer (None: nothing to record)."""
        if self.confirmed or self.value is None:
            return self, None
        return replace(self, confirmed=True), self.value


def prompt_scale(kind: str, suds_scale: int) -> int:
    return {"suds": suds_scale, "comfort": 20}.get(kind, 100)


def active_prompt(snap: Snapshot | None) -> tuple[str, str] | None:
    """(prompt id, kind) the headset should show, SUDS first."""
    if snap is None or snap.status != "running" or snap.safety != "none":
        return None
    order = ("suds", "expectancy_before", "expectancy_after", "comfort")
    for kind in order:
        for p in snap.prompts:
            if p.kind == kind:
                return p.prompt_id, kind
    return None


class Director:
    """Turns snapshots into presentations, with a fade through black between scenes."""

    def __init__(self, fade_s: float = 0.5) -> None:
        self.fade_s = fade_s
        self._shown: Presentation | None = None  # the scene on screen (or fading out)
        self._switch_at: float | None = None  # when the current fade started
        self._held_black = False  # the fade waited at black for the next scene to be ready

    def wanted(
        self,
        snap: Snapshot | None,
        slider: Slider,
        talk: Talk = NO_TALK,
        now: float | None = None,
    ) -> Presentation:
        """The presentation the snapshot asks for at session time ``now`` (default: the
        snapshot's), before fades are applied. A rating prompt comes before the choice
        panel, and both before the elevator's notice; none shows while paused."""
        if snap is None or snap.status == "not_started":
            return _plain(WAITING_SCENE, "Welcome. Your session will start soon.", ("waiting",))
        if snap.safety == "blackout":  # also after Stop, until the therapist lifts it
            return Presentation(WAITING_SCENE, (), 1.0, Overlay(), False, ("blackout",))
        if snap.status == "ended":
            return _plain(
                WAITING_SCENE, "The session has ended. You can take off the headset.", ("ended",)
            )
        if snap.safety == "calm_scene":
            return Presentation(
                snap.calm_scene, (), 0.0, Overlay(), True, ("calm", snap.calm_scene)
            )
        overlay = Overlay()
        still_at = None
        if snap.safety == "paused":
            overlay = Overlay(instruction="Paused. Take a moment; your therapist is with you.")
            still_at = snap.safety_since
        else:
            active = active_prompt(snap)
            if active is not None:
                kind = active[1]
                scale = prompt_scale(kind, snap.suds_scale)
                question, low, high = PROMPTS[kind]
                # only this prompt's own slider: never a value left from another prompt
                mine = slider.prompt_id == active[0] and slider.value is not None
                value = (
                    round(slider.value * scale, 1) if mine and slider.value is not None else None
                )
                overlay = Overlay(
                    suds=SudsPanel(value, scale, question, low, high, slider.confirmed),
                    instruction="Move the stick, then press the trigger to answer.",
                    subtitle=talk.subtitle,
                )
            elif talk.choices is not None:
                overlay = Overlay(
                    choices=talk.choices, instruction=CHOICE_INSTRUCTION, subtitle=talk.subtitle
                )
            else:  # the notice floats above eye level, clear of the view's centre
                notice = elevator_notice(snap, snap.session_time if now is None else now)
                overlay = Overlay(instruction=notice, subtitle=talk.subtitle or None)
        key = ("step", snap.step_index, snap.scenario)
        return Presentation(
            snap.scenario, snap.parameters, 0.0, overlay, snap.safety != "paused", key, still_at
        )

    @property
    def settled(self) -> bool:
        """No fade in progress."""
        return self._switch_at is None

    def rebase(self, delta: float) -> None:
        """The clock jumped by ``delta`` seconds (a new session's time starts at 0): a fade
        under way goes on from where it was."""
        if self._switch_at is not None:
            self._switch_at += delta

    def update(
        self,
        snap: Snapshot | None,
        slider: Slider,
        now: float,
        ready: Callable[[Presentation], bool] = lambda _p: True,
        talk: Talk = NO_TALK,
    ) -> Presentation:
        """What to show now. ``ready(p)`` says whether p's scene is built and on the GPU:
        until it is, the current scene stays (a calm-scene request waits at black)."""
        want = self.wanted(snap, slider, talk, now)
        half = self.fade_s / 2
        if want.fade >= 1.0:  # blackout is black on the next frame, no fade
            self._shown, self._switch_at = want, None
            return want
        shown = self._shown
        if shown is None or shown.fade >= 1.0:
            if not ready(want):  # from nothing or from black: wait at black
                return replace(want, fade=1.0, animate=False)
            # fade in
            self._shown, self._switch_at = want, _since(snap, now) - half
            shown = want
        elif want.key != shown.key and self._switch_at is None:
            if not ready(want) and want.key[0] != "calm":
                # the next scene is still being built: the current one stays, with today's panels
                return replace(shown, overlay=want.overlay)
            self._switch_at = _since(snap, now)  # start fading the old scene out
        if self._switch_at is None or (half <= 0 and want.key == shown.key):
            self._shown, self._switch_at = want, None
            return want
        t = now - self._switch_at
        if t < half and want.key != shown.key:
            # fading out: the old scene holds still, no panels
            return replace(
                shown,
                fade=t / half,
                overlay=Overlay(),
                animate=False,
                still_at=self._switch_at if shown.animate else shown.still_at,
            )
        if want.key != shown.key:
            if not ready(want):  # black until the calm scene is ready
                self._held_black = True
                return replace(shown, fade=1.0, overlay=Overlay(), animate=False)
            if self._held_black:  # ready only now: fade in from now
                self._switch_at, self._held_black = now - half, False
            # else the new scene fades in from the black point, switch_at + half
        self._shown = want
        t = now - self._switch_at
        if t >= self.fade_s:
            self._switch_at = None
            return want
        return replace(want, fade=min(1.0, max(0.0, 1.0 - (t - half) / half)))


def _since(snap: Snapshot | None, now: float) -> float:
    """When a change seen at ``now`` began: the record's time of it if it was seen promptly
    (always, in a replay), else now (a scene that was still being built)."""
    if snap is not None and now - PROMPT_S <= snap.changed_at <= now:
        return snap.changed_at
    return now


def _plain(scenario: str, instruction: str, key: tuple[object, ...]) -> Presentation:
    return Presentation(scenario, (), 0.0, Overlay(instruction=instruction), True, key)
