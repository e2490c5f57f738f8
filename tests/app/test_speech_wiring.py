"""The partners' voices on the engine thread: lines said in order, one after the other;
silenced by a skip; synthesised ahead of need; heard to their end on the record, from
where the dialogue's timeout and the client's response latency count."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from vrtherapy.app.speech_wiring import PartnerSpeech, spoken_lines
from vrtherapy.authoring import load_library
from vrtherapy.partners.gestures import GESTURE_ONLY_S
from vrtherapy.partners.speech import SpeechCache
from vrtherapy.session import commands as c
from vrtherapy.session import conversation as conv
from vrtherapy.session.clock import ManualClock
from vrtherapy.session.service import SessionService
from vrtherapy.session.store import open_store

FIXTURES = Path(__file__).parents[1] / "partners" / "fixtures"
SECONDS_PER_CHAR = 0.05


def fake_espeak(argv: list[str], text: str) -> None:
    """Writes a tone as long as the text (0.05 s a character) where espeak-ng would."""
    out = argv[argv.index("-w") + 1]
    t = np.arange(int(22050 * SECONDS_PER_CHAR * len(text))) / 22050
    soundfile.write(out, 0.5 * np.sin(2 * np.pi * 220 * t), 22050)


class Inline(Executor):
    """Runs submitted work at once (the test is the engine thread)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        f: Future[Any] = Future()
        f.set_result(fn(*args, **kwargs))
        return f


class Rig:
    def __init__(self, tmp_path: Path, fixtures: Path = FIXTURES) -> None:
        self.store = open_store(str(tmp_path / "s.sqlite3"))
        self.session_clock = ManualClock()
        self.service = SessionService(
            self.store, load_library(libraries=[fixtures]), self.session_clock
        )
        self.service.start(self.service.create_client("test.interview_practice"))
        self.now = 100.0  # the monotonic clock the lines play on
        self.later: list[Callable[[], None]] = []  # work handed back to the engine thread
        self.cache = SpeechCache(tmp_path / "speech", run=fake_espeak)
        self.speech = PartnerSpeech(
            lambda: self.service.library,
            lambda: self.service.engine.state if self.service.engine else None,
            self.later.append,
            cache=self.cache,
            executor=Inline(),
            clock=lambda: self.now,
            handle=self.service.handle,
        )
        self.service.subscribe(self.speech.on_change)

    def engine_loop(self) -> None:
        """What the engine thread's loop does next: handed-back work, then a tick."""
        while self.later:
            self.later.pop(0)()
        self.speech.tick()
        while self.later:
            self.later.pop(0)()

    def act(self, action: conv.ConversationCommand) -> None:
        outcome = self.service.handle(c.Converse.of(f"t-{len(self.kinds())}", "therapist", action))
        assert outcome.accepted, outcome.reason
        self.engine_loop()

    def kinds(self) -> list[str]:
        return [e.kind for e in self.service.events()]

    def playing(self) -> list[str]:
        return [v.text for v in self.speech.voices.lines if v.playing(self.now) and v.text]


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    r = Rig(tmp_path)
    yield r
    r.store.close()


