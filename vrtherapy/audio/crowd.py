"""A crowd's murmur made from many voices of the offline TTS (espeak-ng).

Sixteen espeak-ng voices (different variants, pitches and speaking rates) each read
seeded everyday phrases; every voice is placed in the room (a pan and a distance:
farther is quieter and duller), its take is wrapped around the loop at a seeded
offset, and the sum is low-passed so that no word can be made out. Because every
take is wrapped circularly (with short fades where it was cut) and the filter is
applied in the frequency domain (circular too), the loop has no seam at all.

Making the bed runs espeak-ng sixteen times, so the result is kept in the user's
cache folder under the SHA-256 of its recipe (phrases, voices, filter, espeak-ng's
version): it is made once per machine. Without espeak-ng the formant murmur of
:mod:`vrtherapy.audio.synth` is used instead, with one logged warning; nothing is
ever downloaded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import platformdirs

from vrtherapy.audio import synth
from vrtherapy.audio.synth import RATE

log = logging.getLogger(__name__)

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
ESPEAK = "espeak-ng"
TIMEOUT_S = 30.0
RECIPE_VERSION = 1
SECONDS = 16.0
VOICES = 16
CUTOFF_HZ = 1200.0  # the murmur's low-pass at 1 m; farther voices are duller still

VARIANTS = (
    "en+m1", "en+m2", "en+m3", "en+m4", "en+m5", "en+m6", "en+m7", "en+f1",
    "en+f2", "en+f3", "en+f4", "en+f5", "en-us+m3", "en-us+f2", "en-gb-scotland+m2",
    "en-gb-x-rp+f3",
)  # fmt: skip

PHRASES = (
    "did you find a seat all right",
    "we came in by train this morning",
    "I think the talk starts at ten",
    "have you tried the coffee here",
    "she said she would meet us later",
    "it was much busier last year",
    "could you pass me the program",
    "the weather has been lovely this week",
    "we should get something to eat after",
    "my sister lives just round the corner",
    "how long have you been waiting",
    "I parked on the other side of the square",
    "they are opening the doors soon",
    "let me know if you need anything",
    "the first part was really interesting",
    "are you staying for the whole day",
    "I left my jacket by the door",
    "it is nice to see so many people",
    "we met at the last meeting in spring",
    "do you know where the tickets are",
    "he is coming on the next bus",
    "I will send you the pictures tonight",
    "the children loved the garden",
    "shall we sit near the front",
)


class CrowdError(RuntimeError):
    """espeak-ng could not make the murmur (the message says why)."""


@dataclass(frozen=True)
class Voice:
    """One talker in the crowd: how it sounds, what it says and where it stands."""

    variant: str
    pitch: int  # espeak-ng -p, 0..99
    wpm: int  # espeak-ng -s
    text: str
    pan: float  # -1 left .. 1 right
    distance: float  # metres: gain 1/d, low-pass cutoff / d
    offset: float  # where in the loop the take starts, 0..1


def cast(seed: int = 7, voices: int = VOICES, seconds: float = SECONDS) -> tuple[Voice, ...]:
    """The crowd's voices: a pure function of the seed."""
    rng = np.random.default_rng(seed)
    words_per_s = 2.6  # everyday speech; each voice reads enough to fill the loop
    out = []
    for i in range(voices):
        wpm = int(rng.integers(135, 200))
        need = seconds * wpm / 60.0 / words_per_s * 1.3
        said: list[str] = []
        while sum(len(p.split()) for p in said) < need:
            said.append(PHRASES[int(rng.integers(len(PHRASES)))])
        out.append(
            Voice(
                variant=VARIANTS[i % len(VARIANTS)],
                pitch=int(rng.integers(25, 75)),
                wpm=wpm,
                text=". ".join(said) + ".",
                pan=float(rng.uniform(-0.9, 0.9)),
                distance=float(rng.uniform(1.5, 6.0)),
                offset=float(rng.uniform(0.0, 1.0)),
            )
        )
    return tuple(out)


