"""On the engine thread: moments sampled by the render loop, gathered into fixed chunks of
session time, encoded and handed to the store (an event with the chunk's hash, the bytes
beside it). A crash loses at most the chunk being gathered."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from vrtherapy.session.tracking.codec import encode_chunk, sha256
from vrtherapy.session.tracking.samples import PoseSample, TrackingSamples

log = logging.getLogger(__name__)

CHUNK_S = 10.0  # session time per stored chunk: what a crash can lose at most
KEEP_UNSTORED = 30  # chunks kept for a retry while the store is down (5 minutes)


@dataclass(frozen=True)
class EncodedChunk:
    data: bytes
    sha256: str
    start: float  # session time of the first sample
    end: float  # and of the last
    moments: int  # sampled moments
    tracks: tuple[str, ...]


def encode(moments: Sequence[PoseSample]) -> EncodedChunk:
    samples = TrackingSamples.from_moments(moments)
    data = encode_chunk(samples)
    names = tuple(n for n, t in samples.tracks.items() if len(t))
    return EncodedChunk(data, sha256(data), moments[0].t, moments[-1].t, len(moments), names)


class ChunkBuilder:
    """Gathers moments into chunks covering [k·chunk_s, (k+1)·chunk_s) of session time."""

    def __init__(self, chunk_s: float = CHUNK_S) -> None:
        if chunk_s <= 0:
            raise ValueError("a chunk lasts a positive time")
        self.chunk_s = chunk_s
        self._pending: list[PoseSample] = []
        self._window = -1
        self._last_t = float("-inf")

    @property
    def pending(self) -> int:
        return len(self._pending)

    def add(self, moments: Sequence[PoseSample]) -> list[EncodedChunk]:
        """Take moments in time order; returns the chunks they complete."""
        done: list[EncodedChunk] = []
        for m in moments:
            if m.t <= self._last_t:
                continue  # not after the last one (a repeated hand-over): already kept
            self._last_t = m.t
            window = int(m.t // self.chunk_s)
            if self._pending and window != self._window:
                done.append(encode(self._pending))
                self._pending = []
            self._window = window
            self._pending.append(m)
        return done

    def flush(self) -> EncodedChunk | None:
        """The chunk gathered so far (the session ended or the station is closing)."""
        if not self._pending:
            return None
        chunk = encode(self._pending)
        self._pending = []
        return chunk


class TrackingRecorder:
    """Chunks moments and stores each finished chunk with ``store_chunk`` (True once it is
    durable). A chunk the store refused is kept and offered again (:meth:`retry`), up to
    :data:`KEEP_UNSTORED` of them, oldest dropped first (and logged)."""

    def __init__(
        self, store_chunk: Callable[[EncodedChunk], bool], chunk_s: float = CHUNK_S
    ) -> None:
        self._store_chunk = store_chunk
        self.builder = ChunkBuilder(chunk_s)
        self._unstored: deque[EncodedChunk] = deque()
        self.stored = 0

    def add(self, moments: Sequence[PoseSample]) -> None:
        for chunk in self.builder.add(moments):
            self._offer(chunk)

    def flush(self) -> None:
        chunk = self.builder.flush()
        if chunk is not None:
            self._offer(chunk)
        self.retry()

    def retry(self) -> None:
        while self._unstored:
            if not self._store_chunk(self._unstored[0]):
                return
            self._unstored.popleft()
            self.stored += 1

    @property
    def unstored(self) -> int:
        return len(self._unstored)

    def _offer(self, chunk: EncodedChunk) -> None:
        self._unstored.append(chunk)
        while len(self._unstored) > KEEP_UNSTORED:
            lost = self._unstored.popleft()
            log.error(
                "tracking samples of %.0f–%.0f s were not stored (the record was unavailable)",
                lost.start,
                lost.end,
            )
        self.retry()
