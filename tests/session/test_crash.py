"""Crash test: a live session's process is killed with SIGKILL at random moments.

After every kill the session is found interrupted and resumed the way ``run``
resumes it (``SessionService.interrupted`` then ``SessionService.resume``):
every acknowledged command is in the store, the resumed session is at the
same step, paused, with a session_interrupted/session_resumed pair giving the
gap, and every record — chains, signed ledger — verifies with `vrtherapy verify`.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from vrtherapy.authoring import load_library
from vrtherapy.cli.main import cli
from vrtherapy.session import commands as c
from vrtherapy.session import events as ev
from vrtherapy.session.clock import SystemClock
from vrtherapy.session.service import SessionService
from vrtherapy.session.state import replay
from vrtherapy.session.store import open_store
from vrtherapy.session.tracking import CHUNK_S

ROOT = Path(__file__).resolve().parents[2]
TRIALS = 24
SEED = 20261125


def _kill_at_random(database: str, trial: int, rng: random.Random) -> tuple[str, list[list[str]]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.session.crash_child", database, str(trial)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()  # wait until the session runs
    assert first.startswith("SESSION"), proc.stderr.read() if proc.stderr else first
    time.sleep(rng.uniform(0.02, 0.4))
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    acked = [ln.split() for ln in out.split("\n") if ln.startswith("ACK ")]
    return first.split()[1], [a for a in acked if len(a) == 3]


def test_sigkill_then_run_resumes_each_session_losing_nothing(tmp_path: Path) -> None:
    database = str(tmp_path / "crash.sqlite3")
    rng = random.Random(SEED)
    library = load_library()
    acked_total = 0
    for trial in range(TRIALS):
        session_id, acked = _kill_at_random(database, trial, rng)
        acked_total += len(acked)
        store = open_store(database)
        service = SessionService(store, library, SystemClock())
        before = store.read(session_id)
        # what `run` does on start: the killed session is listed as interrupted ...
        assert session_id in [s.session_id for s in service.interrupted()]
        for _, cid, _step in acked:
            record = store.command(cid)
            assert record is not None, f"acknowledged command {cid} was lost"
        if acked:
            last = store.command(acked[-1][1])
            assert last is not None
            acknowledged = replay(e for e in before if e.seq <= last.last_seq)
            assert acknowledged.step_index == int(acked[-1][2])
        # ... and resumed at the same step, paused, with the gap on the record
        engine = service.resume(session_id)
        assert engine.snapshot.step_index == replay(before).step_index
        assert engine.snapshot.safety != "none"
        added = [e.payload for e in store.read(session_id, before[-1].seq)]
        assert isinstance(added[0], ev.SessionInterrupted)
        assert isinstance(added[1], ev.SessionResumed) and added[1].gap >= 0
        assert session_id not in [s.session_id for s in service.interrupted()]
        assert service.handle(c.EndSession(f"end-{trial}", reason="crash test done")).accepted
        report = store.verify(session_id)
        assert report.ok, report.problems
        store.close()
    assert acked_total > TRIALS * 5, "the child should have recorded many commands"
    result = CliRunner().invoke(cli, ["verify", "--database", database])
    print(f"\n{TRIALS} SIGKILLs (seed {SEED}), {acked_total} acknowledged commands, 0 lost")
    print(result.output)
    assert result.exit_code == 0, result.output
    assert f"all {TRIALS} record(s) verified" in result.output


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_killed_run_is_resumed_by_run(tmp_path: Path) -> None:
    """The whole program: `vrtherapy run` killed mid-session, then `vrtherapy resume`
    (which is `run --resume`) brings the session back paused and the record verifies."""
    env = {**os.environ, "VRTHERAPY_DATA_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    env.pop("DISPLAY", None)
    base = [sys.executable, "-m", "vrtherapy"]
    headless = ["--display", "headless", "--size", "160x120"]
    proc = subprocess.Popen(
        [
            *base,
            "run",
            "--hierarchy",
            "heights.standard",
            *headless,
            "--port",
            str(_free_port()),
            "--synthetic-client",
            "--time-scale",
            "30",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("console: ") or "EGL" in line or proc.poll() is not None:
            break
    if not any(ln.startswith("session ") for ln in lines):
        proc.kill()
        proc.wait()
        if any("EGL" in ln for ln in lines):
            from tests.system_needs import missing

            missing("Mesa EGL", "apt-get install libegl1 libgl1-mesa-dri")
        raise AssertionError("".join(lines))
    session_id = next(ln.split()[1] for ln in lines if ln.startswith("session "))
    time.sleep(random.Random(SEED).uniform(1.0, 3.0))  # let the synthetic client answer
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    database = str(tmp_path / "sessions.sqlite3")
    # the client's tracked head: stored chunk by chunk, so the kill lost at most the one
    # being gathered (and the quarter second of moments on their way to the engine thread)
    killed = open_store(database)
    last_event = killed.read(session_id)[-1].session_time
    span = killed.tracking(session_id).span
    assert span is not None and span[1] >= last_event - CHUNK_S - 1.0, (span, last_event)
    killed.close()
    listing = subprocess.run([*base, "sessions"], env=env, capture_output=True, text=True)
    assert f"{session_id}" in listing.stdout and "interrupted" in listing.stdout, listing
    again = subprocess.run(
        [*base, "resume", session_id, *headless[:2], "--port", str(_free_port()), "--frames", "20"],
        env=env,
        cwd=ROOT,
        input="",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert f"session {session_id} resumed" in again.stdout, again.stdout + again.stderr
    store = open_store(database)
    kinds = [e.kind for e in store.read(session_id)]
    assert "session_interrupted" in kinds and "session_resumed" in kinds
    store.close()
    result = CliRunner().invoke(cli, ["verify", "--database", database])
    assert result.exit_code == 0, result.output