def test_lines_of_one_step_follow_each_other_and_the_wait_starts_after_the_last(
    rig: Rig,
) -> None:
    rig.act(conv.StartConversation("interviewer"))
    greeting = "Good morning! Please, take a seat."
    assert rig.playing() == [greeting]
    # the greeting's own timeout (8 s) counts from when it has been heard
    rig.now += SECONDS_PER_CHAR * len(greeting) + 0.1
    rig.session_clock.advance(3.0)
    rig.engine_loop()
    assert "partner_line_finished" in rig.kinds()
    snap = rig.service.snapshot
    assert snap is not None
    [view] = snap.conversation.partners
    assert view.deadline == pytest.approx(3.0 + 8.0)

    # the client says nothing: 'take your time' and the first question come in one step,
    # the question only once the first line is over
    rig.session_clock.advance(8.5)
    rig.service.tick()
    rig.engine_loop()
    first, second = [
        e.payload.text for e in rig.service.events() if e.kind == "partner_line_spoken"
    ][1:3]
    assert rig.playing() == [first]
    rig.now += SECONDS_PER_CHAR * len(first) + 0.05
    rig.engine_loop()
    assert rig.playing() == [second]
    lines = spoken_lines(rig.speech.voices)
    assert len(lines) == 1 and lines[0].file is not None and lines[0].speaker == "interviewer"
    finished = rig.kinds().count("partner_line_finished")
    rig.now += 0.5
    rig.engine_loop()
    assert rig.kinds().count("partner_line_finished") == finished  # still saying the question

    # a skip silences the partner at once
    rig.act(conv.SkipLine("interviewer"))
    assert rig.playing() == []
    assert spoken_lines(rig.speech.voices)[-1].file is None  # the audio stops the line too


def test_response_latency_counts_from_the_end_of_the_line(rig: Rig) -> None:
    rig.act(conv.StartConversation("interviewer"))
    rig.now += 10.0
    rig.engine_loop()  # heard to its end
    rig.session_clock.advance(4.0)
    rig.service.handle(
        c.Converse.of("answer", "client", conv.ChooseOption("interviewer", 0, "client"))
    )
    rig.engine_loop()
    measures = [e.payload for e in rig.service.events() if e.kind == "measure_recorded"]
    assert [(m.name, m.value, m.unit, m.partner_id) for m in measures] == [
        ("choice_latency", 4.0, "s", "interviewer")
    ]
    # answering while the partner still speaks: no wait at all
    rig.session_clock.advance(1.0)
    rig.service.handle(
        c.Converse.of("answer-2", "client", conv.ChooseOption("interviewer", 0, "client"))
    )
    rig.engine_loop()
    measures = [e.payload for e in rig.service.events() if e.kind == "measure_recorded"]
    assert measures[-1].value == 0.0


def test_lines_that_may_come_next_are_synthesised_ahead(rig: Rig) -> None:
    rig.speech.prepare_ahead()
    made = rig.cache.synthesised
    assert made >= 2  # the greeting, and what may follow it
    rig.act(conv.StartConversation("interviewer"))
    assert rig.cache.synthesised == made  # the greeting was ready: read from the cache
    assert rig.playing() == ["Good morning! Please, take a seat."]


def test_an_answer_to_the_client_comes_after_the_partners_pause(rig: Rig) -> None:
    rig.act(conv.StartConversation("interviewer"))
    rig.now += 10.0
    rig.engine_loop()
    rig.service.handle(c.Converse.of("a", "client", conv.ChooseOption("interviewer", 0)))
    rig.engine_loop()
    assert rig.playing() == []  # the level's latency_s: 1.5 s
    rig.now += 1.0
    rig.engine_loop()
    assert rig.playing() == []
    rig.now += 0.6
    rig.engine_loop()
    assert len(rig.playing()) == 1
    # the therapist sets the pause live: the next answer follows at once
    rig.act(conv.SetBehaviour("interviewer", "latency_s", 0.0))
    rig.now += 10.0
    rig.engine_loop()
    rig.service.handle(c.Converse.of("b", "client", conv.ChooseOption("interviewer", 0)))
    rig.engine_loop()
    assert len(rig.playing()) == 1


