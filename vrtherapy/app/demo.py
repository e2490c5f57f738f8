"""A complete demonstration session in accelerated time, with no headset.

A synthetic client answers the prompts; a scripted therapist accepts the
hierarchy manager's proposals after a short pause. In scenes with virtual
partners the therapist starts the conversation, the synthetic client picks its
answers and the therapist scores the scenario's skills (app/demo_conversation).
Everything goes through the real engine and store, so the record is a real,
verifiable session record.
"""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from vrtherapy.app.demo_conversation import ScriptedConversation
from vrtherapy.app.speech_wiring import InlineExecutor, PartnerSpeech
from vrtherapy.authoring import HierarchySpec, Library
from vrtherapy.partners.speech import SpeechCache
from vrtherapy.session import commands as c
from vrtherapy.session import conversation as conv
from vrtherapy.session import events as ev
from vrtherapy.session.clients import Clients
from vrtherapy.session.clock import ManualClock
from vrtherapy.session.engine import Engine
from vrtherapy.session.store.base import EventStore
from vrtherapy.session.synthetic import ClientProfile, SyntheticClient, SyntheticHead
from vrtherapy.session.timeline import clock, describe
from vrtherapy.session.tracking import TrackingRecorder, Vec3

# where a scenario's stimulus is in the client's frame at some parameter values (None:
# not on screen, or the scenario names none)
StimulusAt = Callable[[str, Mapping[str, Any]], Vec3 | None]


def stimulus_in_world(library: Library) -> StimulusAt:
    """Builds each (scenario, values) world once and asks where its stimulus is drawn."""
    from vrtherapy.world import AssetLoader, build_world

    found: dict[tuple[str, tuple[tuple[str, Any], ...]], Vec3 | None] = {}

    def at(scenario: str, values: Mapping[str, Any]) -> Vec3 | None:
        spec = library.scenarios.get(scenario)
        if spec is None or not spec.stimulus:
            return None
        key = (scenario, tuple(sorted(values.items())))
        if key not in found:
            dirs = list(library.asset_dirs(scenario))
            world = build_world(spec, dict(values), asset_dirs=dirs, loader=AssetLoader(dirs))
            world.draw_list()
            found[key] = world.shown_centre(spec.stimulus)
        return found[key]

    return at


@dataclass(frozen=True)
class DemoResult:
    session_id: str
    client_code: str
    events: int
    accepted_up: int
    step_down_proposals: int
    top_step_reached: bool
    session_minutes: float
    end_reason: str
    load_failures: tuple[str, ...] = ()  # steps that fell back to the calm scene, and why
    # conversations with virtual partners: each line said and answer chosen, as the
    # timeline shows them ("mm:ss  text"), and each skill's latest score
    conversation: tuple[str, ...] = ()
    lines_spoken: int = 0
    answers_chosen: int = 0
    scores: tuple[tuple[str, int], ...] = ()
    lines_played: int = 0  # lines recorded as played to the client (with ``voices``)
    lines_silent: int = 0  # of those, lines with words that had no sound (synthesis failed)

    def said(self, voices: bool) -> str:
        """The summary's count of lines and answers; ``voices``: how many were heard."""
        voiced = ""
        if voices:
            voiced = f"{self.lines_played - self.lines_silent} voiced, "
            if self.lines_silent:
                voiced += f"{self.lines_silent} without sound, "
        return f"{self.lines_spoken} lines spoken, {voiced}{self.answers_chosen} answers chosen"


SPEECH_STEP_S = 0.25  # the session's steps while a partner talks (with voices)


