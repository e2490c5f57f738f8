"""A partner's own glTF character in the scenario format: ``model:``, its mapping, and
validation that opens the file, each problem at its line and column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.world.skinned_files import skinned_bar
from vrtherapy.authoring import AuthoringError, load_library
from vrtherapy.world.assets import check_asset

HEAD = """\
id: clinic.counter
title: Ordering at a counter
family: social
levels:
  - name: only
partners:
  - id: clerk
    name: Sam
"""


def _library(tmp_path: Path, partner_lines: str) -> Path:
    folder = tmp_path / "lib"
    (folder / "scenes").mkdir(parents=True)
    skinned_bar(folder / "scenes" / "people" / "sam.glb")
    (folder / "scenes" / "counter.yaml").write_text(HEAD + partner_lines, encoding="utf-8")
    return folder


def _problems(folder: Path, **kw: Any) -> list[str]:
    with pytest.raises(AuthoringError) as info:
        load_library(libraries=[folder], **kw)
    return [str(p) for p in info.value.problems]


def test_the_short_and_the_long_form_both_load(tmp_path: Path) -> None:
    short = _library(tmp_path / "a", "    model: people/sam.glb\n")
    spec = load_library(libraries=[short], check_asset=check_asset).scenario("clinic.counter")
    model = spec.partners[0].model
    assert model is not None and model.file == "people/sam.glb" and model.morphs == {}
    long = _library(
        tmp_path / "b",
        "    model:\n"
        "      file: people/sam.glb\n"
        "      clip: bend\n"
        "      morphs: {jaw_open: jawOpen, smile: [smile]}\n"
        "      bones: {head: Head}\n",
    )
    spec = load_library(libraries=[long], check_asset=check_asset).scenario("clinic.counter")
    model = spec.partners[0].model
    assert model is not None
    assert model.clip == "bend" and model.morphs["smile"] == ["smile"]
    assert model.bones == {"head": "Head"}


def test_an_unknown_face_channel_is_located_with_a_suggestion(tmp_path: Path) -> None:
    folder = _library(
        tmp_path, "    model:\n      file: people/sam.glb\n      morphs: {jaw_opn: jawOpen}\n"
    )
    (problem,) = _problems(folder)
    assert "counter.yaml:11:16: 'jaw_opn' is not a face channel the engine drives" in problem
    assert "did you mean 'jaw_open'?" in problem


def test_an_unknown_joint_is_located(tmp_path: Path) -> None:
    folder = _library(
        tmp_path, "    model:\n      file: people/sam.glb\n      bones: {neck: Neck}\n"
    )
    (problem,) = _problems(folder)
    assert "counter.yaml:11:15: 'neck' is not a joint the engine drives" in problem


def test_a_missing_model_file_is_located(tmp_path: Path) -> None:
    folder = _library(tmp_path, "    model: people/nobody.glb\n")
    (problem,) = _problems(folder)
    assert "counter.yaml:9:12: character model 'people/nobody.glb' not found" in problem


def test_a_model_of_the_wrong_type_is_refused(tmp_path: Path) -> None:
    folder = _library(tmp_path, "    model: people/sam.obj\n")
    (problem,) = _problems(folder)
    assert "counter.yaml:9:12: character model 'people/sam.obj' must be one of: .glb, .gltf" in (
        problem
    )


def test_avatar_arguments_and_a_model_together_are_refused(tmp_path: Path) -> None:
    folder = _library(tmp_path, "    avatar: {seed: 3}\n    model: people/sam.glb\n")
    (problem,) = _problems(folder)
    assert "counter.yaml:9:5: partner 'clerk' has both 'avatar' arguments and a 'model'" in problem


def test_validation_opens_the_model_and_reports_a_broken_skin_at_its_line(tmp_path: Path) -> None:
    folder = _library(tmp_path, "    model: people/sam.glb\n")

    def edit(g: Any) -> None:
        g.animations[0].channels[0].target.node = 42

    skinned_bar(folder / "scenes" / "people" / "sam.glb", edit=edit)
    load_library(libraries=[folder])  # without opening files it only finds the file
    (problem,) = _problems(folder, check_asset=check_asset)
    assert "counter.yaml:9:12: character model 'people/sam.glb'" in problem
    assert "animation 'bend' channel 0 (rotation of node 42)" in problem


def test_validation_checks_the_mapping_against_the_file(tmp_path: Path) -> None:
    folder = _library(
        tmp_path,
        "    model:\n      file: people/sam.glb\n      morphs: {blink: eyeBlink}\n"
        "      clip: wave\n",
    )
    problems = _problems(folder, check_asset=check_asset)
    assert len(problems) == 2
    assert all("counter.yaml:10:13: character model 'people/sam.glb'" in p for p in problems)
    assert any(
        "no morph target 'eyeBlink' (for blink); it has: jawOpen, smile" in p for p in problems
    )
    assert any("no animation clip 'wave'; it has: bend" in p for p in problems)


def test_a_model_without_a_head_joint_is_a_warning(tmp_path: Path) -> None:
    folder = _library(tmp_path, "    model: people/sam.glb\n")

    def rename(g: Any) -> None:
        g.nodes[2].name = "Top"

    skinned_bar(folder / "scenes" / "people" / "sam.glb", edit=rename)
    lib = load_library(libraries=[folder], check_asset=check_asset)
    (warning,) = [str(w) for w in lib.warnings]
    assert "counter.yaml:9:12: warning: character model 'people/sam.glb'" in warning
    assert "no joint named 'Head'" in warning


def test_an_unknown_viseme_is_located_with_a_suggestion(tmp_path: Path) -> None:
    folder = _library(
        tmp_path, "    model:\n      file: people/sam.glb\n      visemes: {AA: jawOpen}\n"
    )
    (problem,) = _problems(folder)
    assert "counter.yaml:11:17: 'AA' is not a viseme the engine drives" in problem
    assert "visemes: CH, DD, E, FF, PP, RR, SS, TH, aa, ih" in problem
