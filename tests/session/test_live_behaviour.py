"""The console's live behaviour readout: the current trial's measures in the snapshot,
starting afresh on every step, and the chunks stored as moments come."""

from __future__ import annotations

from pathlib import Path

from vrtherapy.authoring import Library
from vrtherapy.session import commands as c
from vrtherapy.session.clock import ManualClock
from vrtherapy.session.service import SessionService
from vrtherapy.session.store import open_store
from vrtherapy.session.tracking import Pose, PoseSample

AHEAD = (0.0, 1.6, -2.0)


def _moments(
    t0: float, seconds: float, yaw_quat: tuple[float, float, float, float]
) -> tuple[PoseSample, ...]:
    return tuple(
        PoseSample(
            round(t0 + i * 0.05, 6),
            (("head", Pose((0.0, 1.6, 0.0), yaw_quat)), ("stimulus", Pose(AHEAD))),
        )
        for i in range(int(seconds * 20))
    )


LOOKING = (0.0, 0.0, 0.0, 1.0)
TURNED = (0.0, 0.7071068, 0.0, 0.7071068)  # 90° to the left


def test_the_snapshot_shows_the_current_trials_head(tmp_path: Path, library: Library) -> None:
    store = open_store(str(tmp_path / "live.sqlite3"))
    clock = ManualClock()
    service = SessionService(store, library, clock)
    engine = service.start(service.create_client("spiders.standard"))
    sid = engine.session_id
    assert service.snapshot is not None and service.snapshot.behaviour is None
    clock.advance(12.0)
    service.record_poses(sid, _moments(0.0, 12.0, LOOKING))  # a chunk (0–10 s) completes
    live = service.snapshot.behaviour if service.snapshot else None
    assert live is not None and (live.moments, live.at_share, live.away_share) == (240, 1.0, 0.0)
    assert [e.kind for e in store.read(sid)].count("tracking_chunk") == 1
    service.handle(c.StepUp("up"))  # a new trial: nothing of it measured yet
    assert service.snapshot is not None and service.snapshot.behaviour is None
    clock.advance(3.0)
    service.record_poses(sid, _moments(12.0, 3.0, TURNED))
    live = service.snapshot.behaviour if service.snapshot else None
    assert live is not None and (live.at_share, live.away_share) == (0.0, 1.0)
    assert live.moments == 60
    service.record_poses("another-session", _moments(15.0, 1.0, LOOKING))  # not this one's
    assert service.snapshot is not None and service.snapshot.behaviour == live
    service.handle(c.EndSession("end"))
    service.tick()  # the last chunk, once the session has ended
    assert store.tracking(sid).moments == 300
    assert store.verify(sid).ok
    store.close()
