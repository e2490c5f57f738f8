"""Behaviour measures of the demo sessions (the synthetic client's head), recomputed here
from the stored poses and the event log alone — with scipy's rotations rather than the
measures module — and matched against the HTML report and the tidy CSV; and a tracking
chunk altered in the database is caught by `vrtherapy verify`."""

from __future__ import annotations

import csv
import io
import math
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy.spatial.transform import Rotation

from tests.reports.conftest import DemoRecord
from tests.reports.test_session_report import Tables, fmt
from vrtherapy.cli.main import cli
from vrtherapy.reports.document import session_html
from vrtherapy.reports.session import session_report
from vrtherapy.session import events as ev
from vrtherapy.session.tracking import TrackingSamples


@dataclass(frozen=True)
class Expected:
    moments: int
    with_stimulus: int
    at: float | None
    away: float | None
    down: float | None
    closest: float | None
    path: float
    turn: float | None
    seconds: float


def windows(events: list[ev.Event]) -> list[tuple[float, float]]:
    """Each trial's [start, end) from the step entries and the end of the session."""
    starts = [e.session_time for e in events if isinstance(e.payload, ev.StepEntered)]
    end = next(e.session_time for e in events if isinstance(e.payload, ev.SessionEnded))
    return list(zip(starts, [*starts[1:], end], strict=True))


def recompute(samples: TrackingSamples, start: float, end: float) -> Expected:
    head, stim = samples.head, samples.stimulus
    where = {float(t): p.astype(float) for t, p in zip(stim.times, stim.positions, strict=True)}
    idx = np.nonzero((head.times >= start) & (head.times < end))[0]
    rot = Rotation.from_quat(head.orientations[idx].astype(float))
    looks = rot.apply([0.0, 0.0, -1.0])
    pitch = np.degrees(np.arcsin(np.clip(looks[:, 1], -1.0, 1.0)))
    down = int(np.count_nonzero(pitch < -30.0))
    angles, dists = [], []
    for k, i in enumerate(idx):
        s = where.get(float(head.times[i]))
        if s is not None:
            to = s - head.positions[i].astype(float)
            dists.append(float(np.linalg.norm(to)))
            angles.append(math.degrees(math.acos(max(-1.0, min(1.0, looks[k] @ to / dists[-1])))))
    seen = len(angles)
    at = sum(a <= 20.0 for a in angles)
    away = sum(a > 45.0 for a in angles)
    dt = np.diff(head.times[idx])
    near = dt <= 1.0  # pairs of moments no more than a second apart
    steps = np.linalg.norm(np.diff(head.positions[idx].astype(float), axis=0), axis=1)
    turns = np.degrees((rot[1:] * rot[:-1].inv()).magnitude()) if len(idx) > 1 else np.zeros(0)
    seconds = float(dt[near].sum())
    n = len(idx)
    return Expected(
        n,
        seen,
        at / seen if seen else None,
        away / seen if seen else None,
        down / n if n else None,
        min(dists) if seen else None,
        float(steps[near].sum()),
        float(turns[near].sum()) / seconds if seconds else None,
        seconds,
    )


def pct(share: float | None) -> str:
    return fmt(None if share is None else 100 * share, 0)


@pytest.fixture(scope="module")
def expected(demo_record: DemoRecord) -> dict[str, list[Expected]]:
    out = {}
    for sid in demo_record.sessions:
        samples = demo_record.store.tracking(sid)
        out[sid] = [recompute(samples, s, e) for s, e in windows(demo_record.events(sid))]
    return out


def test_the_demo_head_was_tracked_at_20_hz_and_looked_away_more_when_distressed(
    demo_record: DemoRecord, expected: dict[str, list[Expected]]
) -> None:
    sid = demo_record.sessions[0]
    samples = demo_record.store.tracking(sid)
    steps = np.diff(samples.head.times)
    assert np.allclose(steps, 0.05, atol=1e-3)
    rep = session_report(demo_record.events(sid), samples=samples)
    peaks = [(t.peak_suds, e.away) for t, e in zip(rep.trials, expected[sid], strict=True)]
    calm = [a for p, a in peaks if p is not None and a is not None and p <= 30]
    tense = [a for p, a in peaks if p is not None and a is not None and p >= 60]
    assert calm and tense and max(calm) < min(tense)