def run_demo(
    store: EventStore,
    library: Library,
    hierarchy: HierarchySpec,
    *,
    seed: int = 7,
    tick_s: float = 5.0,
    decision_delay_s: float = 15.0,
    max_minutes: float = 120.0,
    echo: Callable[[str], None] = print,
    on_tick: Callable[[Engine], None] | None = None,
    client_code: str | None = None,
    stimulus: StimulusAt | None = None,
    voices: SpeechCache | None = None,
) -> DemoResult:
    """Run one session; ``client_code`` continues an existing client (default: a new one).

    The client's head is tracked as if a headset sampled it (SyntheticHead), looking at
    the step's stimulus where ``stimulus`` locates it (default: the built scenes), and
    stored like a real session's poses. With ``voices``, the partners' lines are
    synthesised through that cache and voiced on the session's clock as ``vrtherapy
    run`` voices them (``PartnerSpeech``): each line is recorded as played, for how
    long, and as heard to its end, and the client's answers get their response
    latency; without, lines are only recorded as said."""
    clk = ManualClock(wall_start=time.time())
    counter = itertools.count(1)

    def new_id() -> str:
        return f"{seed:04d}{next(counter):08d}"

    clients = Clients(store, clk)
    if client_code is None:
        code = clients.create(hierarchy)
        echo(f"created pseudonymous client {code} with hierarchy '{hierarchy.id}'")
    else:
        code = client_code
    engine = Engine.start(store, library, clk, code, hierarchy, new_id=new_id)
    client = SyntheticClient(ClientProfile(seed=seed), hierarchy.suds_scale)
    head = SyntheticHead(seed)
    locate = stimulus if stimulus is not None else stimulus_in_world(library)
    tracking = TrackingRecorder(engine.record_tracking)
    tracked_to = engine.now()
    # command ids are unique in the store (a command is applied once): one series per session
    cmd_ids = (f"demo-{engine.session_id}-{i}" for i in itertools.count(1))
    proposal_seen_at: dict[str, float] = {}
    directions: dict[str, str] = {}
    accepted_up = 0
    step_downs = 0
    top_reached = False
    load_failures: list[str] = []
    conversation: list[str] = []
    said = {conv.PartnerLineSpoken: 0, conv.DialogueChoiceMade: 0, conv.PartnerLinePlayed: 0}
    scores: dict[str, int] = {}

    def show(events: tuple[ev.Event, ...]) -> None:
        nonlocal accepted_up, step_downs, top_reached
        for e in events:
            p = e.payload
            if isinstance(p, conv.PartnerLinePlayed):
                said[conv.PartnerLinePlayed] += 1
            if isinstance(p, conv.PartnerLineSpoken | conv.DialogueChoiceMade):
                words = describe(e)
                if words:
                    said[type(p)] += 1
                    conversation.append(f"{clock(e.session_time)}  {words}")
            if isinstance(p, conv.SkillScored):
                scores[p.skill] = p.score
            if isinstance(p, ev.ScenarioLoadFailed):
                step = engine.state.step_index + 1
                load_failures.append(f"step {step} ({p.scenario}): {p.message}")
            if isinstance(p, ev.StepEntered):
                client.enter_step(p.index, e.session_time)
                top_reached = top_reached or p.index == len(hierarchy.steps) - 1
            if isinstance(p, ev.ProgressionProposed):
                directions[p.proposal_id] = p.direction
                step_downs += p.direction in ("down", "calm")
            if isinstance(p, ev.ProgressionDecided) and p.decision == "accepted":
                accepted_up += directions.get(p.proposal_id) in ("up", "variation")
            line = describe(e)
            if line:
                echo(f"{clock(e.session_time)}  {line}")

    show(tuple(store.read(engine.session_id)))
    engine.subscribe(lambda _snap, events: show(events))
    # the partners' voices on the session's clock; what the speech hands back to the
    # engine thread waits in ``later`` until the command or tick under way is done
    later: list[Callable[[], None]] = []
    speech: PartnerSpeech | None = None
    if voices is not None:
        speech = PartnerSpeech(
            lambda: library,
            lambda: engine.state,
            later.append,
            cache=voices,
            executor=InlineExecutor(),
            clock=engine.now,
            report=lambda message: echo(f"{clock(engine.now())}  (speech: {message})"),
            handle=engine.handle,
            session_now=engine.now,
            ahead=False,  # inline on a clock that waits: each line when it is said
        )
        engine.subscribe(speech.on_change)

    def settle() -> None:
        while later:
            later.pop(0)()

    def send(cmd: c.Command) -> None:
        outcome = engine.handle(cmd)
        if not outcome.accepted:
            echo(f"{clock(engine.now())}  (command refused: {outcome.reason})")
        settle()

    send(
        c.AnswerQuestionnaire(next(cmd_ids), "client", "ssq", client.answer_ssq(False), "baseline")
    )
    talk = ScriptedConversation(
        client, seed, cmd_ids, send, speech.talking if speech is not None else lambda _p: False
    )

    while engine.state.running:
        # the head over the tick to come, with the scene and step as they are now
        snap = engine.snapshot
        step = hierarchy.steps[snap.step_index]
        shown = snap.safety not in ("blackout", "calm_scene")
        where = locate(snap.scenario, dict(snap.parameters)) if shown else None
        distress = functools.partial(client.true_suds, step.anticipated_suds, snap.intensity)
        tracking.add(head.moments(tracked_to, tracked_to + tick_s, distress, where))
        tracked_to += tick_s
        spent = 0.0
        while spent < tick_s:
            # while a partner talks or waits for the client's answer, time moves in short
            # steps: lines end, the next one starts and the client answers when they do,
            # not at the next tick
            busy = speech is not None and (speech.busy or talk.client_to_answer(engine))
            dt = min(SPEECH_STEP_S if busy else tick_s, tick_s - spent)
            clk.advance(dt)
            spent += dt
            engine.tick()
            settle()
            if speech is not None:
                speech.tick()  # lines said in turn, and heard to their end
                settle()
            if busy and spent < tick_s:
                talk.tick(engine, library, distress(engine.now()))
        snap = engine.snapshot
        step = hierarchy.steps[snap.step_index]
        now = engine.now()
        for prompt in snap.prompts:
            if prompt.kind == "suds":
                value = client.answer_suds(step.anticipated_suds, snap.intensity, now)
                if value is not None:
                    send(c.RecordSuds(next(cmd_ids), "client", value, "headset", prompt.prompt_id))
            elif prompt.kind == "comfort":
                comfort = client.answer_comfort()
                if comfort is not None:
                    send(
                        c.RecordComfort(
                            next(cmd_ids), "client", comfort, "headset", prompt.prompt_id
                        )
                    )
            else:
                phase: Literal["before", "after"] = (
                    "before" if prompt.kind == "expectancy_before" else "after"
                )
                likely = client.answer_expectancy(phase, step.anticipated_suds, snap.intensity, now)
                if likely is not None:
                    send(
                        c.RecordExpectancy(
                            next(cmd_ids), "client", phase, likely, prompt_id=prompt.prompt_id
                        )
                    )
        talk.tick(engine, library, client.true_suds(step.anticipated_suds, snap.intensity, now))
        proposal = engine.snapshot.proposal
        if proposal is not None:
            seen = proposal_seen_at.setdefault(proposal.proposal_id, now)
            if now - seen >= decision_delay_s:
                send(c.AcceptProposal(next(cmd_ids), "therapist", proposal.proposal_id))
        if on_tick is not None:
            on_tick(engine)
        done = _completed(engine, hierarchy)
        if done:
            send(c.EndSession(next(cmd_ids), "therapist", done))
        elif now >= max_minutes * 60:
            send(c.EndSession(next(cmd_ids), "therapist", "time limit reached"))
    tracking.flush()  # the poses of the last seconds
    # after the session, as in the clinic: the post-exposure SSQ and the therapist's note
    send(c.AnswerQuestionnaire(next(cmd_ids), "client", "ssq", client.answer_ssq(True), "post"))
    send(
        c.AddNote(
            next(cmd_ids),
            "therapist",
            f"Demonstration session with a synthetic client (seed {seed}); "
            "proposals accepted by a scripted therapist.",
        )
    )
    state = engine.state
    return DemoResult(
        engine.session_id,
        code,
        state.last_seq,
        accepted_up,
        step_downs,
        top_reached,
        engine.now() / 60,
        state.end_reason,
        tuple(load_failures),
        tuple(conversation),
        said[conv.PartnerLineSpoken],
        said[conv.DialogueChoiceMade],
        tuple(scores.items()),
        said[conv.PartnerLinePlayed],
        speech.silent if speech is not None else 0,
    )


def _completed(engine: Engine, hierarchy: HierarchySpec) -> str | None:
    """The top step is done once its SUDS halved from the peak and held for the hold time."""
    state = engine.state
    if state.step_index != len(hierarchy.steps) - 1:
        return None
    ratings = state.step_ratings
    if len(ratings) < 3:
        return None
    settings = hierarchy.progression.habituation
    peak = max(r.normalised for r in ratings)
    held = [r for r in ratings if r.time >= engine.now() - settings.hold_min * 60]
    if held and all(r.normalised <= (1 - settings.drop) * peak for r in held[-2:]):
        return "hierarchy completed: distress on the top step fell by half and held"
    return None
