"""`vrtherapy demo`, `sessions`, `show` and `verify` as a person runs them."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from vrtherapy.cli.main import cli


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "VRTHERAPY_DATA_DIR": str(tmp_path)}


def test_demo_runs_a_whole_hierarchy(tmp_path: Path) -> None:
    # The timeout only guards against a hang: speed is measured by benchmarks, not by a
    # wall-clock assertion that a busy two-core machine fails at random.
    proc = subprocess.run(
        [sys.executable, "-m", "vrtherapy", "demo"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "PROPOSAL ▲ step up" in out and "proposal accepted by therapist" in out
    assert "PROPOSAL ▼ step down" in out
    assert "step 6: heights.balcony" in out
    assert "integrity      verified" in out
    assert str(tmp_path / "sessions.sqlite3") in out
    # the demo ends by writing the session's HTML report and printing its path
    report = Path(out.strip().splitlines()[-1].removeprefix("Session report (HTML): "))
    assert report.parent == tmp_path / "reports" and report.is_file()
    assert "Exposure session report" in report.read_text()
    # the accepted step-up is followed by entering the next step
    lines = out.splitlines()
    i = next(n for n, ln in enumerate(lines) if "PROPOSAL ▲ step up to step 2" in ln)
    assert any("step 2: heights.balcony" in ln for ln in lines[i : i + 4])


def test_sessions_show_and_verify_then_tampering_is_detected(tmp_path: Path) -> None:
    db = str(tmp_path / "s.sqlite3")
    runner = CliRunner()
    demo = runner.invoke(cli, ["demo", "--database", db, "--seed", "3"])
    assert demo.exit_code == 0, demo.output
    listing = runner.invoke(cli, ["sessions", "--database", db])
    assert listing.exit_code == 0 and "1 session(s)" in listing.output
    session_id = listing.output.splitlines()[1].split()[0]
    shown = runner.invoke(cli, ["show", session_id, "--database", db])
    assert shown.exit_code == 0 and "session started for client" in shown.output
    ok = runner.invoke(cli, ["verify", "--database", db])
    assert ok.exit_code == 0 and "all 2 record(s) verified" in ok.output

    conn = sqlite3.connect(db)
    conn.execute(
        "UPDATE events SET data = replace(data, '\"value\":', '\"value\":1') "
        "WHERE stream = ? AND kind = 'suds_rated' AND seq = "
        "(SELECT MIN(seq) FROM events WHERE stream = ? AND kind = 'suds_rated')",
        (session_id, session_id),
    )
    conn.commit()
    conn.close()
    bad = runner.invoke(cli, ["verify", "--database", db])
    assert bad.exit_code == 1
    assert "TAMPERED" in bad.output and "altered" in bad.output


def test_show_unknown_session_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["show", "nope", "--database", str(tmp_path / "x.sqlite3")])
    assert result.exit_code == 1 and "no session 'nope'" in result.output