def test_the_report_shows_the_measures_recomputed_from_the_record(
    demo_record: DemoRecord, expected: dict[str, list[Expected]]
) -> None:
    for sid in demo_record.sessions:
        events = demo_record.events(sid)
        rep = session_report(events, samples=demo_record.store.tracking(sid))
        page = Tables(session_html(rep))
        rows = page.tables["behaviour"][1:]
        trials = page.tables["trials"][1:]
        assert len(rows) == len(trials) == len(expected[sid])
        for row, step_row, e in zip(rows, trials, expected[sid], strict=True):
            assert row[2:] == [
                fmt(e.seconds / 60, 1),
                pct(e.with_stimulus / e.moments),
                pct(e.at),
                pct(e.away),
                pct(e.down),
                fmt(e.closest, 2),
                fmt(e.path, 1),
                fmt(e.turn, 1),
            ]
            assert step_row[-1] == pct(e.away)  # the per-step table's looking-away column


def test_the_trials_csv_carries_the_same_measures(
    demo_record: DemoRecord, expected: dict[str, list[Expected]]
) -> None:
    result = CliRunner().invoke(
        cli,
        ["export", "--client", demo_record.client_code, "--format", "csv"],
        env={"VRTHERAPY_DATABASE": demo_record.database},
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    want = [e for sid in demo_record.sessions for e in expected[sid]]
    assert len(rows) == len(want)

    def cell(v: float | None) -> float | None:
        return None if v is None else pytest.approx(v, rel=1e-9, abs=1e-9)  # type: ignore[return-value]

    for row, e in zip(rows, want, strict=True):
        got = {
            k: (float(v) if v else None)
            for k, v in row.items()
            if k not in ("client", "session", "scenario", "level")
        }
        assert got["tracked_moments"] == e.moments
        assert got["looking_at_share"] == cell(e.at)
        assert got["looking_away_share"] == cell(e.away)
        assert got["looking_down_share"] == cell(e.down)
        assert got["closest_approach_m"] == cell(e.closest)
        assert got["head_path_m"] == pytest.approx(e.path, rel=1e-9)
        assert got["head_turn_deg_per_s"] == pytest.approx(e.turn, rel=1e-9)


def test_tracking_chunks_verify_and_an_altered_one_is_named(
    demo_record: DemoRecord, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.sqlite3"
    demo_record.store.checkpoint(demo_record.sessions[0], 0.0)  # the WAL into the file
    source = sqlite3.connect(demo_record.database)
    target = sqlite3.connect(copy)
    source.backup(target)
    source.close()
    sid = demo_record.sessions[0]
    runner = CliRunner()
    ok = runner.invoke(cli, ["verify", sid, "--database", str(copy)])
    assert ok.exit_code == 0, ok.output
    seq, data = target.execute(
        "SELECT seq, data FROM tracking_chunks WHERE stream = ? ORDER BY seq LIMIT 1 OFFSET 5",
        (sid,),
    ).fetchone()
    changed = bytearray(data)
    changed[len(changed) // 2] ^= 0x01
    target.execute(
        "UPDATE tracking_chunks SET data = ? WHERE stream = ? AND seq = ?",
        (bytes(changed), sid, seq),
    )
    target.commit()
    target.close()
    bad = runner.invoke(cli, ["verify", sid, "--database", str(copy)])
    assert bad.exit_code == 1
    assert f"tracking chunk of event {seq}" in bad.output
    assert "do not match the hash in the chain (altered)" in bad.output


def test_progress_shows_looking_away_per_item_and_session(
    demo_record: DemoRecord, expected: dict[str, list[Expected]]
) -> None:
    from vrtherapy.reports.document import client_html
    from vrtherapy.reports.progress import client_progress, item_key

    reports = [
        session_report(demo_record.events(sid), samples=demo_record.store.tracking(sid))
        for sid in demo_record.sessions
    ]
    progress = client_progress(demo_record.client_code, reports)
    page = Tables(client_html(progress))
    rows = {r[0]: r[1:] for r in page.tables["away"][1:]}
    assert len(rows) == len(progress.items)
    for item in progress.items:
        want = []
        for n, rep in enumerate(reports):
            last = None
            for trial, e in zip(rep.trials, expected[demo_record.sessions[n]], strict=True):
                if item_key(trial.scenario, trial.level, trial.intensity) == item.key:
                    last = e.away if e.away is not None else last
            want.append(pct(last))
        assert rows[item.label] == want
