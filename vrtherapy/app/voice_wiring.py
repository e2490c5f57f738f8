"""The client's voice during a session: the microphone read on its own thread, turns
found by the voice-activity detector, measures recorded through the engine thread,
and — only while the therapist has recording on — the audio stored beside the record
with its hash in the log. When a turn begins the session hears of it at once
(``client_speaking``): a partner waiting for the client's answer may cut in.

Time is the session's clock: the microphone's samples are counted from the session
time at which reading began, so turns and the partners' lines share one clock.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from vrtherapy.app.command_ids import CommandIds
from vrtherapy.partners.voice_activity import RATE, SpeechDetector, Turn, TurnTaking
from vrtherapy.session import commands as c
from vrtherapy.session.conversation import ClientStartsSpeaking, RecordMeasure
from vrtherapy.session.recordings import recordings_folder

log = logging.getLogger(__name__)
POLL_S = 0.05


def _log_refusal(outcome: Any) -> None:
    if not outcome.accepted:
        log.warning("a voice measure or recording was not recorded: %s", outcome.reason)


class Source(Protocol):
    def read(self) -> npt.NDArray[np.int16]: ...
    def close(self) -> None: ...


class VoiceRecorder:
    """One WAV file per stretch of recording; its SHA-256 once it is closed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._file: Any = None
        self._name = ""
        self._started = 0.0
        self._samples = 0

    @property
    def recording(self) -> bool:
        return self._file is not None

    def start(self, session_time: float) -> None:
        import soundfile

        self.folder.mkdir(parents=True, exist_ok=True)
        n = len(list(self.folder.glob("client-voice-*.wav"))) + 1
        self._name = f"client-voice-{n:03d}.wav"
        self._file = soundfile.SoundFile(
            str(self.folder / self._name), "w", RATE, 1, "PCM_16", format="WAV"
        )
        self._started, self._samples = session_time, 0

    def write(self, samples: npt.NDArray[np.int16]) -> None:
        if self._file is not None and len(samples):
            self._file.write(samples)
            self._samples += len(samples)

    def stop(self) -> tuple[str, str, float, float] | None:
        """Close the file: (file name, sha256, seconds, session time it began)."""
        if self._file is None:
            return None
        self._file.close()
        self._file = None
        digest = hashlib.sha256((self.folder / self._name).read_bytes()).hexdigest()
        return self._name, digest, self._samples / RATE, self._started


class ClientVoice:
    """Reads ``source`` every :data:`POLL_S` on its own thread (never the render thread)."""

    def __init__(
        self,
        source: Source,
        service: Any,  # SessionService: snapshot, handle
        call: Callable[[Callable[[], object]], None],  # onto the engine thread
        data: Path,  # the data folder; recordings go to its recordings/SESSION/
    ) -> None:
        self.source = source
        self.service = service
        self.call = call
        self.data = data
        self.taking = TurnTaking()
        self._detector: SpeechDetector | None = None
        self._recorder: VoiceRecorder | None = None
        self._session = ""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="client-voice", daemon=True)
        self._ids = CommandIds("voice")

    def start(self) -> None:
        self._thread.start()

    def partner_spoke(self, partner_id: str, start: float, end: float) -> None:
        """A partner's line played from ``start`` to ``end`` (session time)."""
        with self._lock:
            self.taking = self.taking.partner_spoke(partner_id, start, end)

    def _run(self) -> None:
        while not self._stop.wait(POLL_S):
            try:
                self.step()
            except Exception:  # the session goes on without voice measures
                log.exception("reading the client's voice failed; voice measures stop")
                return

    def step(self) -> None:
        """Read what arrived, find turns, record measures; start and stop recording as
        the therapist chose (callable directly by tests)."""
        snap = self.service.snapshot
        samples = self.source.read()
        running = snap is not None and snap.status == "running"
        if not running:
            self._end_recording()
            return
        if snap.session_id != self._session:
            self._end_recording()
            self._session = snap.session_id
            with self._lock:
                self.taking = TurnTaking()
            # the samples just read end now: the detector's clock starts at their start
            self._detector = SpeechDetector(snap.session_time - len(samples) / RATE)
        detector = self._detector
        assert detector is not None
        if snap.voice_recording and self._recorder is None:
            self._recorder = VoiceRecorder(recordings_folder(self.data, snap.session_id))
            self._recorder.start(snap.session_time)
        elif not snap.voice_recording:
            self._end_recording()
        if self._recorder is not None:
            self._recorder.write(samples)
        was_speaking = detector.speaking
        ended = detector.feed(samples)
        if detector.speaking and (ended or not was_speaking):
            self._began_turn()
        for turn in ended:
            self._took_turn(turn)

    def _began_turn(self) -> None:
        """The client began to speak: on the record, where a waiting partner may cut in."""
        command = c.Converse.of(self._ids(self._session), "system", ClientStartsSpeaking("client"))
        self.call(lambda: _log_refusal(self.service.handle(command)))

    def _took_turn(self, turn: Turn) -> None:
        with self._lock:
            before = len(self.taking.measures)
            self.taking = self.taking.client_spoke(turn)
            new = self.taking.measures[before:]
        for m in new:
            command = c.Converse.of(
                self._ids(self._session),
                "system",
                RecordMeasure(m.name, m.value, m.unit, m.partner_id),
            )
            self.call(lambda command=command: _log_refusal(self.service.handle(command)))  # type: ignore[misc]

    def _end_recording(self) -> None:
        if self._recorder is None:
            return
        stored = self._recorder.stop()
        self._recorder = None
        if stored is not None:
            name, digest, seconds, started = stored
            command = c.StoreClientAudio(
                f"audio-{self._session}-{name}",
                file=name,
                sha256=digest,
                seconds=seconds,
                started=started,
            )
            self.call(lambda: _log_refusal(self.service.handle(command)))

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)
        if self._detector is not None:
            for turn in self._detector.flush():
                self._took_turn(turn)
        self._end_recording()
        self.source.close()


def open_client_voice(
    name: str | None,
    service: Any,
    call: Callable[[Callable[[], object]], None],
    data: Path,
    warn: Callable[[str], None],
) -> ClientVoice | None:
    """The client's voice measures on the named microphone (None: the default one);
    without a microphone, one warning and None (the session runs without them)."""
    from vrtherapy.audio.microphone import Microphone, MicrophoneUnavailable

    try:
        mic = Microphone(name)
    except MicrophoneUnavailable as exc:
        warn(f"no voice measures: {exc}")
        return None
    voice = ClientVoice(mic, service, call, data)
    voice.start()
    return voice
