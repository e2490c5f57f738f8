"""The client's voice in a running session: turns become measures in the record; audio is
stored only while the therapist has recording on, with its hash in the log."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from tests.system_needs import missing
from vrtherapy.app.voice_wiring import ClientVoice
from vrtherapy.authoring import load_library
from vrtherapy.authoring.scenario import VoiceSpec
from vrtherapy.partners.speech import SpeechCache, SpeechRequest, espeak_available
from vrtherapy.partners.voice_activity import RATE
from vrtherapy.session import commands as c
from vrtherapy.session.clock import ManualClock
from vrtherapy.session.service import SessionService
from vrtherapy.session.store import open_store

STEP_S = 0.05


class Mic:
    """A microphone that has heard ``audio``: each read returns the next 50 ms."""

    def __init__(self, audio: npt.NDArray[np.int16]) -> None:
        self.audio = audio
        self.closed = False

    def read(self) -> npt.NDArray[np.int16]:
        n = round(STEP_S * RATE)
        out, self.audio = self.audio[:n], self.audio[n:]
        return out

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[SessionService, ManualClock]]:
    clock = ManualClock()
    store = open_store(str(tmp_path / "voice.sqlite3"))
    service = SessionService(store, load_library(), clock)
    service.start(service.create_client("heights.standard"))
    yield service, clock
    store.close()


def _answer(tmp_path: Path) -> npt.NDArray[np.int16]:
    """2 s of room noise, 'I am fine, thank you...' (espeak-ng), then 2 s more."""
    if not espeak_available():
        missing("espeak-ng", "apt-get install espeak-ng")
    u = SpeechCache(tmp_path / "speech").get(
        SpeechRequest("I am fine, thank you. I would like to talk about my work.", VoiceSpec())
    )
    t = np.arange(round(u.seconds * RATE)) / RATE
    words = np.interp(t, np.arange(len(u.samples)) / u.rate, u.samples)
    nz = np.flatnonzero(np.abs(words) > 0.01)
    words = words[nz[0] : nz[-1] + 1]
    rng = np.random.default_rng(0)
    silence = np.zeros(2 * RATE)
    heard = np.concatenate([silence, words, silence])
    heard += rng.standard_normal(len(heard)) * 0.002  # the room, under the words too
    return (heard * 32767).astype(np.int16)


def _run(voice: ClientVoice, clock: ManualClock, service: SessionService, seconds: float) -> None:
    for _ in range(round(seconds / STEP_S)):
        clock.advance(STEP_S)
        service.tick()
        voice.step()


def _kinds(service: SessionService) -> list[tuple[str, dict[str, object]]]:
    return [(e.kind, e.payload.__dict__) for e in service.events()]


def _direct(fn: Callable[[], object]) -> None:
    fn()


def test_a_turn_after_a_line_records_latency_and_speaking_time_and_no_audio(
    tmp_path: Path, service: tuple[SessionService, ManualClock]
) -> None:
    svc, clock = service
    audio = _answer(tmp_path)
    mic = Mic(audio)
    voice = ClientVoice(mic, svc, _direct, tmp_path)
    _run(voice, clock, svc, 0.5)  # the detector starts on the session's clock
    t0 = svc.snapshot.session_time
    # a line ending at 1.0 s; the client starts to speak at 2.0 s
    voice.partner_spoke("interviewer", t0 - 0.5, t0 + 0.5)
    _run(voice, clock, svc, len(audio) / RATE)
    measures = {p["name"]: p for k, p in _kinds(svc) if k == "measure_recorded"}
    speech_s = (len(audio) - 4 * RATE) / RATE
    assert measures["speaking_time"]["value"] == pytest.approx(speech_s, abs=0.3)
    assert measures["response_latency"]["value"] == pytest.approx(1.0, abs=0.15)
    assert measures["response_latency"]["partner_id"] == "interviewer"
    # the session heard at once that the client began to speak (a partner may cut in)
    [began] = [e for e in svc.events() if e.kind == "client_speaking"]
    assert began.payload.turn == 1 and began.payload.marked_by == "client"
    assert began.session_time == pytest.approx(t0 + 1.5, abs=0.3)
    assert not (tmp_path / "recordings").exists()  # recording was off: nothing stored
    voice.close()
    assert mic.closed


def test_audio_is_stored_only_while_recording_is_on_with_its_hash_in_the_log(
    tmp_path: Path, service: tuple[SessionService, ManualClock]
) -> None:
    svc, clock = service
    audio = _answer(tmp_path)
    voice = ClientVoice(Mic(audio), svc, _direct, tmp_path)
    _run(voice, clock, svc, 1.0)  # before recording is on: not stored
    assert svc.handle(c.SetVoiceRecording("rec-on", on=True)).accepted
    _run(voice, clock, svc, 2.0)
    assert svc.handle(c.SetVoiceRecording("rec-off", on=False)).accepted
    _run(voice, clock, svc, 1.0)
    stored = [p for k, p in _kinds(svc) if k == "client_audio_stored"]
    assert len(stored) == 1
    folder = tmp_path / "recordings" / svc.snapshot.session_id
    wav = folder / str(stored[0]["file"])
    assert [f.name for f in folder.iterdir()] == [wav.name]
    assert stored[0]["sha256"] == hashlib.sha256(wav.read_bytes()).hexdigest()
    assert stored[0]["seconds"] == pytest.approx(2.0, abs=0.1)
    assert stored[0]["started"] == pytest.approx(1.0, abs=0.1)
    import soundfile

    data, rate = soundfile.read(str(wav), dtype="int16")
    assert rate == RATE
    n0 = round(1.0 / STEP_S) * round(STEP_S * RATE)
    np.testing.assert_array_equal(data, audio[n0 : n0 + len(data)])  # what was heard then
    voice.close()
    # `vrtherapy verify` checks the recording against its hash in the log
    from click.testing import CliRunner

    from vrtherapy.cli.main import cli

    def verify() -> tuple[int, str]:
        result = CliRunner().invoke(
            cli,
            ["verify", "--database", str(tmp_path / "voice.sqlite3")],
            env={"VRTHERAPY_DATA_DIR": str(tmp_path)},
        )
        return result.exit_code, result.output

    code, said = verify()
    assert code == 0, said
    wav.write_bytes(wav.read_bytes()[:-2] + b"\x01\x02")  # two samples changed
    code, said = verify()
    assert code == 1 and f"recording {wav.name} differs from the one stored" in said
    wav.unlink()  # erased for data protection: noted, the record still verifies
    code, said = verify()
    assert code == 0 and f"recording {wav.name} (event" in said and "is not present" in said


def test_recording_twice_on_is_refused_and_a_forged_hash_is_not_stored(
    service: tuple[SessionService, ManualClock],
) -> None:
    svc, _ = service
    assert svc.handle(c.SetVoiceRecording("a", on=True)).accepted
    refused = svc.handle(c.SetVoiceRecording("b", on=True))
    assert not refused.accepted and "already on" in refused.reason
    bad = svc.handle(c.StoreClientAudio("c", file="../../etc/passwd.wav", sha256="0" * 64))
    assert not bad.accepted and "file name" in bad.reason
    bad = svc.handle(c.StoreClientAudio("d", file="x.wav", sha256="xyz"))
    assert not bad.accepted and "SHA-256" in bad.reason


def test_a_resumed_session_in_a_new_process_records_the_clients_turns(
    tmp_path: Path, service: tuple[SessionService, ManualClock]
) -> None:
    """The store takes a command id once: a second ClientVoice on the same session (the
    session resumed by a new `run`) must not send the first one's ids again."""
    svc, clock = service
    audio = _answer(tmp_path)
    for _ in range(2):  # two processes, one after the other
        voice = ClientVoice(Mic(audio), svc, _direct, tmp_path)
        _run(voice, clock, svc, len(audio) / RATE)
        voice.close()
    kinds = [k for k, _ in _kinds(svc)]
    assert kinds.count("client_speaking") == 2
    assert kinds.count("measure_recorded") == 2  # speaking time, each turn
