"""A conversation with a virtual partner in a live session, headless: the real render
loop, the real engine thread, espeak-ng speech and the audio engine on OpenAL's loopback
device. What a client and a therapist would notice: the partner speaks (heard from where
it stands, its jaw moving with the words and closed in silence), looks at the client's
head wherever it goes, and the conversation goes on when the client picks an answer in
the headset or the therapist marks one in the console."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vrtherapy.app.audio_wiring import SessionAudio
from vrtherapy.app.engine_thread import EngineStopped, EngineThread
from vrtherapy.app.run import RenderLoop, RunOptions
from vrtherapy.app.speech_wiring import PartnerSpeech
from vrtherapy.audio import open_offline
from vrtherapy.authoring import load_library
from vrtherapy.console.protocol import Context, build_command
from vrtherapy.display.base import ChoicePick, ChoiceStep, SliderConfirm
from vrtherapy.display.headless import HeadPose
from vrtherapy.partners.speech import SpeechCache, espeak_available
from vrtherapy.session import commands as c
from vrtherapy.session.clock import ManualClock
from vrtherapy.session.service import SessionService
from vrtherapy.session.store import open_store
from vrtherapy.world.procedural.avatar import JAW_MAX, SMILE_JAW

FIXTURES = Path(__file__).parents[1] / "partners" / "fixtures"
HEAD = "interviewer/body/hips/torso/neck/head"

pytestmark = pytest.mark.skipif(not espeak_available(), reason="needs espeak-ng")


class Live:
    """A headless `vrtherapy run` with the fixture interview, driven from the test."""

    def __init__(self, tmp_path: Path) -> None:
        from vrtherapy.display.headless import HeadlessDisplay

        self.store = open_store(str(tmp_path / "live.sqlite3"))
        self.clock = ManualClock()  # the session's clock: moved on by the test's frames
        self.step_s = 0.05  # session seconds per frame (as the 20 Hz pace)
        self.service = SessionService(self.store, load_library(libraries=[FIXTURES]), self.clock)
        self.service.start(self.service.create_client("test.interview_practice"))
        self.engine = EngineThread(self.service, tick_s=0.05, on_tick=lambda: self.speech.tick())

        def call(fn: Callable[[], None]) -> None:
            with contextlib.suppress(EngineStopped):
                self.engine.call(fn)

        self.speech = PartnerSpeech(
            lambda: self.service.library,
            lambda: self.service.engine.state if self.service.engine else None,
            call,
            cache=SpeechCache(tmp_path / "speech"),
            handle=self.service.handle,
        )
        self.service.subscribe(self.speech.on_change)
        self.engine.start()
        self.sound = open_offline()
        # the audio thread's part is played by the test (loopback: render on demand)
        self.audio = SessionAudio(
            self.sound, self.service.library, lambda: self.service.snapshot,
            lambda: self.speech.voices,
        )  # fmt: skip
        self.display = HeadlessDisplay((160, 120))
        self.display.open()
        self.loop = RenderLoop(
            self.service,
            self.engine,
            self.display,
            RunOptions(pace_hz=20.0, mirror_size=(80, 60)),
            audio=self.audio,
            voices=lambda: self.speech.voices,
        )

    def on_engine(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the engine thread and wait for its result."""
        done = threading.Event()
        out: list[Any] = []

        def run() -> None:
            out.append(fn())
            done.set()

        self.engine.call(run)
        assert done.wait(10.0)
        return out[0]

    def console(self, command: str, /, **args: Any) -> None:
        """A console command, checked by the console's protocol, handled on the engine."""
        snap = self.service.snapshot
        partners = frozenset(p.partner_id for p in snap.conversation.partners) if snap else None
        cmd = build_command(
            command, f"console-{time.monotonic_ns()}", args, Context(snap, partners or frozenset())
        )
        assert isinstance(cmd, c.Command)
        outcome = self.on_engine(lambda: self.service.handle(cmd))
        assert outcome.accepted, outcome.reason

    def frame(self) -> None:
        """One frame, drawn at the session's record time, which moves on by ``step_s``."""
        self.clock.advance(self.step_s)
        self.loop.options.frames = self.loop.frames + 1
        self.loop.run()

    def until(self, done: Callable[[], bool], seconds: float = 60.0) -> None:
        deadline = time.monotonic() + seconds
        while not done():
            assert time.monotonic() < deadline, "timed out"
            self.frame()

    def kinds(self) -> list[str]:
        return [e.kind for e in self.service.events()]

    def close(self) -> None:
        self.loop.close()
        self.engine.stop()
        self.speech.close()
        self.sound.close()
        self.display.close()
        self.service.close()
        self.store.close()


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    session = Live(tmp_path)
    yield session
    session.close()