def test_a_line_then_a_gesture_without_words_is_heard_to_its_end(tmp_path: Path) -> None:
    """The greeting, then a node that only nods: the greeting is heard out (the
    microphone learns when), the partner has finished after the nod, and the client's
    answer is measured from there — not 0 s."""
    fixtures = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, fixtures)
    dialogue = fixtures / "interview.yaml"
    text = dialogue.read_text(encoding="utf-8")
    head, rest = text.split("    set: {greeted: true}\n", 1)
    dialogue.write_text(
        head + "    set: {greeted: true}\n    goto: greet_wait\n  greet_wait:\n"
        "    gesture: nod\n" + rest,
        encoding="utf-8",
    )
    rig = Rig(tmp_path, fixtures)
    heard: list[tuple[str, float, float]] = []
    rig.speech.on_heard = lambda partner, start, end: heard.append((partner, start, end))
    rig.speech.session_now = rig.session_clock.monotonic
    rig.act(conv.StartConversation("interviewer"))
    spoken = [
        (e.payload.text, e.payload.gesture)
        for e in rig.service.events()
        if e.kind == "partner_line_spoken"
    ]
    greeting = "Good morning! Please, take a seat."
    assert spoken == [(greeting, "wave"), ("", "nod")]
    rig.now += SECONDS_PER_CHAR * len(greeting) + 0.05
    rig.session_clock.advance(SECONDS_PER_CHAR * len(greeting) + 0.05)
    rig.engine_loop()  # the greeting is over; the nod begins
    assert [h[0] for h in heard] == ["interviewer"]
    assert "partner_line_finished" not in rig.kinds()  # still nodding
    rig.now += GESTURE_ONLY_S + 0.05
    rig.session_clock.advance(GESTURE_ONLY_S + 0.05)
    rig.engine_loop()
    assert rig.kinds().count("partner_line_finished") == 1
    rig.session_clock.advance(2.0)
    outcome = rig.service.handle(
        c.Converse.of("answer", "client", conv.ChooseOption("interviewer", 0))
    )
    assert outcome.accepted, outcome.reason
    rig.engine_loop()
    [latency] = [e.payload for e in rig.service.events() if e.kind == "measure_recorded"]
    assert latency.name == "choice_latency" and latency.value == pytest.approx(2.0, abs=0.01)
    rig.store.close()


@pytest.mark.parametrize("action", ["pause", "blackout", "calm_scene"])
def test_nothing_new_is_said_while_the_scene_is_not_shown_plainly(rig: Rig, action: str) -> None:
    """A line that comes about during a pause, blackout or calm scene waits for resume."""
    rig.act(conv.StartConversation("interviewer"))
    assert rig.service.handle(c.Safety("safety", "therapist", action, "test")).accepted
    rig.engine_loop()
    assert rig.playing() == []
    said = rig.service.handle(
        c.Converse.of("say", "therapist", conv.SayThisNow("interviewer", "Are you all right?"))
    )
    if not said.accepted:  # the partner is not in the scene shown (calm): nothing to hold
        return
    for _ in range(3):
        rig.now += 1.0
        rig.engine_loop()
        assert rig.playing() == []
    assert rig.service.handle(c.Safety("resume", "therapist", "resume", "test")).accepted
    rig.engine_loop()
    assert rig.playing() == ["Are you all right?"]


def test_run_records_a_speech_problem_after_the_events_that_brought_it_up(
    tmp_path: Path,
) -> None:
    """A problem found while a line is being voiced (inside a session listener) is
    recorded on the engine thread's queue, after the events under way: every listener
    gets the session's events in order."""
    from vrtherapy.cli.run_command import _speech

    rig = Rig(tmp_path)
    queued: list[Callable[[], object]] = []

    class EngineThread:
        def call(self, fn: Callable[[], object]) -> None:
            queued.append(fn)

    speech = _speech(rig.service, EngineThread())
    seen: list[int] = []
    rig.service.subscribe(lambda _snap, events: seen.extend(e.seq for e in events))
    before = len(rig.kinds())
    speech.report("a line of 'interviewer' has no sound: espeak-ng not found")
    assert len(rig.kinds()) == before  # not inside the listener that found it
    for fn in queued:
        fn()
    assert rig.kinds()[before:] == ["scenario_load_failed"]  # told to the therapist
    assert seen == sorted(seen)
    speech.close()
