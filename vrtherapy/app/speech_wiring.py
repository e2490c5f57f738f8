"""The partners' voices during a session, on the engine thread.

Every ``partner_line_spoken`` event becomes sound: its line is synthesised (espeak-ng,
cached by content hash, :mod:`vrtherapy.partners.speech`) on an executor of the engine
thread, or read from the dialogue's recorded audio file, and published as a
:class:`Voiced` line in one immutable :class:`Voices` reference. The audio thread plays
each new line once from the partner's mouth (:func:`spoken_lines`); the render thread
opens the partner's jaw from the line's mouth track while it plays and shows it as a
subtitle when the session asks for subtitles. A skipped line, a new step, every
safety action but resume (pause, blackout, calm scene, stop) and the session's end
silence the partner; a line that comes about while the scene is not shown plainly
waits for resume.

A partner's answer to the client starts after its own pause (``latency_s``: the
level's, or the console's live value). When a line has been heard to its end,
:meth:`PartnerSpeech.tick` records ``partner_line_finished``: the node's timeout counts
from there, not from when the line began, and the client's answer gets its response
latency on the choice panel (a ``measure_recorded`` event, ``choice_latency`` in
seconds; 0 when the client answered while the partner spoke), and the microphone's
turn-taking (``app/voice_wiring``) learns when the line played (``on_heard``). Each
line that begins to play is recorded (``partner_line_played``: which line, how long),
so a replay poses the talking partner as the client saw it.

Lines the next action may bring (whichever choice, trigger, timeout or variant) are
synthesised ahead of need after every change, so a partner answers without waiting for
the synthesiser (not in the demo, whose clock waits for inline synthesis: ``ahead``).
Nothing here runs on the render thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from vrtherapy.audio.clips import resolve
from vrtherapy.audio.crowd import cache_dir
from vrtherapy.audio.scene import SpokenLine
from vrtherapy.authoring import Library
from vrtherapy.authoring.behaviour import behaviour_number
from vrtherapy.authoring.scenario import PartnerSpec, ScenarioSpec
from vrtherapy.partners.dialogue import DialogueRuntime
from vrtherapy.partners.gestures import GESTURE_ONLY_S, LineAct
from vrtherapy.partners.measures import response_latency
from vrtherapy.partners.speech import (
    SpeechCache,
    SpeechError,
    SpeechRequest,
    Utterance,
    read_utterance,
)
from vrtherapy.session import commands as c
from vrtherapy.session import conversation as conv
from vrtherapy.session import events as ev
from vrtherapy.session.commands import current_parameters
from vrtherapy.session.conversation import PartnerLineSkipped, PartnerLineSpoken
from vrtherapy.session.snapshot import Snapshot
from vrtherapy.session.sound import heard_scenario
from vrtherapy.session.state import SessionState

T = TypeVar("T")
log = logging.getLogger(__name__)

# a line whose sound cannot be made is shown (subtitles, transcript) for about this long
# per word, as if it had been said
SILENT_WORD_S = 0.35


@dataclass(frozen=True, eq=False)
class Voiced:
    """One line as the client hears it: ``fire_id`` is its event's sequence number,
    ``started`` when it began (``time.monotonic()``); ``utterance`` None when it has no
    sound (synthesis failed) or the partner was silenced (``text`` empty)."""

    fire_id: int
    partner_id: str
    text: str
    utterance: Utterance | None
    started: float
    seconds: float
    gesture: str = "none"  # the dialogue node's gesture and expression ('' keeps the face)
    expression: str = ""

    def playing(self, now: float) -> bool:
        return self.started <= now < self.started + self.seconds

    def jaw(self, now: float) -> float:
        """How open the mouth is at ``now`` (0 outside the line and in its pauses)."""
        if self.utterance is None:
            return 0.0
        return self.utterance.mouth.at(now - self.started)

    def viseme(self, now: float) -> int | None:
        """The mouth shape at ``now`` (an index into ``VISEMES``, 0 silence) where the
        voice gave phoneme timings; None for a line without them."""
        if self.utterance is None or self.utterance.mouth.visemes is None:
            return None
        return self.utterance.mouth.viseme_at(now - self.started)

    def act(self, now: float) -> LineAct:
        return LineAct(self.gesture, self.expression, now - self.started, self.seconds)

    @property
    def acts(self) -> bool:
        """Whether the line asks anything of the body or face."""
        return self.gesture != "none" or bool(self.expression)


def cut_short(line: Voiced, at: float) -> Voiced:
    """The line as heard when it is silenced at ``at`` (a skip, a safety action, a new
    step, the session's end): it ends there, or where it ends if that is sooner; its
    expression and gesture then ease out as at any line's end. Live
    (:meth:`PartnerSpeech`) and replay (``app/replay.recorded_lines``) both use it."""
    return replace(line, seconds=min(line.seconds, max(0.0, at - line.started)))


@dataclass(frozen=True)
class Voices:
    """What the partners are saying: each partner's latest line (published whole), and
    the lines before whose expression or gesture still fades out (``fading``)."""

    scope: str = ""  # the session the lines belong to
    lines: tuple[Voiced, ...] = ()
    fading: tuple[Voiced, ...] = ()

    def jaws(self, now: float) -> dict[str, float]:
        """Each partner's jaw openness now, for those whose line is playing."""
        return {v.partner_id: v.jaw(now) for v in self.lines if v.playing(now) and v.text}

    def visemes(self, now: float) -> dict[str, int]:
        """Each partner's mouth shape now, for those whose playing line has visemes."""
        out: dict[str, int] = {}
        for v in self.lines:
            if v.playing(now) and v.text and (shape := v.viseme(now)) is not None:
                out[v.partner_id] = shape
        return out

    def acts(self, now: float) -> dict[str, LineAct]:
        """Each partner's line being said or just said, with a gesture or an expression
        that still shows (:mod:`vrtherapy.partners.gestures`), over the acts of its
        lines before that are still fading out (``LineAct.before``)."""
        out: dict[str, LineAct] = {}
        for v in sorted((*self.fading, *self.lines), key=lambda v: (v.started, v.fire_id)):
            if v.acts and now >= v.started:
                act = v.act(now)
                if not act.over:
                    out[v.partner_id] = replace(act, before=out.get(v.partner_id))
        return out

    def subtitle(self, now: float) -> str | None:
        """The line being said now (the newest, if two partners talk at once)."""
        playing = [v for v in self.lines if v.playing(now) and v.text]
        return playing[-1].text if playing else None

    def with_line(self, line: Voiced) -> Voices:
        """``line`` becomes its partner's latest; the one it replaces fades out."""
        kept = tuple(v for v in self.lines if v.partner_id != line.partner_id)
        old = tuple(v for v in self.lines if v.partner_id == line.partner_id)
        fading = tuple(v for v in (*self.fading, *old) if v.acts and not v.act(line.started).over)
        lines = tuple(sorted((*kept, line), key=lambda v: v.fire_id))
        return replace(self, lines=lines, fading=fading)

    def cut_short(self, partner_id: str, at: float) -> Voices:
        """The partner's latest line silenced at ``at`` (:func:`cut_short`)."""
        lines = tuple(cut_short(v, at) if v.partner_id == partner_id else v for v in self.lines)
        return replace(self, lines=lines)


def spoken_lines(voices: Voices) -> tuple[SpokenLine, ...]:
    """The audio engine's view of the lines: each played once from its speaker's mouth."""
    return tuple(
        SpokenLine(
            v.fire_id,
            v.partner_id,
            v.utterance.path if v.utterance is not None and v.text else None,
        )
        for v in voices.lines
    )


def live_number(
    partner: PartnerSpec,
    name: str,
    values: Mapping[str, float | bool | str],
    live: Mapping[str, float | str] | None = None,
) -> float:
    """One of the partner's behaviour numbers now: the therapist's live value, else the
    level's (through the scenario's $parameters); :func:`behaviour_number`."""
    return behaviour_number(partner.behaviour, name, values, live)


def speech_request(
    partner: PartnerSpec,
    text: str,
    values: Mapping[str, float | bool | str],
    live: Mapping[str, float | str] | None = None,
) -> SpeechRequest:
    """How ``partner`` says ``text`` now: its voice at its behaviour's speaking rate (the
    level's, or the therapist's live value)."""
    rate = live_number(partner, "speaking_rate", values, live)
    return SpeechRequest(text, partner.voice, rate)


@dataclass(frozen=True, eq=False)
class _Pending:
    """A line waiting to be said: its event, its audio, and the earliest time it may
    start (an answer to the client waits the partner's response latency)."""

    seq: int
    line: PartnerLineSpoken
    audio: Future[Utterance | None]  # None: a gesture without words
    not_before: float = 0.0


class PartnerSpeech:
    """Turns spoken-line events into published :class:`Voices` (the engine thread).

    ``call`` hands work back to the engine thread (synthesis finishes on the executor);
    ``handle`` records what the client heard (line finished, response latency) as session
    commands; ``report`` tells the therapist about a line that cannot be voiced.
    """

    def __init__(
        self,
        library: Callable[[], Library],
        state: Callable[[], SessionState | None],
        call: Callable[[Callable[[], None]], None],
        *,
        cache: SpeechCache | None = None,
        executor: Executor | None = None,
        clock: Callable[[], float] = time.monotonic,
        report: Callable[[str], None] = lambda message: log.warning("%s", message),
        handle: Callable[[c.Command], object] | None = None,
        session_now: Callable[[], float] | None = None,
        ahead: bool = True,
    ) -> None:
        self.library = library
        self.state = state
        self.call = call
        self.cache = cache or SpeechCache(speech_folder())
        self._own_executor = executor is None
        self.executor = executor or ThreadPoolExecutor(1, thread_name_prefix="speech")
        self.clock = clock
        self.report = report
        self.voices = Voices()  # published: read by the render and audio threads
        self._hushed: dict[str, int] = {}  # partner -> seq of the event that silenced it
        self._prepared: dict[str, Future[Utterance]] = {}  # by content hash
        self._reported: set[str] = set()
        self.handle = handle
        self.session_now = session_now  # the session's clock (the record's time)
        # synthesise the lines the next action may bring after every change (off where
        # synthesis runs inline on a clock that waits for it: nothing to gain, the lines
        # never said to synthesise)
        self.ahead = ahead
        # told of each line heard to its end: (partner, start, end) in session time (the
        # microphone's turn-taking measures the client's answers from there)
        self.on_heard: Callable[[str, float, float], None] | None = None
        self._finished: set[int] = set()  # fire ids of lines recorded as finished
        # each partner's lines waiting to be said, in order: (event seq, event, audio)
        self._pending: dict[str, list[_Pending]] = {}
        self._spoke_at: dict[str, float] = {}  # partner -> session time of its last line
        self._ended_at: dict[str, float] = {}  # partner -> session time it finished it
        self.silent = 0  # lines with words said without sound (synthesis failed)

    # -- following the session (engine thread) -----------------------------------------
    def on_change(self, snap: Snapshot, events: tuple[ev.Event, ...]) -> None:
        """The session listener: voice new lines, silence skipped ones, prepare ahead."""
        if snap.session_id != self.voices.scope:
            self.voices = Voices(snap.session_id)
            self._hushed.clear()
            self._pending.clear()
        answered: set[str] = set()  # partners the client answered in these events
        for e in events:
            p = e.payload
            if isinstance(p, PartnerLineSpoken) and p.text:
                self._spoke_at[p.partner_id] = e.session_time
                self._say(e, p, reply=p.partner_id in answered)
                answered.discard(p.partner_id)
            elif isinstance(p, PartnerLineSpoken) and p.gesture != "none":
                self._say(e, p)  # a gesture without words, in its turn
            elif isinstance(p, conv.PartnerLineFinished):
                self._ended_at[p.partner_id] = e.session_time
            elif isinstance(p, conv.DialogueChoiceMade):
                self._measure_latency(p.partner_id, e.session_time)
                answered.add(p.partner_id)
            elif isinstance(p, PartnerLineSkipped):
                self._hush(p.partner_id, e.seq)
            elif isinstance(p, ev.StepEntered | ev.SessionEnded) or (
                isinstance(p, ev.SafetyAction) and p.action != "resume"
            ):
                for partner_id in {v.partner_id for v in self.voices.lines} | set(self._pending):
                    self._hush(partner_id, e.seq)
        if self.ahead:
            self.prepare_ahead()

    def _measure_latency(self, partner_id: str, answered_at: float) -> None:
        """How long the client took to answer the partner's last line with a choice (on
        the panel, or marked by the therapist), from the end of the line."""
        spoke = self._spoke_at.get(partner_id)
        if self.handle is None or spoke is None:
            return
        ended = self._ended_at.get(partner_id, answered_at)
        if ended < spoke:  # answered before the line was over: it cut in
            ended = answered_at
        latency = response_latency(ended, answered_at)
        measure = conv.RecordMeasure("choice_latency", round(latency, 2), "s", partner_id)
        handle = self.handle
        cid = f"latency-{self.voices.scope}-{partner_id}-{answered_at:.3f}"
        self.call(lambda: _log_refusal(handle(c.Converse.of(cid, "system", measure))))

    def tick(self) -> None:
        """Say the lines that wait for the one before, and record each line heard to its
        end (the engine thread's tick)."""
        for partner_id in list(self._pending):
            self._pump(partner_id)
        if self.handle is None:
            return
        now = self.clock()
        for v in self.voices.lines:
            self._heard_out(v, now)

    @property
    def busy(self) -> bool:
        """A partner is talking now, or has lines waiting to be said."""
        now = self.clock()
        return any(self._pending.values()) or any(v.playing(now) for v in self.voices.lines)

    def talking(self, partner_id: str) -> bool:
        """The partner is saying a line now, or has lines waiting to be said."""
        now = self.clock()
        return bool(self._pending.get(partner_id)) or any(
            v.partner_id == partner_id and v.playing(now) for v in self.voices.lines
        )

    def _heard_out(self, v: Voiced, now: float) -> None:
        """Record a line heard to its end, once: the microphone learns when a spoken line
        played; when it was the partner's last line for now (a words-free gesture after
        it included), ``partner_line_finished``. Called before a line is replaced."""
        if self.handle is None or v.fire_id in self._finished:
            return
        if (not v.text and v.gesture == "none") or v.playing(now) or now < v.started:
            return
        self._finished.add(v.fire_id)
        if v.text and self.on_heard is not None and self.session_now is not None:
            end = self.session_now() - (now - (v.started + v.seconds))
            self.on_heard(v.partner_id, end - v.seconds, end)
        state = self.state()
        talk = state.conversation.partner(v.partner_id) if state is not None else None
        if talk is None or talk.ended or self._hushed.get(v.partner_id, -1) > v.fire_id:
            return
        if self._pending.get(v.partner_id):
            return  # more to say: the partner has finished when the last line has
        cid = f"finished-{self.voices.scope}-{v.fire_id}"
        action = conv.LineFinished(v.partner_id)
        _log_refusal(self.handle(c.Converse.of(cid, "system", action)))

    def _hush(self, partner_id: str, seq: int) -> None:
        self._hushed[partner_id] = seq
        self._pending[partner_id] = [x for x in self._pending.get(partner_id, []) if x.seq > seq]
        now = self.clock()
        if any(v.partner_id == partner_id and v.playing(now) for v in self.voices.lines):
            # the line stops (its act eases out from here); a line without words silences
            # the speaker in the audio engine
            silent = Voiced(seq, partner_id, "", None, now, 0.0)
            self.voices = self.voices.cut_short(partner_id, now).with_line(silent)

    def _scene(self) -> ScenarioSpec | None:
        state = self.state()
        return heard_scenario(state, self.library()) if state is not None else None

    def _say(self, e: ev.Event, p: PartnerLineSpoken, reply: bool = False) -> None:
        """Voice a line; a ``reply`` to the client comes after the partner's latency."""
        spec = self._scene()
        partner = next((x for x in spec.partners if x.id == p.partner_id), None) if spec else None
        if spec is None or partner is None:
            return  # the scene changed before the line could be said
        future: Future[Utterance | None]
        if p.text:
            future = self._utterance(spec, partner, p.text, p.audio)  # type: ignore[assignment]
        else:
            future = Future()
            future.set_result(None)
        not_before = self.clock() + self._latency(partner) if reply else 0.0
        self._pending.setdefault(p.partner_id, []).append(_Pending(e.seq, p, future, not_before))
        scope = self.voices.scope

        def done(_f: Future[Utterance | None]) -> None:  # back on the engine thread
            self.call(lambda: self._pump(p.partner_id) if scope == self.voices.scope else None)

        future.add_done_callback(done)

    def _latency(self, partner: PartnerSpec) -> float:
        state = self.state()
        if state is None:
            return 0.0
        values = current_parameters(state, self.library())
        live = state.conversation.behaviour_of(partner.id)
        return live_number(partner, "latency_s", values, live)

    def _request(self, partner: PartnerSpec, text: str) -> SpeechRequest:
        state = self.state()
        if state is None:
            return speech_request(partner, text, {})
        values = current_parameters(state, self.library())
        return speech_request(partner, text, values, state.conversation.behaviour_of(partner.id))

    def _utterance(
        self, spec: ScenarioSpec, partner: PartnerSpec, text: str, audio: str
    ) -> Future[Utterance]:
        if audio:
            path = resolve(audio, self.library().asset_dirs(spec.id))
            if path is not None:
                return self.executor.submit(read_utterance, path)
            self._report_once(f"recorded line '{audio}' not found; {partner.name} speaks it")
        return self._prepare(self._request(partner, text))

    def _prepare(self, request: SpeechRequest) -> Future[Utterance]:
        key = request.key()
        known = self._prepared.get(key)
        if known is not None and not (known.done() and known.exception() is not None):
            return known
        future = self.cache.prepare(request, self.executor)
        self._prepared[key] = future
        if len(self._prepared) > 256:  # the cache on disk keeps them; forget old futures
            for k in list(self._prepared)[:128]:
                self._prepared.pop(k)
        return future

    def _pump(self, partner_id: str) -> None:
        """Publish the partner's next lines in order, each once it is synthesised and the
        line before it has been said (lines of one step follow each other)."""
        queue = self._pending.get(partner_id, [])
        state = self.state()
        if state is not None and state.safety != "none":
            return  # paused, blacked out, calm scene or stopped: nothing new is said
        while queue and queue[0].audio.done():
            now = self.clock()
            if now < queue[0].not_before:
                return  # the partner takes its time to answer (tick)
            if any(v.partner_id == partner_id and v.playing(now) for v in self.voices.lines):
                return  # the next one follows when this one is over (tick)
            for v in self.voices.lines:  # the line it replaces, heard to its end
                if v.partner_id == partner_id:
                    self._heard_out(v, now)
            first = queue.pop(0)
            seq, p, f = first.seq, first.line, first.audio
            utterance: Utterance | None
            try:
                utterance = f.result()
            except (SpeechError, OSError) as exc:
                self._report_once(f"a line of '{p.partner_id}' has no sound: {exc}")
                utterance = None
            if utterance is not None:
                seconds = utterance.seconds
            else:
                seconds = _silent_seconds(p.text) if p.text else GESTURE_ONLY_S
                self.silent += bool(p.text)
            self.voices = self.voices.with_line(
                Voiced(seq, p.partner_id, p.text, utterance, now, seconds, p.gesture, p.expression)
            )
            if self.handle is not None:  # when it played and how long: a replay poses it
                played = conv.LinePlayed(p.partner_id, seq, round(seconds, 3))
                cid = f"played-{self.voices.scope}-{seq}"
                _log_refusal(self.handle(c.Converse.of(cid, "system", played)))

    def _report_once(self, message: str) -> None:
        if message not in self._reported:
            self._reported.add(message)
            self.report(message)

    # -- ahead of need --------------------------------------------------------------------
    def prepare_ahead(self) -> None:
        """Synthesise every line the partners of the scene shown may say next."""
        state = self.state()
        spec = self._scene()
        if state is None or spec is None or not state.running:
            return
        library = self.library()
        for partner in spec.partners:
            dialogue = library.dialogues.get(partner.dialogue or "")
            if dialogue is None:
                continue
            rt = DialogueRuntime(dialogue, 0)
            talk = state.conversation.partner(partner.id)
            said: list[tuple[str | None, str]] = []  # (speaker, text)
            if talk is None or talk.ended:  # what starting it now would say (the session's
                # own decision, not stored), and what may follow that
                try:
                    start = c.converse(
                        state, conv.StartConversation(partner.id), "system", library, 0.0
                    )
                except c.Rejected:
                    continue
                for _actor, p in start:
                    if isinstance(p, PartnerLineSpoken) and not p.audio:
                        said.append((p.partner_id, p.text))
                    elif isinstance(p, conv.DialogueReached) and p.node:
                        reached = conv.PartnerConversation(p.dialogue, p.node, p.flags, p.picks)
                        lines = rt.upcoming(reached.dialogue_state())
                        said.extend((x.speaker, x.text or "") for x in lines if not x.audio)
            elif talk.dialogue == dialogue.id:
                lines = rt.upcoming(talk.dialogue_state())
                said.extend((x.speaker, x.text or "") for x in lines if not x.audio)
            for speaker_id, text in said:
                speaker = next((x for x in spec.partners if x.id == speaker_id), partner)
                if text:
                    self._prepare(self._request(speaker, text))

    def close(self) -> None:
        if self._own_executor:
            self.executor.shutdown(wait=False, cancel_futures=True)


class InlineExecutor(Executor):
    """Runs submitted work at once, on the calling thread, its outcome (a result or an
    error) in the future it returns: for a session that keeps its own clock and has no
    engine thread to hand work back to (the demo)."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # the caller reads it from the future, as from a pool's
            future.set_exception(exc)
        return future


def _silent_seconds(text: str) -> float:
    return max(1.0, SILENT_WORD_S * len(text.split()))


def speech_folder() -> Path:
    return cache_dir() / "speech"


def _log_refusal(outcome: object) -> None:
    if not getattr(outcome, "accepted", True):
        log.info("partner speech: %s", getattr(outcome, "reason", "refused"))
