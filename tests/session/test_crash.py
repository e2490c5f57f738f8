"""Crash test: a session process is killed with SIGKILL at random moments.

After every kill, every acknowledged rating is in the store, the hash chain
verifies, and the session resumes at the step it was on.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from vrtherapy.authoring import load_library
from vrtherapy.session.clock import ManualClock
from vrtherapy.session.engine import Engine
from vrtherapy.session.state import replay
from vrtherapy.session.store import open_store

ROOT = Path(__file__).resolve().parents[2]
TRIALS = 24


def test_sigkill_never_loses_an_acknowledged_rating(tmp_path: Path) -> None:
    database = str(tmp_path / "crash.sqlite3")
    rng = random.Random(20261125)
    library = load_library()
    acked_total = 0
    for trial in range(TRIALS):
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.session.crash_child", database, str(trial)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert proc.stdout is not None
        first = proc.stdout.readline()  # wait until it runs
        assert first.startswith("SESSION"), proc.stderr.read() if proc.stderr else first
        session_id = first.split()[1]
        time.sleep(rng.uniform(0.02, 0.4))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        lines = [ln for ln in out.split("\n") if ln.startswith("ACK ")]
        acked = [ln.split() for ln in lines if len(ln.split()) == 3]
        acked_total += len(acked)

        store = open_store(database)
        report = store.verify(session_id)
        assert report.ok, report.problems
        for _, cid, _step in acked:
            assert store.command(cid) is not None, f"acknowledged command {cid} was lost"
        events = store.read(session_id)
        for _, cid, _step in acked:
            record = store.command(cid)
            assert record is not None
            kinds = {e.kind for e in events if record.first_seq <= e.seq <= record.last_seq}
            assert kinds & {"suds_rated", "step_entered", "progression_decided"}, (cid, kinds)
        if acked:
            last = store.command(acked[-1][1])
            assert last is not None
            acknowledged_state = replay(e for e in events if e.seq <= last.last_seq)
            assert acknowledged_state.step_index == int(acked[-1][2])
            # at most the one command in flight at the kill got stored after the last ACK
            cur = store._connection().cursor()
            cur.execute(
                "SELECT COUNT(*) FROM commands WHERE stream = ? AND first_seq > ?",
                (session_id, last.last_seq),
            )
            assert cur.fetchone()[0] <= 1
            cur.close()
            resumed = Engine.resume(store, library, ManualClock(), session_id)
            assert resumed.snapshot.step_index == replay(events).step_index
            assert resumed.snapshot.safety == "paused"
        store.close()
    assert acked_total > TRIALS * 5, "the child should have recorded many ratings"
