"""``vrtherapy snapshot --contact-sheet FAMILY``: every level of a family in one PNG."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from vrtherapy.authoring import load_library
from vrtherapy.cli.contact_sheet import LABEL_HEIGHT, MARGIN, Tile, sheet
from vrtherapy.cli.main import cli


def test_the_sheet_has_one_row_per_scenario_and_a_tile_per_level(tmp_path: Path) -> None:
    out = tmp_path / "enclosed.png"
    args = ["snapshot", "--contact-sheet", "enclosed", "--out", str(out), "--size", "64x48"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    lib = load_library()
    specs = sorted(
        (s for s in lib.scenarios.values() if s.family == "enclosed"), key=lambda s: s.id
    )
    levels = sum(len(s.levels) for s in specs)
    assert f"enclosed: {len(specs)} scenarios, {levels} levels" in result.output
    image = np.asarray(Image.open(out))
    cols = max(len(s.levels) for s in specs)
    assert image.shape[1] == MARGIN + cols * (64 + MARGIN)
    # each tile of the first row is a rendered frame, and the levels differ from each other
    y = LABEL_HEIGHT + 18
    tiles = [image[y : y + 48, MARGIN + c * 70 : MARGIN + c * 70 + 64] for c in range(cols)]
    assert all(t.std() > 3 for t in tiles)
    assert len({t.tobytes() for t in tiles}) == cols


def test_the_layout_is_pure_and_labels_every_tile() -> None:
    grey = np.full((20, 30, 3), 128, np.uint8)
    rows = [[Tile(grey, "one", "a.b"), Tile(grey, "two", "a.b")], [Tile(grey, "x", "c.d")]]
    out = sheet(rows, "family")
    assert out.shape[1] == MARGIN + 2 * (30 + MARGIN)
    label = out[LABEL_HEIGHT + 18 + 20 : LABEL_HEIGHT + 18 + 20 + 14, MARGIN : MARGIN + 30]
    assert label.max() > 150  # the level title is written under the tile


def test_labels_write_accented_letters() -> None:
    """A level called "Quiet café" is not labelled with a missing-glyph box."""
    grey = np.full((20, 60, 3), 128, np.uint8)

    def label(title: str) -> bytes:
        out = sheet([[Tile(grey, title, "a.b")]], "family")
        return bytes(out[LABEL_HEIGHT + 18 + 20 : LABEL_HEIGHT + 18 + 20 + 14].tobytes())

    assert label("café") != label("caf\u0378")  # U+0378 has no glyph in any font


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["snapshot", "--contact-sheet", "nope"], "no stock scenario has family 'nope'"),
        (["snapshot", "calm.room", "--contact-sheet", "calm"], "give no SCENARIO"),
        (["snapshot", "--out", "x.png"], "give a SCENARIO, or --contact-sheet FAMILY"),
    ],
)
def test_contact_sheet_errors_are_one_line(args: list[str], message: str) -> None:
    env = {**os.environ, "PYOPENGL_PLATFORM": "egl"}
    proc = subprocess.run(
        [sys.executable, "-m", "vrtherapy", *args], capture_output=True, text=True, env=env
    )
    assert proc.returncode != 0
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
