"""Where a sound's samples come from: synthesised, decoded whole, or streamed.

Files decode through soundfile (libsndfile: WAV, FLAC, Ogg Vorbis). Short files are
decoded once and kept; files longer than :data:`STREAM_AFTER_S` are streamed in
blocks, so a long recording never sits in memory whole. OpenAL resamples any rate
to the device's 48 kHz, so samples keep the file's own rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from vrtherapy.audio import crowd
from vrtherapy.audio.synth import RATE, synthesise

F32 = npt.NDArray[np.float32]
STREAM_AFTER_S = 30.0
BLOCK_S = 0.25


class SoundFileError(Exception):
    """A sound file is missing or cannot be decoded (the message names it)."""


@dataclass(frozen=True)
class Clip:
    """Samples in memory: (n,) mono or (n, 2) stereo float32 at ``rate``."""

    samples: F32
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate

    def mono(self) -> Clip:
        """Positional sounds must be mono: OpenAL spatialises only mono buffers."""
        if self.samples.ndim == 1:
            return self
        return Clip(self.samples.mean(axis=1).astype(np.float32), self.rate)


@dataclass(frozen=True)
class StreamSource:
    """A long file played by streaming: its path, rate and channel count."""

    path: Path
    rate: int
    channels: int
    frames: int


def resolve(name: str, base_dirs: tuple[Path, ...]) -> Path | None:
    for base in base_dirs:
        candidate = (base / name).resolve()
        if candidate.is_file():
            return candidate
    return None


def open_sound(
    file: str | None, synth: str | None, base_dirs: tuple[Path, ...]
) -> Clip | StreamSource:
    """The samples of an authored sound, or a stream for a long file."""
    if synth == "murmur":  # many espeak-ng voices when espeak-ng is installed
        return Clip(crowd.murmur(), RATE)
    if synth is not None:
        return Clip(synthesise(synth), RATE)
    if file is None:
        raise SoundFileError("a sound needs a file or a synthesised sound")
    path = resolve(file, base_dirs)
    if path is None:
        looked = ", ".join(str(d) for d in base_dirs) or "nowhere"
        raise SoundFileError(f"sound file '{file}' not found (looked in: {looked})")
    import soundfile

    try:
        info = soundfile.info(str(path))
    except (RuntimeError, OSError) as exc:
        raise SoundFileError(f"sound file '{file}' cannot be read: {exc}") from None
    if info.channels not in (1, 2):
        raise SoundFileError(
            f"sound file '{file}' has {info.channels} channels; use mono or stereo"
        )
    if info.frames / info.samplerate > STREAM_AFTER_S:
        return StreamSource(path, int(info.samplerate), int(info.channels), int(info.frames))
    return _decode(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=32)
def _decode(path: Path, _mtime: int) -> Clip:
    import soundfile

    try:
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=False)
    except (RuntimeError, OSError) as exc:
        raise SoundFileError(f"sound file '{path.name}' cannot be read: {exc}") from None
    data.flags.writeable = False
    return Clip(data, int(rate))


class BlockReader:
    """Reads a long file block by block, from the start again at its end (loops)."""

    def __init__(self, source: StreamSource, loop: bool, mono: bool) -> None:
        import soundfile

        self.source = source
        self.loop = loop
        self.mono = mono
        self.block = max(1, int(source.rate * BLOCK_S))
        self._file = soundfile.SoundFile(str(source.path))
        self.finished = False

    def next(self) -> F32 | None:
        """The next block, or None when a one-shot has reached its end."""
        if self.finished:
            return None
        data = self._file.read(self.block, dtype="float32", always_2d=True)
        if len(data) < self.block and self.loop:
            self._file.seek(0)
            data = np.concatenate(
                [data, self._file.read(self.block - len(data), dtype="float32", always_2d=True)]
            )
        if len(data) == 0:
            self.finished = True
            return None
        out: F32 = data.mean(axis=1) if self.mono or data.shape[1] == 1 else data
        return np.ascontiguousarray(out, dtype=np.float32)

    def close(self) -> None:
        self._file.close()
