"""The client's voice: turns found in real speech (espeak-ng's, with room noise), not in
clicks; response latency, interruptions and speaking time from the turns; the
microphone's capture calls, against a stand-in for OpenAL."""

from __future__ import annotations

import ctypes
import random
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from tests.system_needs import missing
from vrtherapy.audio.microphone import (
    ALC_CAPTURE_SAMPLES,
    Microphone,
    MicrophoneUnavailable,
)
from vrtherapy.authoring.scenario import VoiceSpec
from vrtherapy.partners.speech import SpeechCache, SpeechRequest, espeak_available
from vrtherapy.partners.voice_activity import (
    RATE,
    SpeechDetector,
    Turn,
    TurnTaking,
    frames,
)


def _speech(tmp_path: Path, text: str) -> npt.NDArray[np.float32]:
    if not espeak_available():
        missing("espeak-ng", "apt-get install espeak-ng")
    u = SpeechCache(tmp_path / "speech").get(SpeechRequest(text, VoiceSpec(name="en")))
    t = np.arange(round(u.seconds * RATE)) / RATE
    x = np.interp(t, np.arange(len(u.samples)) / u.rate, u.samples).astype(np.float32)
    nonzero = np.flatnonzero(np.abs(x) > 0.01)
    return x[nonzero[0] : nonzero[-1] + 1]  # the words, without espeak's own silence


def _pcm(x: npt.NDArray[np.float32]) -> npt.NDArray[np.int16]:
    return np.clip(x * 32767, -32768, 32767).astype(np.int16)


def _room(seconds: float, rng: np.random.Generator) -> npt.NDArray[np.float32]:
    return (rng.standard_normal(round(seconds * RATE)) * 0.002).astype(np.float32)


def test_turns_are_found_where_the_client_speaks(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    first = _speech(tmp_path, "Hello, my name is Sam and I applied for the job.")
    second = _speech(tmp_path, "I have worked in a shop for three years.")
    parts = [_room(1.0, rng), first, _room(1.5, rng), second, _room(1.2, rng)]
    audio = np.concatenate(parts)
    audio[: len(audio)] += _room(len(audio) / RATE, rng)[: len(audio)]
    starts = [1.0, 1.0 + len(first) / RATE + 1.5]
    ends = [starts[0] + len(first) / RATE, starts[1] + len(second) / RATE]
    detector = SpeechDetector()
    turns: list[Turn] = []
    chunk = random.Random(3)
    i = 0
    pcm = _pcm(audio)
    while i < len(pcm):  # in pieces of any size, as a device delivers them
        n = chunk.randint(50, 4000)
        turns += detector.feed(pcm[i : i + n])
        i += n
    turns += detector.flush()
    assert len(turns) == 2, turns
    for turn, start, end in zip(turns, starts, ends, strict=True):
        assert abs(turn.start - start) < 0.15, (turn, start)
        assert abs(turn.end - end) < 0.25, (turn, end)
    # the same audio in one piece gives the same turns
    again = SpeechDetector()
    assert again.feed(pcm) + again.flush() == turns


def test_a_click_or_a_cough_is_not_a_turn() -> None:
    rng = np.random.default_rng(2)
    audio = _room(3.0, rng)
    audio[RATE : RATE + 160] += 0.8 * np.sign(rng.standard_normal(160)).astype(np.float32)
    detector = SpeechDetector()
    assert detector.feed(_pcm(audio)) + detector.flush() == []


def test_latency_interruptions_and_speaking_time_come_from_the_turns() -> None:
    taking = TurnTaking().partner_spoke("interviewer", 10.0, 13.0)
    taking = taking.client_spoke(Turn(14.25, 20.0))  # answered 1.25 s after the line
    taking = taking.partner_spoke("interviewer", 21.0, 25.0)
    taking = taking.client_spoke(Turn(23.5, 26.0))  # cut in while the partner spoke
    taking = taking.client_spoke(Turn(40.0, 41.0))  # more, with no line to answer
    got = [(m.name, m.value, m.partner_id) for m in taking.measures]
    assert got == [
        ("speaking_time", 5.75, ""),
        ("response_latency", 1.25, "interviewer"),
        ("speaking_time", 2.5, ""),
        ("response_latency", 0.0, "interviewer"),
        ("interruption", 1.0, "interviewer"),
        ("speaking_time", 1.0, ""),
    ]
    assert taking.turns == 3 and taking.interruptions == 1
    assert taking.speaking_s == pytest.approx(9.25)
    assert taking.lines == ()


def test_a_line_nobody_answers_within_half_a_minute_has_no_latency() -> None:
    taking = TurnTaking().partner_spoke("boss", 0.0, 2.0).client_spoke(Turn(40.0, 41.0))
    assert [m.name for m in taking.measures] == ["speaking_time"]


class _CFunction:
    """alcGetString as ctypes has it: a callable whose restype can be set."""

    def __init__(self, block: Any) -> None:
        self.block = block
        self.restype: Any = None

    def __call__(self, device: Any, what: int) -> int:
        return ctypes.addressof(self.block)


class FakeCapture:
    """OpenAL's capture calls, with samples waiting to be read."""

    def __init__(self, waiting: npt.NDArray[np.int16] | None, devices: tuple[str, ...]) -> None:
        self.waiting = waiting
        self.devices = devices
        self.calls: list[str] = []
        names = b"".join(d.encode() + b"\0" for d in devices) + b"\0"
        self.alcGetString = _CFunction(ctypes.create_string_buffer(names))

    def alcCaptureOpenDevice(self, name: Any, rate: int, fmt: int, size: int) -> int | None:
        self.calls.append(f"open {rate} {fmt:#x}")
        return 1 if self.waiting is not None else None

    def alcCaptureStart(self, device: int) -> None:
        self.calls.append("start")

    def alcGetIntegerv(self, device: int, what: int, n: int, out: Any) -> None:
        assert what == ALC_CAPTURE_SAMPLES
        out._obj.value = len(self.waiting) if self.waiting is not None else 0

    def alcCaptureSamples(self, device: int, buffer: int, n: int) -> None:
        assert self.waiting is not None
        ctypes.memmove(buffer, self.waiting.ctypes.data, n * 2)
        self.waiting = self.waiting[n:]

    def alcCaptureStop(self, device: int) -> None:
        self.calls.append("stop")

    def alcCaptureCloseDevice(self, device: int) -> None:
        self.calls.append("close")


def test_the_microphone_reads_what_has_arrived_without_waiting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import vrtherapy.audio.microphone as mic

    monkeypatch.setattr(mic, "_bind", lambda lib: None)
    fake = FakeCapture(np.arange(1000, dtype=np.int16), ("Headset Mic",))
    m = Microphone(lib=fake)
    np.testing.assert_array_equal(m.read(), np.arange(1000, dtype=np.int16))
    assert len(m.read()) == 0  # nothing new: an empty read, no waiting
    m.close()
    assert fake.calls == ["open 16000 0x1101", "start", "stop", "close"]
    with pytest.raises(MicrophoneUnavailable, match="no microphone named 'USB'"):
        Microphone("USB", lib=fake)
    with pytest.raises(MicrophoneUnavailable, match="no microphone could be opened"):
        Microphone(lib=FakeCapture(None, ()))


def test_frames_cut_a_recording_as_a_device_would() -> None:
    pieces = list(frames(np.arange(10, dtype=np.int16), 4))
    assert [len(p) for p in pieces] == [4, 4, 2]
