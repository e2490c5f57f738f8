"""Every asset is opened as the world will open it: unsupported glTF features and
broken files are errors naming the cause, ignored parts are warnings, and at run
time a failing asset is a unit-size placeholder that never takes the scene down."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.world.gltf_files import animated, box_glb, edited, ktx2_texture, textured_glb, uses
from tests.world.helpers import scenario
from vrtherapy.world import AssetError, AssetLoader, build_world
from vrtherapy.world import assets as assets_module
from vrtherapy.world.assets import check_asset


def test_a_plain_model_passes(tmp_path: Path) -> None:
    assert check_asset(box_glb(tmp_path / "box.glb")) == ([], [])


@pytest.mark.parametrize(
    ("extension", "words"),
    [
        ("KHR_draco_mesh_compression", "Draco"),
        ("EXT_meshopt_compression", "meshopt"),
        ("KHR_texture_basisu", "KTX2"),
    ],
)
def test_compressed_files_are_errors_naming_the_extension(
    tmp_path: Path, extension: str, words: str
) -> None:
    model = edited(box_glb(tmp_path / "a.glb"), tmp_path / "b.glb", uses(extension))
    errors, _ = check_asset(model)
    assert len(errors) == 1 and extension in errors[0] and words in errors[0]
    with pytest.raises(AssetError, match=extension):
        AssetLoader([tmp_path]).load("b.glb")


def test_a_ktx2_texture_is_an_error(tmp_path: Path) -> None:
    model = edited(textured_glb(tmp_path / "a.glb"), tmp_path / "b.glb", ktx2_texture)
    errors, _ = check_asset(model)
    assert any("KTX2" in e for e in errors)


def test_cut_short_unreadable_and_empty_files(tmp_path: Path) -> None:
    whole = box_glb(tmp_path / "box.glb").read_bytes()
    (tmp_path / "cut.glb").write_bytes(whole[: len(whole) * 2 // 3])
    (tmp_path / "junk.glb").write_bytes(b"not a model at all")
    (tmp_path / "junk.gltf").write_text("{ not json")
    errors, _ = check_asset(tmp_path / "cut.glb")
    assert errors and "cut short" in errors[0]
    assert check_asset(tmp_path / "junk.glb")[0]
    assert check_asset(tmp_path / "junk.gltf")[0]


@pytest.mark.filterwarnings("ignore:This file")  # pygltflib: the blob goes to a .bin file
def test_a_gltf_whose_buffer_file_is_short_or_missing(tmp_path: Path) -> None:
    split = edited(box_glb(tmp_path / "box.glb"), tmp_path / "split.gltf", lambda g: None)
    (buffer,) = tmp_path.glob("*.bin")  # the binary chunk, written beside the .gltf
    assert check_asset(split) == ([], [])
    buffer.write_bytes(buffer.read_bytes()[:10])
    assert "cut short" in check_asset(split)[0][0]
    buffer.unlink()
    assert "not next to the file" in check_asset(split)[0][0]


def test_skins_and_animations_are_warnings_not_errors(tmp_path: Path) -> None:
    model = edited(box_glb(tmp_path / "a.glb"), tmp_path / "b.glb", animated)
    errors, notes = check_asset(model)
    assert errors == []
    assert any("skin" in n for n in notes) and any("animation" in n for n in notes)
    AssetLoader([tmp_path]).load("b.glb")  # and it is shown


def test_any_exception_while_converting_is_a_placeholder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A TypeError from inside trimesh's conversion (as a KTX2 texture raised in the
    field) used to escape and take the scenario down."""
    box_glb(tmp_path / "statue.glb")

    def broken(*_a: object, **_k: object) -> None:
        raise TypeError("'NoneType' object is not subscriptable")

    monkeypatch.setattr(assets_module, "part_of_scene", broken)
    world = build_world(
        scenario([{"name": "statue", "asset": "statue.glb"}]), {}, asset_dirs=[tmp_path]
    )
    assert len(world.problems) == 1 and "TypeError" in world.problems[0]
    assert world.graph.meshes[world.graph.index("statue/missing_asset")] is not None


def test_a_ktx2_model_at_run_time_is_a_placeholder(tmp_path: Path) -> None:
    edited(textured_glb(tmp_path / "a.glb"), tmp_path / "statue.glb", ktx2_texture)
    world = build_world(
        scenario([{"name": "statue", "asset": "statue.glb"}]), {}, asset_dirs=[tmp_path]
    )
    assert "KTX2" in world.problems[0]


def test_a_placeholder_keeps_its_unit_size_whatever_the_scale(tmp_path: Path) -> None:
    spec = scenario(
        [
            {
                "name": "statue",
                "asset": "missing.glb",
                "transform": {"position": [0, 0, -5], "rotation": [90, 0, 0], "scale": 40},
            }
        ]
    )
    world = build_world(spec, {}, asset_dirs=[tmp_path])
    item = world.draw_list().items[0]
    corners = item.mesh.positions @ item.transform[:3, :3].T + item.transform[:3, 3]
    np.testing.assert_allclose(np.ptp(corners, axis=0), (1.0, 1.0, 1.0), atol=1e-4)
    np.testing.assert_allclose(item.transform[[0, 2], 3], (0.0, -5.0), atol=1e-4)  # still placed
