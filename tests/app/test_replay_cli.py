"""`vrtherapy replay`: pictures, contact sheets and image sequences of a stored session,
errors a person can act on, and the window with its time bar (under Xvfb)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from tests.display.child_process import run_python
from tests.display.test_desktop import xvfb  # noqa: F401  (the fixture)
from vrtherapy.app.replay_window import Playhead
from vrtherapy.authoring import load_library
from vrtherapy.cli.main import cli
from vrtherapy.reports.replay import ReplayError, SessionRecord, format_time, parse_time
from vrtherapy.session.store import open_store


@dataclass(frozen=True)
class Stored:
    database: str
    session_id: str
    duration: float


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stored]:
    from vrtherapy.app.demo import run_demo

    library = load_library()
    database = str(tmp_path_factory.mktemp("replay-cli") / "sessions.sqlite3")
    store = open_store(database)
    result = run_demo(
        store,
        library,
        library.hierarchy("agoraphobic_avoidance.standard"),
        echo=lambda _line: None,
        max_minutes=4,
    )
    duration = SessionRecord(store.read(result.session_id), library).duration
    store.close()
    yield Stored(database, result.session_id, duration)


def _run(stored: Stored, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, ["replay", stored.session_id, "--database", stored.database, *args]
    )
    return result.exit_code, result.output


def test_a_moment_is_written_to_a_png(stored: Stored, tmp_path: Path) -> None:
    out = tmp_path / "moment.png"
    code, text = _run(stored, "--at", "01:30", "--out", str(out), "--size", "160x120")
    assert code == 0, text
    assert "01:30: step 1: few" in text
    picture = np.asarray(Image.open(out))
    assert picture.shape == (120, 160, 3) and picture.std() > 5


def test_a_contact_sheet_has_a_labelled_picture_every_interval(
    stored: Stored, tmp_path: Path
) -> None:
    out = tmp_path / "sheet.png"
    code, text = _run(stored, "--contact-sheet", str(out), "--every", "60", "--size", "80x60")
    assert code == 0, text
    count = int(stored.duration // 60) + 1
    assert f"({count} pictures, every 60 s)" in text
    assert Image.open(out).width >= min(count, 6) * 80


def test_an_image_sequence_covers_at_to_until(stored: Stored, tmp_path: Path) -> None:
    folder = tmp_path / "frames"
    code, text = _run(
        stored,
        *("--at", "01:00", "--until", "01:02", "--frames", str(folder), "--fps", "2"),
        *("--size", "64x48"),
    )
    assert code == 0, text
    assert sorted(p.name for p in folder.iterdir()) == [f"frame-00000{i}.png" for i in range(1, 6)]


def test_errors_say_what_to_do_without_a_traceback(stored: Stored, tmp_path: Path) -> None:
    out = str(tmp_path / "x.png")
    code, text = _run(stored, "--at", "99:00", "--out", out)
    assert code == 1
    assert f"the session lasted {format_time(stored.duration)}" in text
    assert "Traceback" not in text
    code, text = _run(stored, "--at", "ten", "--out", out)
    assert code == 1 and "give MM:SS" in text
    result = CliRunner().invoke(
        cli, ["replay", "session:nope", "--database", stored.database, "--out", out]
    )
    assert result.exit_code == 1 and "no session 'session:nope'" in result.output
    assert "see 'vrtherapy sessions'" in result.output
    code, text = _run(stored, "--out", out, "--frames", str(tmp_path))
    assert code == 2 and "give one of --out, --contact-sheet and --frames" in text
    assert not Path(out).exists()


def test_times_read_and_written_as_a_person_gives_them() -> None:
    assert parse_time("12:30") == 750.0
    assert parse_time("1:02:03") == 3723.0
    assert parse_time("90") == 90.0 and parse_time("00:01.5") == 1.5
    for bad in ("12:60", "1:60:00", "-3", "a:b", ""):
        with pytest.raises(ReplayError):
            parse_time(bad)
    assert format_time(754.9) == "12:34" and format_time(3723) == "1:02:03"


def test_the_playhead_seeks_plays_and_stops_at_the_end() -> None:
    play = Playhead(100.0, 50.0)
    play.key("right")
    assert play.t == 55.0
    play.key("left", shift=True)
    assert play.t == 0.0  # never before the start
    play.key("end")
    assert play.t == 100.0
    play.key("space")  # at the end: plays from the start
    assert play.playing and play.t == 0.0
    play.advance(30.0)
    assert play.t == 30.0
    play.advance(100.0)
    assert play.t == 100.0 and not play.playing
    play.click(25.0, 100)
    assert play.t == 25.0
    assert play.key("escape") is True


WINDOW = """
import json
from vrtherapy.app.replay_window import run_replay_window, BAR_H
from vrtherapy.authoring import load_library
from vrtherapy.reports.replay import SessionRecord
from vrtherapy.session.store import open_store

store = open_store(DATABASE)
record = SessionRecord(store.read(SESSION), load_library(), store.tracking(SESSION))
shown = run_replay_window(record, 60.0, (160, 120), keys=["right", "shift+right"], frames=3)
print(json.dumps({
    "times": [t for t, _ in shown],
    "shapes": [list(p.shape) for _, p in shown],
    "scene_std": [float(p[:120].std()) for _, p in shown],
    "bar_green": [
        int((p[120 + BAR_H // 2, :, 1].astype(int) > p[120 + BAR_H // 2, :, 0] + 40).sum())
        for _, p in shown
    ],
}))
"""


def test_the_window_seeks_with_the_keys_and_draws_the_time_bar(stored: Stored, xvfb: str) -> None:  # noqa: F811
    code = WINDOW.replace("DATABASE", json.dumps(stored.database)).replace(
        "SESSION", json.dumps(stored.session_id)
    )
    out = run_python(code, DISPLAY=xvfb)
    assert out["times"] == [60.0, 65.0, 125.0]
    assert all(shape == [148, 160, 3] for shape in out["shapes"])
    assert min(out["scene_std"]) > 5
    # the played part of the bar grows with the time
    share = [round(160 * t / stored.duration) for t in out["times"]]
    assert all(abs(g - s) <= 3 for g, s in zip(out["bar_green"], share, strict=True)), out
