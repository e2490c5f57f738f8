"""How a chunk of tracked poses is stored: small, exact to a tenth of a millimetre.

Layout: ``b"VRTK"``, a format byte, then zlib of (a little-endian u32 header length,
a JSON header with the chunk's start time and each track's name and sample count, then
per track: times as int32 milliseconds after the start, positions as int32 tenths of a
millimetre, orientations as int16 quaternion components times 32767). Each column is
stored as differences from the previous sample (wrapping integer arithmetic, so the
decoder's running sum restores it exactly): a head moves a little between samples, so
the differences are small numbers that zlib packs tightly. numpy's own ``.npz`` was not
used because it stores per-array headers and zip metadata that dominate chunks this small.

Quantisation: time 1 ms, position 0.1 mm (±214 km), orientation 1/32767 per component
(about 0.004° of rotation).
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from typing import Any

import numpy as np
import numpy.typing as npt

from vrtherapy.session.tracking.samples import TRACKS, Track, TrackingSamples, TrackName

MAGIC = b"VRTK"
FORMAT = 1
TIME_STEP = 1e-3  # s
POSITION_STEP = 1e-4  # m
ORIENTATION_SCALE = 32767


class ChunkError(ValueError):
    """Bytes that are not a tracking chunk this version can read; the message says why."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def encode_chunk(samples: TrackingSamples) -> bytes:
    """The stored form of ``samples`` (one chunk: a few seconds of session time)."""
    span = samples.span
    t0 = span[0] if span is not None else 0.0
    names = [n for n in TRACKS if len(samples.track(n))]
    header = json.dumps(
        {"t0": repr(float(t0)), "tracks": [[n, len(samples.track(n))] for n in names]},
        separators=(",", ":"),
    ).encode("utf-8")
    parts = [struct.pack("<I", len(header)), header]
    for name in names:
        track = samples.track(name)
        ms = np.rint((track.times - t0) / TIME_STEP).astype(np.int64)
        if len(ms) and (ms.max() > np.iinfo(np.int32).max or ms.min() < 0):
            raise ChunkError(f"track {name} spans more than a chunk can hold ({ms.max()} ms)")
        pos = np.rint(track.positions.astype(np.float64) / POSITION_STEP)
        if len(pos) and np.abs(pos).max() > np.iinfo(np.int32).max:
            raise ChunkError(f"track {name} has a position beyond ±214 km of the client")
        q = _continuous(track.orientations.astype(np.float64))
        quat = np.rint(np.clip(q, -1.0, 1.0) * ORIENTATION_SCALE)
        parts.append(_deltas(ms.astype("<i4")).tobytes())
        parts.append(_deltas(pos.astype("<i4")).tobytes())
        parts.append(_deltas(quat.astype("<i2")).tobytes())
    return MAGIC + bytes([FORMAT]) + zlib.compress(b"".join(parts), 9)


def decode_chunk(data: bytes) -> TrackingSamples:
    """The samples a stored chunk holds (raises ChunkError for anything else)."""
    if data[:4] != MAGIC:
        raise ChunkError("not a tracking chunk (wrong magic bytes)")
    if len(data) < 5 or data[4] != FORMAT:
        found = data[4] if len(data) > 4 else "none"
        raise ChunkError(f"tracking chunk format {found}; this version reads format {FORMAT}")
    try:
        body = zlib.decompress(data[5:])
    except zlib.error as exc:
        raise ChunkError(f"the chunk's compressed data is damaged ({exc})") from None
    try:
        (size,) = struct.unpack_from("<I", body, 0)
        header: dict[str, Any] = json.loads(body[4 : 4 + size].decode("utf-8"))
        t0 = float(header["t0"])
        listed = [(str(n), int(k)) for n, k in header["tracks"]]
    except (struct.error, ValueError, KeyError, TypeError) as exc:
        raise ChunkError(f"the chunk's header is damaged ({exc})") from None
    offset = 4 + size
    tracks: dict[TrackName, Track] = {}
    for name, n in listed:
        if name not in TRACKS:
            raise ChunkError(f"the chunk holds an unknown track '{name}'")
        need = n * (4 + 12 + 8)
        if n < 0 or offset + need > len(body):
            raise ChunkError(f"the chunk is shorter than its header says (track {name})")
        ms = _running(np.frombuffer(body, "<i4", n, offset))
        offset += 4 * n
        pos = _running(np.frombuffer(body, "<i4", 3 * n, offset).reshape(n, 3))
        offset += 12 * n
        quat = _running(np.frombuffer(body, "<i2", 4 * n, offset).reshape(n, 4))
        offset += 8 * n
        q = quat.astype(np.float64) / ORIENTATION_SCALE
        norms = np.linalg.norm(q, axis=1, keepdims=True)
        q = q / np.where(norms > 0, norms, 1.0)
        key: TrackName = name  # narrowed by the check against TRACKS above
        tracks[key] = Track(
            key,
            t0 + ms.astype(np.float64) * TIME_STEP,
            (pos.astype(np.float64) * POSITION_STEP).astype(np.float32),
            q.astype(np.float32),
        )
    if offset != len(body):
        raise ChunkError("the chunk holds more data than its header says")
    return TrackingSamples(tracks)


def _continuous(q: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The same rotations, each quaternion's sign chosen nearest its predecessor (q and -q
    are one rotation), so that successive samples differ by small numbers."""
    if len(q) < 2:
        return q
    flips = np.where(np.einsum("ij,ij->i", q[1:], q[:-1]) < 0.0, -1.0, 1.0)
    signs = np.concatenate([[1.0], np.cumprod(flips)])
    return np.asarray(q * signs[:, None], np.float64)


def _deltas(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
    out = a.copy()
    if len(out) > 1:
        out[1:] = a[1:] - a[:-1]  # wraps in the array's own integer type
    return out


def _running(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
    return np.cumsum(a, axis=0, dtype=a.dtype)
