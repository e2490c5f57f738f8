"""The README's worked example of a clinic library folder, built from the README's own
files in a temporary folder outside the repository, run as a person would run it:
validate, list, snapshot (reading back the model's pixels) and demo."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from click.testing import CliRunner
from PIL import Image

from tests.world.gltf_files import box_glb
from vrtherapy.authoring.stock import dialogues_dir, hierarchies_dir, scenes_dir
from vrtherapy.cli.main import cli

REPO = Path(__file__).resolve().parent.parent
GREEN = (20, 230, 40)  # the model's colour: nothing in the stock room is this green


def readme_files() -> dict[str, str]:
    """The README's example files: ```yaml blocks whose first line is '# my-clinic/...'."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n# (my-clinic/\S+)\n(.*?)```", text, re.S)
    return {name: body for name, body in blocks}


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    files = readme_files()
    assert set(files) == {
        "my-clinic/scenes/statue_room.yaml",
        "my-clinic/hierarchies/statue_steps.yaml",
    }
    for name, body in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(body, encoding="utf-8")
    box_glb(tmp_path / "my-clinic" / "assets" / "statue.glb", GREEN)
    folder = tmp_path / "my-clinic"
    assert not folder.resolve().is_relative_to(REPO)
    return folder


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VRTHERAPY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("VRTHERAPY_LIBRARY", raising=False)
    return tmp_path / "data"


def green_fraction(image: npt.NDArray[np.uint8]) -> float:
    rgb = image[..., :3].astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return float(((g > 2 * r + 30) & (g > 2 * b + 30)).mean())


def magenta_fraction(image: npt.NDArray[np.uint8]) -> float:
    rgb = image[..., :3].astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return float(((r > 2 * g + 40) & (b > 2 * g + 40)).mean())


def with_clinic() -> str:
    """validate's count: the stock files and the clinic folder's one scenario and hierarchy."""
    scenarios = len(list(scenes_dir().glob("*.yaml"))) + 1
    hierarchies = len(list(hierarchies_dir().glob("*.yaml"))) + 1
    return f"ok: {scenarios} scenario(s), {hierarchies} hierarchy(ies)"


def dialogues() -> str:
    """validate's count of the stock dialogues (the clinic folder has none)."""
    return f"{len(list(dialogues_dir().glob('*.yaml')))} dialogue(s)"


def test_validate_and_list_find_the_clinic_folder(clinic: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", "--library", str(clinic)])
    assert result.exit_code == 0, result.output
    assert f"{with_clinic()}, {dialogues()}, 8 questionnaire(s), no problems" in result.output
    listed = CliRunner().invoke(cli, ["list", "--library", str(clinic)])
    assert listed.exit_code == 0, listed.output
    assert "clinic.statue_steps" in listed.output and "heights.standard" in listed.output


def test_the_environment_and_the_user_data_folder_are_searched(
    clinic: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VRTHERAPY_LIBRARY", os.pathsep.join([str(clinic)]))
    result = CliRunner().invoke(cli, ["validate"])
    assert with_clinic() in result.output, result.output
    monkeypatch.delenv("VRTHERAPY_LIBRARY")
    data_dir.mkdir(parents=True, exist_ok=True)
    clinic.rename(data_dir / "library")
    result = CliRunner().invoke(cli, ["validate"])
    assert with_clinic() in result.output, result.output


def snapshot(clinic: Path, out: Path) -> tuple[npt.NDArray[np.uint8], str]:
    args = ["snapshot", "clinic.statue_room", "--level", "large", "--library", str(clinic)]
    result = CliRunner().invoke(
        cli, [*args, "--pitch", "-15", "--out", str(out), "--size", "160x120"]
    )
    assert result.exit_code == 0, result.output
    return np.asarray(Image.open(out)), result.output


def test_snapshot_shows_the_model_from_the_library_assets(clinic: Path, tmp_path: Path) -> None:
    image, output = snapshot(clinic, tmp_path / "statue.png")
    assert "scene problem" not in output
    assert green_fraction(image) > 0.05  # the model fills a good part of the view
    assert magenta_fraction(image) == 0.0
    centre = image[40:80, 60:100]
    assert green_fraction(centre) > 0.9  # and stands straight ahead

    # the same check tells a placeholder apart: a broken model is a magenta box
    (clinic / "assets" / "statue.glb").write_bytes(b"glTF and then nothing")
    image, output = snapshot(clinic, tmp_path / "missing.png")
    assert "statue.glb" in output and "placeholder" in output
    assert green_fraction(image) == 0.0 and magenta_fraction(image) > 0.01


def test_demo_runs_the_clinic_hierarchy(clinic: Path, data_dir: Path) -> None:
    env = {**os.environ, "VRTHERAPY_DATA_DIR": str(data_dir)}
    args = ["demo", "--library", str(clinic), "--hierarchy", "clinic.statue_steps"]
    proc = subprocess.run(
        [sys.executable, "-m", "vrtherapy", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "hierarchy 'clinic.statue_steps'" in out
    assert "step 2: clinic.statue_room (level large" in out
    assert "integrity      verified" in out
    assert "scene problem" not in out
    if "frames " in out:  # rendered headless (Mesa EGL present): the model is in view
        sheet = np.asarray(Image.open(data_dir / "demo-views.png"))
        assert green_fraction(sheet) > 0.005 and magenta_fraction(sheet) == 0.0