def cache_dir() -> Path:
    """Where made sounds are kept: $VRTHERAPY_CACHE_DIR or the user cache folder."""
    override = os.environ.get("VRTHERAPY_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("vrtherapy"))


def espeak_version(exe: str) -> str:
    done = subprocess.run([exe, "--version"], capture_output=True, timeout=TIMEOUT_S, check=False)
    return done.stdout.decode("utf-8", "replace").split("Data at")[0].strip()


def recipe_key(voices: tuple[Voice, ...], seconds: float, version: str) -> str:
    recipe = {
        "recipe": RECIPE_VERSION,
        "synth": version,
        "seconds": seconds,
        "rate": RATE,
        "cutoff": CUTOFF_HZ,
        "voices": [asdict(v) for v in voices],
    }
    blob = json.dumps(recipe, sort_keys=True).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def speak(exe: str, voice: Voice) -> F64:
    """One voice's take at 48 kHz (mono), made by espeak-ng."""
    import soundfile
    from scipy.signal import resample_poly

    with tempfile.TemporaryDirectory(prefix="vrtherapy-murmur-") as tmp:
        wav = Path(tmp) / "take.wav"
        argv = [exe, "-v", voice.variant, "-p", str(voice.pitch), "-s", str(voice.wpm)]
        argv += ["--stdin", "-w", str(wav)]
        try:
            done = subprocess.run(
                argv, input=voice.text.encode(), capture_output=True, timeout=TIMEOUT_S
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise CrowdError(f"espeak-ng could not run: {exc}") from None
        if done.returncode != 0 or not wav.is_file():
            said = done.stderr.decode("utf-8", "replace").strip()
            raise CrowdError(f"espeak-ng failed for voice {voice.variant}: {said}")
        try:
            data, rate = soundfile.read(str(wav), dtype="float64", always_2d=True)
        except (RuntimeError, OSError) as exc:
            raise CrowdError(f"espeak-ng wrote no readable audio: {exc}") from None
    mono = data.mean(axis=1)
    g = np.gcd(RATE, int(rate))
    out: F64 = resample_poly(mono, RATE // g, int(rate) // g)
    return out


def _wrap(take: F64, n: int, offset: float) -> F64:
    """The take laid around a loop of ``n`` samples from ``offset``, faded where cut."""
    take = take[:n].copy()
    fade = min(int(0.03 * RATE), len(take) // 4)
    if fade > 0:
        ramp = np.sin(np.linspace(0, np.pi / 2, fade)) ** 2
        take[:fade] *= ramp
        take[-fade:] *= ramp[::-1]
    loop = np.zeros(n)
    loop[: len(take)] = take
    out: F64 = np.roll(loop, int(offset * n))
    return out


def mix(takes: list[tuple[Voice, F64]], n: int) -> F64:
    """The crowd as a seamless stereo loop of ``n`` samples, (n, 2)."""
    freqs = np.fft.rfftfreq(n, 1.0 / RATE)
    out = np.zeros((n, 2))
    for voice, take in takes:
        level = float(np.sqrt(np.mean(take**2))) or 1.0
        loop = _wrap(take / level, n, voice.offset)
        cutoff = CUTOFF_HZ / np.sqrt(voice.distance)
        shape = (
            1.0
            / np.sqrt(1 + (freqs / cutoff) ** 6)
            / np.sqrt(1 + (90.0 / np.maximum(freqs, 1)) ** 4)
        )
        muffled = np.fft.irfft(np.fft.rfft(loop) * shape, n) / voice.distance
        angle = (voice.pan + 1) * np.pi / 4  # equal-power pan
        out[:, 0] += muffled * np.cos(angle)
        out[:, 1] += muffled * np.sin(angle)
    peak = float(np.max(np.abs(out)))
    result: F64 = out * (0.6 / peak) if peak > 0 else out
    return result


def build(seconds: float = SECONDS, seed: int = 7, folder: Path | None = None) -> F32:
    """The murmur bed, read from the cache or made with espeak-ng (and then cached).

    Raises :class:`CrowdError` when espeak-ng is missing or fails.
    """
    import soundfile

    exe = shutil.which(ESPEAK)
    if exe is None:
        raise CrowdError("espeak-ng is not installed (Debian package 'espeak-ng')")
    voices = cast(seed, VOICES, seconds)
    key = recipe_key(voices, seconds, espeak_version(exe))
    path = (folder or cache_dir()) / "murmur" / f"{key}.wav"
    if path.is_file():
        try:
            data, _ = soundfile.read(str(path), dtype="float32", always_2d=True)
            return np.ascontiguousarray(data)
        except (RuntimeError, OSError) as exc:
            log.warning("cached murmur %s is unreadable (%s); making it again", path, exc)
    n = int(seconds * RATE)
    bed = mix([(v, speak(exe, v)) for v in voices], n).astype(np.float32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".wav", dir=path.parent)
        os.close(fd)
        try:
            soundfile.write(tmp, bed, RATE, subtype="FLOAT")
            os.replace(tmp, path)  # atomic: a reader never sees half a file
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as exc:
        log.warning("could not keep the murmur in the cache (%s); it is made again next time", exc)
    return bed


@lru_cache(maxsize=4)
def murmur(seconds: float = SECONDS, seed: int = 7) -> F32:
    """The crowd murmur for scenes: espeak-ng voices, else the formant murmur.

    Cached and read-only, like :func:`vrtherapy.audio.synth.synthesise`.
    """
    try:
        out = build(seconds, seed)
    except CrowdError as exc:
        log.warning("%s; the crowd murmur uses synthetic formant voices instead", exc)
        out = synth.murmur(seconds, seed).astype(np.float32)
    out.flags.writeable = False
    return out
