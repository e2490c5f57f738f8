"""The client's voice in a conversation: when they speak, how soon they answer, and for
how long (pure, apart from the WebRTC voice-activity detector it runs on the samples).

Only timings leave this module; the samples are not kept (audio is stored only when the
therapist turns recording on, by the app's recorder). The detector is WebRTC's
(``webrtcvad``), run on 30 ms frames of 16 kHz mono 16-bit audio; a turn starts after
:data:`ONSET_FRAMES` voiced frames out of the last :data:`ONSET_WINDOW` (so a cough or
a click is not a turn) and ends after :data:`HANGOVER_S` of silence (so pauses between
words stay inside the turn).

Measures, recorded as ``measure_recorded`` events, companions to the therapist's scores
(DOMAIN.md: record them, do not act on them): ``response_latency`` from the end of a
partner's line to the start of the client's next turn (0 when the client spoke before
the line ended: an interruption, counted too), ``speaking_time`` per turn, and turns.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

RATE = 16_000
FRAME_S = 0.030
FRAME = round(RATE * FRAME_S)  # samples per frame
ONSET_WINDOW = 10  # frames (300 ms)
ONSET_FRAMES = 6  # voiced frames in the window that start a turn
HANGOVER_S = 0.6  # silence that ends a turn
AGGRESSIVENESS = 2  # webrtcvad 0 (lenient) … 3 (strict)
LATENCY_LIMIT_S = 30.0  # no turn within this after a line: no latency is recorded


@dataclass(frozen=True)
class Turn:
    """A stretch of the client's speech, in the caller's clock (session seconds)."""

    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


class SpeechDetector:
    """Turns of speech from a stream of 16 kHz mono int16 samples; feed it as they come."""

    def __init__(self, start_time: float = 0.0, aggressiveness: int = AGGRESSIVENESS) -> None:
        import webrtcvad

        self._vad = webrtcvad.Vad(aggressiveness)
        self._pending = np.zeros(0, np.int16)
        self._t = start_time  # the time at the start of the next frame
        self._recent: deque[bool] = deque(maxlen=ONSET_WINDOW)
        self._start: float | None = None
        self._last_voiced = 0.0

    @property
    def speaking(self) -> bool:
        return self._start is not None

    def feed(self, samples: npt.NDArray[np.int16]) -> list[Turn]:
        """Add samples; return the turns that ended within them."""
        data = np.concatenate([self._pending, np.asarray(samples, np.int16).reshape(-1)])
        n = len(data) // FRAME
        self._pending = data[n * FRAME :]
        ended: list[Turn] = []
        for i in range(n):
            frame = data[i * FRAME : (i + 1) * FRAME]
            voiced = self._vad.is_speech(frame.tobytes(), RATE)
            turn = self._step(voiced)
            if turn is not None:
                ended.append(turn)
        return ended

    def _step(self, voiced: bool) -> Turn | None:
        start, end = self._t, self._t + FRAME_S
        self._t = end
        self._recent.append(voiced)
        if voiced:
            self._last_voiced = end
        if self._start is None:
            if sum(self._recent) >= ONSET_FRAMES:
                first = len(self._recent) - list(self._recent).index(True)  # oldest voiced
                self._start = start - (first - 1) * FRAME_S
            return None
        if end - self._last_voiced >= HANGOVER_S:
            turn = Turn(self._start, self._last_voiced)
            self._start = None
            self._recent.clear()
            return turn
        return None

    def flush(self) -> list[Turn]:
        """End a turn still open (the microphone stops)."""
        if self._start is None:
            return []
        turn = Turn(self._start, self._last_voiced)
        self._start = None
        return [turn]


@dataclass(frozen=True)
class Measure:
    name: str
    value: float
    unit: str
    partner_id: str = ""


@dataclass(frozen=True)
class TurnTaking:
    """Who spoke when, folded into measures (immutable: each call returns a new one)."""

    lines: tuple[tuple[str, float, float], ...] = ()  # (partner, start, end) awaiting answers
    turns: int = 0
    speaking_s: float = 0.0
    interruptions: int = 0
    measures: tuple[Measure, ...] = field(default=())

    def partner_spoke(self, partner_id: str, start: float, end: float) -> TurnTaking:
        """A partner's line played from ``start`` to ``end``; the next turn answers it."""
        return replace(self, lines=(*self.lines, (partner_id, start, end)))

    def client_spoke(self, turn: Turn) -> TurnTaking:
        """The client took a turn: its speaking time, and the latency of each line it
        answers (the lines that ended before it started, or that it interrupted)."""
        new = [Measure("speaking_time", round(turn.seconds, 3), "s")]
        waiting: list[tuple[str, float, float]] = []
        interrupted = 0
        for partner, start, end in self.lines:
            if turn.start < start:
                waiting.append((partner, start, end))  # a line after this turn began
            elif turn.start < end:
                interrupted += 1
                new.append(Measure("response_latency", 0.0, "s", partner))
                new.append(Measure("interruption", 1.0, "", partner))
            elif turn.start - end <= LATENCY_LIMIT_S:
                new.append(Measure("response_latency", round(turn.start - end, 3), "s", partner))
        return replace(
            self,
            lines=tuple(waiting),
            turns=self.turns + 1,
            speaking_s=self.speaking_s + turn.seconds,
            interruptions=self.interruptions + interrupted,
            measures=(*self.measures, *new),
        )


def frames(samples: npt.NDArray[np.int16], size: int) -> Iterator[npt.NDArray[np.int16]]:
    """``samples`` in pieces of ``size`` (the last may be shorter), as a device delivers."""
    for i in range(0, len(samples), size):
        yield samples[i : i + size]
