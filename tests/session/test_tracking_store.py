"""Tracked poses: the chunk codec, pose interpolation, chunking, and the store keeping the
chunks beside the log with their hashes in the chain (SQLite and PostgreSQL)."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from vrtherapy.authoring import Library
from vrtherapy.session import events as ev
from vrtherapy.session.store import StoreError, open_store
from vrtherapy.session.store.base import EventStore
from vrtherapy.session.store.migrations import MIGRATIONS, SCHEMA_VERSION
from vrtherapy.session.tracking import (
    ChunkBuilder,
    ChunkError,
    Pose,
    PoseSample,
    Track,
    TrackingRecorder,
    TrackingSamples,
    decode_chunk,
    encode_chunk,
    forward,
    pose_at,
)
from vrtherapy.session.tracking.codec import sha256
from vrtherapy.session.tracking.recorder import encode

from .helpers import start


def _yaw_quat(deg: float) -> tuple[float, float, float, float]:
    h = math.radians(deg) / 2
    return (0.0, math.sin(h), 0.0, math.cos(h))


def _moments(t0: float, n: int, hz: float = 20.0, hands: bool = False) -> list[PoseSample]:
    out = []
    for i in range(n):
        t = t0 + i / hz
        head = Pose((0.1 * math.sin(t), 1.6 + 0.01 * i % 0.3, -0.05 * t), _yaw_quat(10 * t))
        poses: list[tuple[str, Pose]] = [("head", head), ("stimulus", Pose((0.0, 0.0, -2.0)))]
        if hands and i % 3:  # a controller tracked now and then
            poses.append(("right_hand", Pose((0.3, 1.1, -0.3), _yaw_quat(-20))))
        out.append(PoseSample(round(t, 6), tuple(poses)))  # type: ignore[arg-type]
    return out


def _raw(store: EventStore, sql: str, *args: object) -> None:
    conn = store._connection()
    cur = conn.cursor()
    cur.execute(sql.replace("?", store.placeholder), args)
    cur.close()
    conn.commit()


# -- codec -------------------------------------------------------------------------------


def test_a_chunk_round_trips_within_its_quantisation() -> None:
    samples = TrackingSamples.from_moments(_moments(12.3, 200, hands=True))
    back = decode_chunk(encode_chunk(samples))
    assert set(back.tracks) == {"head", "stimulus", "right_hand"}
    for name, track in samples.tracks.items():
        got = back.track(name)
        assert len(got) == len(track)
        assert np.abs(got.times - track.times).max() <= 0.5e-3 + 1e-9
        assert np.abs(got.positions - track.positions).max() <= 0.5e-4 + 1e-6
        # a quaternion and its negative are one rotation: compare rotations
        a = got.orientations.astype(np.float64)
        b = track.orientations.astype(np.float64)
        dots = np.clip(np.abs(np.einsum("ij,ij->i", a, b)), 0, 1)
        assert np.degrees(2 * np.arccos(dots)).max() < 0.05  # float32 storage noise


def test_chunk_with_sign_flipped_quaternions_stays_exact() -> None:
    q = np.array([[0, 0.6, 0, 0.8], [0, -0.6, 0, -0.8], [0, 0.61, 0, 0.79]], np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    track = Track("head", np.array([0.0, 0.05, 0.1]), np.zeros((3, 3), np.float32), q)
    back = decode_chunk(encode_chunk(TrackingSamples({"head": track}))).head
    assert np.allclose(forward(back.orientations), forward(q), atol=1e-4)


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"nope", "magic"),
        (b"VRTK\x07" + b"x", "format 7"),
        (b"VRTK\x01" + b"not zlib", "damaged"),
    ],
)
def test_bytes_that_are_not_a_chunk_are_refused_with_a_reason(data: bytes, why: str) -> None:
    with pytest.raises(ChunkError, match=why):
        decode_chunk(data)


# -- pose_at -----------------------------------------------------------------------------


def test_pose_at_interpolates_between_samples_and_gives_samples_exactly() -> None:
    track = Track.of(
        "head",
        [1.0, 1.5, 4.0],
        [
            Pose((0.0, 1.6, 0.0), _yaw_quat(0)),
            Pose((1.0, 1.6, -2.0), _yaw_quat(90)),
            Pose((5.0, 1.6, 0.0), _yaw_quat(0)),
        ],
    )
    at = pose_at(track, 1.5)
    assert at is not None and at.position == pytest.approx((1.0, 1.6, -2.0))
    mid = pose_at(track, 1.25)
    assert mid is not None
    assert mid.position == pytest.approx((0.5, 1.6, -1.0), abs=1e-6)
    assert mid.orientation == pytest.approx(_yaw_quat(45), abs=1e-6)  # slerp: half the turn
    assert pose_at(track, 0.99) is None and pose_at(track, 4.01) is None
    assert pose_at(track, 3.0) is None  # a 2.5 s gap: not tracked then
    assert pose_at(track, 3.0, max_gap=3.0) is not None
    assert pose_at(Track.empty("head"), 1.0) is None


# -- chunking ----------------------------------------------------------------------------


def test_chunks_cover_fixed_windows_of_session_time() -> None:
    builder = ChunkBuilder(10.0)
    done = builder.add(_moments(5.0, 20 * 20))  # 5 s .. 25 s at 20 Hz
    assert [(round(c.start, 2), round(c.end, 2), c.moments) for c in done] == [
        (5.0, 9.95, 100),
        (10.0, 19.95, 200),
    ]
    assert builder.pending == 100
    assert builder.add(_moments(5.0, 3)) == []  # already had these moments: ignored
    last = builder.flush()
    assert last is not None and last.moments == 100 and builder.flush() is None
    assert last.sha256 == sha256(last.data)


def test_a_refused_chunk_is_offered_again() -> None:
    answers = [False, True, True]
    offered: list[float] = []

    def store_chunk(chunk: object) -> bool:
        offered.append(chunk.start)  # type: ignore[attr-defined]
        return answers.pop(0)

    recorder = TrackingRecorder(store_chunk, chunk_s=1.0)
    recorder.add(_moments(0.0, 30))  # completes the chunk of 0–1 s
    assert recorder.unstored == 1 and recorder.stored == 0
    recorder.retry()
    assert recorder.unstored == 0 and recorder.stored == 1
    recorder.flush()  # the second chunk (1–1.45 s)
    assert recorder.stored == 2 and offered == [0.0, 0.0, 1.0]


# -- the store ---------------------------------------------------------------------------


def _store_chunks(store: EventStore, stream: str, chunks: list[list[PoseSample]]) -> None:
    seq = 0
    for moments in chunks:
        c = encode(moments)
        payload = ev.TrackingChunk(c.sha256, len(c.data), c.start, c.end, c.moments, c.tracks)
        stored = store.append(
            stream, seq, [ev.NewEvent("system", payload, c.end)], 1.0, tracking={0: c.data}
        )
        seq = stored[-1].seq


def test_chunks_are_stored_beside_the_log_and_read_back_in_order(store: EventStore) -> None:
    store.create_stream("s", "session", "A", 0.0)
    _store_chunks(store, "s", [_moments(0.0, 200), _moments(10.0, 200), _moments(20.0, 37)])
    samples = store.tracking("s")
    assert samples.moments == 437
    assert np.all(np.diff(samples.head.times) > 0)
    assert samples.span == pytest.approx((0.0, 20.0 + 36 / 20), abs=1e-3)
    kinds = [e.kind for e in store.read("s")]
    assert kinds == ["tracking_chunk"] * 3
    assert store.verify("s").ok
    assert store.tracking("nothing").moments == 0


def test_bytes_that_do_not_match_their_event_are_refused(store: EventStore) -> None:
    store.create_stream("s", "session", "A", 0.0)
    c = encode(_moments(0.0, 10))
    payload = ev.TrackingChunk(c.sha256, len(c.data), c.start, c.end, c.moments, c.tracks)
    with pytest.raises(StoreError, match="do not belong"):
        store.append("s", 0, [ev.NewEvent("system", payload, 0.0)], 1.0, tracking={0: b"x"})
    assert store.read("s") == []


def test_an_altered_chunk_fails_verification_and_is_named(store: EventStore) -> None:
    store.create_stream("s", "session", "A", 0.0)
    _store_chunks(store, "s", [_moments(0.0, 200), _moments(10.0, 200)])
    _, (seq2, second) = store.tracking_chunks("s")
    changed = bytearray(second)
    changed[-3] ^= 0xFF
    _raw(
        store,
        "UPDATE tracking_chunks SET data = ? WHERE stream = ? AND seq = ?",
        bytes(changed),
        "s",
        seq2,
    )
    report = store.verify("s")
    assert not report.ok
    assert report.problems == (
        f"tracking chunk of event {seq2} (session time 0:10–0:19): its bytes do not match "
        "the hash in the chain (altered)",
    )


def test_a_removed_or_added_chunk_fails_verification(store: EventStore) -> None:
    store.create_stream("s", "session", "A", 0.0)
    _store_chunks(store, "s", [_moments(0.0, 200)])
    store.append("s", 1, [ev.NewEvent("therapist", ev.NoteAdded("n"), 11.0)], 2.0)
    _raw(store, "DELETE FROM tracking_chunks WHERE stream = ?", "s")
    _raw(
        store,
        "INSERT INTO tracking_chunks (stream, seq, data) VALUES (?, ?, ?)",
        "s",
        2,
        encode(_moments(0.0, 5)).data,
    )
    problems = store.verify("s").problems
    assert "tracking chunk of event 1 (session time 0:00–0:09) is missing" in problems
    assert any("beside event 2 is not in the hash chain" in p for p in problems)


def test_a_schema_2_database_gains_the_chunk_table_and_keeps_verifying(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    for version in (1, 2):
        for statement in MIGRATIONS[version]("sqlite"):
            conn.execute(statement)
    conn.execute("INSERT INTO schema_version (version) VALUES (2)")
    conn.commit()
    conn.close()
    old = open_store(str(path))
    assert old.schema_version() == SCHEMA_VERSION == 3
    old.create_stream("s", "session", "A", 0.0)
    _store_chunks(old, "s", [_moments(0.0, 20)])
    assert old.verify("s").ok and old.tracking("s").moments == 20
    old.close()


# -- the engine ----------------------------------------------------------------------------


def test_the_engine_stores_a_chunk_with_its_hash_in_the_chain(
    sqlite_store: EventStore, library: Library
) -> None:
    engine, clock = start(sqlite_store, library)
    clock.advance(12.0)
    assert engine.record_tracking(encode(_moments(0.0, 200)))
    last = sqlite_store.read(engine.session_id)[-1]
    assert isinstance(last.payload, ev.TrackingChunk) and last.payload.moments == 200
    assert sqlite_store.verify(engine.session_id).ok
    assert sqlite_store.tracking(engine.session_id).moments == 200