def _jaw_degrees(world: Any) -> float:
    head = world.world_matrix(HEAD)[:3, 1]  # figures are scaled to their height: unit axes
    jaw = world.world_matrix(f"{HEAD}/jaw")[:3, 1]
    cos = head @ jaw / (np.linalg.norm(head) * np.linalg.norm(jaw))
    return float(np.degrees(np.arccos(np.clip(cos, -1, 1))))


def _gaze_error(world: Any, head: np.ndarray) -> float:
    worst = 0.0
    for side in ("l", "r"):
        m = world.world_matrix(f"{HEAD}/eye_{side}")
        forward = m[:3, 2] / np.linalg.norm(m[:3, 2])
        to_head = head - m[:3, 3]
        to_head /= np.linalg.norm(to_head)
        worst = max(worst, float(np.degrees(np.arccos(np.clip(forward @ to_head, -1, 1)))))
    return worst


def _spoken(live: Live) -> list[tuple[str, str]]:
    return [
        (e.payload.node, e.payload.text)
        for e in live.service.events()
        if e.kind == "partner_line_spoken"
    ]


def test_a_conversation_in_a_live_session(live: Live) -> None:
    live.until(lambda: live.loop.view.showing_wanted)
    world = live.loop.view.world
    assert world.spec.id == "test.interview_levels"
    # from here the session's clock stands still unless the test moves it, so that no
    # dialogue timeout fires however long synthesis takes on a busy machine
    live.step_s = 0.0

    # the therapist turns subtitles on and starts the conversation from the console
    live.console("subtitles", on=True)
    live.console("partner_start", partner_id="interviewer")
    assert _spoken(live)[0] == ("greet", "Good morning! Please, take a seat.")
    live.until(lambda: any(v.text for v in live.speech.voices.lines))
    greeting = live.speech.voices.lines[-1]
    assert greeting.utterance is not None and 1.0 < greeting.seconds < 5.0

    # heard through the audio engine from the partner's mouth: with the head turned
    # left, the partner (straight ahead of the stand point) is on the right
    live.display.head = HeadPose(eye_height=1.6, yaw_degrees=90.0)
    live.frame()
    live.audio.follow()
    heard = live.sound.render(1.0)
    spoken = [v for v in live.sound.voices if v.spec.name == f"line_{greeting.fire_id}"]
    assert spoken, "the line was not played"
    left, right = np.sqrt((heard**2).mean(axis=0))
    assert right > 0.01 and right > 1.5 * left, (left, right)
    live.display.head = HeadPose(eye_height=1.6)

    # the jaw opens while the line plays and is shut once it has ended
    jaws = [0.0]
    while greeting.playing(time.monotonic()) and max(jaws) <= 8:
        live.frame()
        jaws.append(_jaw_degrees(live.loop.view.world))
    assert max(jaws) > 8, "the jaw never opened while the partner spoke"
    assert live.loop.view.presentation is not None
    assert live.loop.view.presentation.overlay.subtitle == greeting.text  # written, too
    live.until(lambda: not greeting.playing(time.monotonic()))
    live.frame()
    # shut, but for the lips a warm interviewer's smile parts
    assert _jaw_degrees(live.loop.view.world) < np.degrees(SMILE_JAW * JAW_MAX) + 0.1
    # heard to its end: on the record, and the wait for an answer starts from here
    live.until(lambda: "partner_line_finished" in live.kinds(), seconds=10)
    assert live.loop.view.presentation.overlay.subtitle is None  # gone with the voice
    live.clock.advance(2.5)  # the client takes two and a half seconds to answer

    # the choice panel shows the greeting's answers; the client moves down a row and
    # picks it with Enter (the keys' events), which chooses the second answer
    snap = live.service.snapshot
    assert snap is not None
    assert live.loop.view.presentation is not None
    panel = live.loop.view.presentation.overlay.choices
    assert panel is not None and panel.choices[1] == "(sit down silently)"
    live.display.push_input(ChoiceStep(by=1))
    live.display.push_input(ChoiceStep(by=1))
    live.display.push_input(SliderConfirm())
    live.until(lambda: "dialogue_choice_made" in live.kinds(), seconds=10)
    chosen = [e.payload for e in live.service.events() if e.kind == "dialogue_choice_made"]
    assert [(p.index, p.marked_by) for p in chosen] == [(1, "client")]
    live.until(lambda: "measure_recorded" in live.kinds(), seconds=10)
    [latency] = [e.payload for e in live.service.events() if e.kind == "measure_recorded"]
    assert (latency.name, latency.value, latency.unit) == ("choice_latency", 2.5, "s")
    nodes = [node for node, _ in _spoken(live)]
    assert nodes[:2] == ["greet", "nudge"]  # "take your time", then the first question
    assert nodes[2] in ("ask_strengths", "ask_weakness")

    # a number key answers the question directly
    live.until(lambda: live.loop.view.presentation.overlay.choices is not None, seconds=10)
    live.display.push_input(ChoicePick(row=0))
    live.until(lambda: len(_spoken(live)) >= 4, seconds=10)
    assert _spoken(live)[3][0] in ("sceptical", "pleased")

    # the therapist marks an answer in the console (Wizard-of-Oz): the next dialogue
    # also runs from the live session
    live.console("partner_start", partner_id="interviewer")
    live.console("partner_choose", partner_id="interviewer", index=0)
    made = [e.payload for e in live.service.events() if e.kind == "dialogue_choice_made"]
    assert made[-1].marked_by == "therapist" and made[-1].node == "greet"
    assert _spoken(live)[-1][0] in ("ask_strengths", "ask_weakness")

    # to the end of the conversation: how much of it the client looked at the partner's
    # face is on the record (the head faced the partner all along, but for one frame)
    live.console("partner_choose", partner_id="interviewer", index=0)
    live.clock.advance(6.0)  # the reaction's timeout: goodbye
    live.until(lambda: _ended(live), seconds=10)
    live.until(lambda: any(_face_shares(live)), seconds=10)
    [share] = _face_shares(live)
    assert share > 0.8


def _ended(live: Live) -> bool:
    snap = live.service.snapshot
    return snap is not None and all(p.ended for p in snap.conversation.partners)


def _face_shares(live: Live) -> list[float]:
    return [
        e.payload.value
        for e in live.service.events()
        if e.kind == "measure_recorded" and e.payload.name == "face_gaze_share"
    ]


def test_gaze_follows_the_tracked_head_at_full_eye_contact(live: Live) -> None:
    live.until(lambda: live.loop.view.showing_wanted)
    live.console("partner_behaviour", partner_id="interviewer", name="eye_contact", value=1.0)
    started = time.monotonic()
    live.until(lambda: time.monotonic() - started > 2.0)  # the change has blended in
    errors = []
    for i in range(30):
        x = 0.35 * np.sin(i / 4)
        live.display.head = HeadPose(eye_height=1.5 + 0.1 * np.cos(i / 5), x=float(x))
        live.frame()
        head = np.array(live.loop.partners.head)
        assert head[0] == pytest.approx(x, abs=0.05)  # the tracked head, not a fixed point
        errors.append(_gaze_error(live.loop.view.world, head))
    assert max(errors) < 5.0, errors
