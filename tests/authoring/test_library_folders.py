"""Clinic library folders: where they come from, stock ids, and one asset search
order for validation and run time."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.world.gltf_files import animated, box_glb, edited, uses
from vrtherapy.authoring import AuthoringError, load_library
from vrtherapy.authoring.library import LibraryFolderError, library_folders
from vrtherapy.authoring.stock import assets_dir, hierarchies_dir, scenes_dir
from vrtherapy.cli.main import cli
from vrtherapy.world.assets import check_asset

SCENE = """\
id: {id}
title: A clinic scene
family: custom
{extra}levels:
  - name: only
objects:
  - name: statue
    asset: {asset}
"""
HIERARCHY = """\
id: {id}
title: A clinic hierarchy
{extra}steps:
  - scenario: calm.room
    intensity: 50
    anticipated_suds: 10
"""


def clinic(
    root: Path, scene_id: str = "clinic.statue", extra: str = "", asset: str = "statue.glb"
) -> Path:
    (root / "scenes").mkdir(parents=True, exist_ok=True)
    (root / "scenes" / "statue.yaml").write_text(
        SCENE.format(id=scene_id, extra=extra, asset=asset)
    )
    box_glb(root / "assets" / "statue.glb")
    return root


def test_folders_in_search_order(tmp_path: Path) -> None:
    user, env1, env2, given = (tmp_path / n for n in ("user", "e1", "e2", "given"))
    for folder in (user, env1, env2, given):
        folder.mkdir()
    env = {"VRTHERAPY_LIBRARY": os.pathsep.join([str(env1), "", str(env2), str(env1)])}
    assert library_folders([given], environ=env, user_library=user) == [user, env1, env2, given]
    # the user data folder's library/ is searched only when it exists
    assert library_folders([], environ={}, user_library=tmp_path / "absent") == []


def test_a_named_folder_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(LibraryFolderError, match="VRTHERAPY_LIBRARY"):
        library_folders([], environ={"VRTHERAPY_LIBRARY": str(tmp_path / "typo")})


def test_stock_files_stay_available_beside_the_clinic_files(tmp_path: Path) -> None:
    folder = clinic(tmp_path / "lib")
    lib = load_library(libraries=[folder])
    assert {"calm.room", "heights.balcony", "clinic.statue"} <= set(lib.scenarios)
    assert "heights.standard" in lib.hierarchies


def test_assets_are_looked_up_beside_the_file_then_library_assets_then_stock(
    tmp_path: Path,
) -> None:
    folder = clinic(tmp_path / "lib")
    lib = load_library(libraries=[folder])
    assert lib.asset_dirs("clinic.statue") == (folder / "scenes", folder / "assets", assets_dir())
    assert lib.asset_dirs("calm.room") == (scenes_dir(), assets_dir())


def test_a_stock_id_is_an_error_naming_both_files(tmp_path: Path) -> None:
    folder = clinic(tmp_path / "lib", scene_id="calm.room")
    with pytest.raises(AuthoringError) as info:
        load_library(libraries=[folder])
    text = info.value.report()
    assert "statue.yaml:1:5: id 'calm.room' is already used by the stock file" in text
    assert "calm_room.yaml:" in text and "overrides: true" in text


def test_overrides_true_replaces_the_stock_file(tmp_path: Path) -> None:
    folder = clinic(tmp_path / "lib", scene_id="calm.room", extra="overrides: true\n")
    (folder / "h.yaml").write_text(
        HIERARCHY.format(id="heights.standard", extra="overrides: true\n")
    )
    lib = load_library(libraries=[folder])
    assert lib.scenarios["calm.room"].title == "A clinic scene"
    assert lib.files["calm.room"] == folder / "scenes" / "statue.yaml"
    assert lib.hierarchies["heights.standard"].title == "A clinic hierarchy"
    assert lib.asset_dirs("calm.room")[1] == folder / "assets"
    assert lib.warnings == []


def test_overrides_with_nothing_to_override_is_a_warning(tmp_path: Path) -> None:
    lib = load_library(libraries=[clinic(tmp_path / "lib", extra="overrides: true\n")])
    assert len(lib.warnings) == 1 and "no stock file with id" in lib.warnings[0].message


def test_two_clinic_files_with_one_id_are_an_error(tmp_path: Path) -> None:
    a, b = clinic(tmp_path / "a"), clinic(tmp_path / "b")
    with pytest.raises(AuthoringError, match=r"duplicate id 'clinic\.statue'"):
        load_library(libraries=[a, b])


def test_files_in_the_assets_folder_are_not_authored_files(tmp_path: Path) -> None:
    folder = clinic(tmp_path / "lib")
    (folder / "assets" / "notes.yaml").write_text("not: a scenario\n")
    assert "clinic.statue" in load_library(libraries=[folder]).scenarios


def test_validate_opens_assets_and_locates_what_is_wrong(tmp_path: Path) -> None:
    folder = clinic(tmp_path / "lib")
    edited(
        folder / "assets" / "statue.glb",
        folder / "assets" / "statue.glb",
        uses("EXT_meshopt_compression"),
    )
    with pytest.raises(AuthoringError) as info:
        load_library(libraries=[folder], check_asset=check_asset)
    (problem,) = info.value.problems
    assert (problem.line, problem.column) == (8, 12)  # the 'asset:' value
    assert "EXT_meshopt_compression" in problem.message
    # without opening, the file is only looked up (and found)
    assert "clinic.statue" in load_library(libraries=[folder]).scenarios


def test_cli_validate_prints_warnings_without_failing(tmp_path: Path) -> None:
    folder = clinic(tmp_path / "lib")
    edited(folder / "assets" / "statue.glb", folder / "assets" / "statue.glb", animated)
    result = CliRunner().invoke(cli, ["validate", "--library", str(folder)])
    assert result.exit_code == 0, result.output
    assert "statue.yaml:8:12: warning: asset 'statue.glb'" in result.output
    assert "animation is ignored" in result.output


def test_cli_validate_of_one_file_uses_its_library_assets(tmp_path: Path) -> None:
    folder = clinic(tmp_path / "lib")
    one = folder / "scenes" / "statue.yaml"
    result = CliRunner().invoke(cli, ["validate", "--library", str(folder), str(one)])
    assert result.exit_code == 0, result.output
    model = folder / "assets" / "statue.glb"
    model.write_bytes(model.read_bytes()[:100])
    result = CliRunner().invoke(cli, ["validate", "--library", str(folder), str(one)])
    assert result.exit_code == 1
    assert "statue.yaml:8:12: asset 'statue.glb'" in result.output and "cut short" in result.output


def test_cli_a_missing_library_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", "--library", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_stock_folders_are_not_replaced_by_an_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The undocumented VRTHERAPY_STOCK that replaced the whole stock library is gone."""
    monkeypatch.setenv("VRTHERAPY_STOCK", str(tmp_path))
    assert scenes_dir().is_dir() and hierarchies_dir().is_dir()
    assert "calm.room" in load_library().scenarios


@pytest.mark.parametrize("where", ["beside the scenario", "library assets"])
def test_the_running_scene_finds_models_where_validate_found_them(
    tmp_path: Path, where: str
) -> None:
    """validate accepted a model beside the scenario file, and the running scene then
    looked only in the stock assets and showed a placeholder."""
    from vrtherapy.app.worlds import BuildFailed, WorldBuilder, world_key

    folder = clinic(tmp_path / "lib")
    if where == "beside the scenario":
        (folder / "assets" / "statue.glb").rename(folder / "scenes" / "statue.glb")
    lib = load_library(libraries=[folder], check_asset=check_asset)
    builder = WorldBuilder(lib)  # builds what the running scene shows, off the frame
    try:
        world = builder.wait(world_key("clinic.statue", {}), timeout=60)
    finally:
        builder.close()
    assert world is not None and not isinstance(world, BuildFailed)
    assert world.problems == ()
    assert "statue/missing_asset" not in world.node_names
