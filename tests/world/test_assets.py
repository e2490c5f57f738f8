from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import trimesh
from PIL import Image

from tests.world.helpers import scenario
from vrtherapy.world import AssetError, AssetLoader, build_world


def make_glb(path: Path) -> None:
    """A red textured box (the parent) with a sphere child 2 m above it."""
    box = trimesh.creation.box((1.0, 1.0, 1.0))
    img = Image.new("RGB", (4, 4), (200, 10, 10))
    uv = np.full((len(box.vertices), 2), 0.5)
    box.visual = trimesh.visual.TextureVisuals(uv=uv, image=img)
    scene = trimesh.Scene()
    scene.add_geometry(
        box,
        node_name="base",
        geom_name="box",
        transform=trimesh.transformations.translation_matrix([1, 0, 0]),
    )
    scene.add_geometry(
        trimesh.creation.icosphere(radius=0.3),
        node_name="top",
        geom_name="ball",
        parent_node_name="base",
        transform=trimesh.transformations.translation_matrix([0, 2, 0]),
    )
    path.write_bytes(scene.export(file_type="glb"))


def test_glb_keeps_its_node_hierarchy_and_texture_colour(tmp_path: Path) -> None:
    make_glb(tmp_path / "statue.glb")
    spec = scenario(
        [{"name": "statue", "asset": "statue.glb", "transform": {"position": [0, 0, -5]}}]
    )
    world = build_world(spec, {}, asset_dirs=[tmp_path])
    assert world.problems == ()
    names = world.node_names
    base = next(n for n in names if n.startswith("statue/") and n.endswith("base"))
    top = next(n for n in names if n.endswith("top"))
    assert top.startswith(base + "/")  # the child node stays a child
    np.testing.assert_allclose(world.world_matrix(top)[:3, 3], (1, 2, -5), atol=1e-5)
    mesh = world.graph.meshes[world.graph.index(base)]
    assert mesh is not None
    r, g, b = mesh.colors[:, :3].mean(axis=0)
    assert r > 0.4 and g < 0.05 and b < 0.05  # texture red became vertex red (linear)


def test_obj_loads(tmp_path: Path) -> None:
    (tmp_path / "crate.obj").write_text(trimesh.creation.box((2, 1, 1)).export(file_type="obj"))
    world = build_world(
        scenario([{"name": "crate", "asset": "crate.obj"}]), {}, asset_dirs=[tmp_path]
    )
    assert world.problems == ()
    items = world.draw_list().items
    assert len(items) == 1 and np.ptp(items[0].mesh.positions[:, 0]) == pytest.approx(2.0)


def test_assets_are_read_once_across_parameter_changes(tmp_path: Path) -> None:
    make_glb(tmp_path / "statue.glb")
    spec = scenario(
        [
            {"name": "statue", "asset": "statue.glb", "transform": {"position": [0, "$h", 0]}},
            {"name": "again", "asset": "statue.glb"},
        ],
        parameters={"h": {"type": "number", "min": 0, "max": 10}},
        values={"h": 0.0},
    )
    loader = AssetLoader([tmp_path])
    world = build_world(spec, {"h": 0.0}, loader=loader)
    assert loader.loads == 1
    for h in (1.0, 5.0, 9.0):
        world.set_parameters({"h": h})
    assert loader.loads == 1
    top = next(n for n in world.node_names if n.startswith("statue/") and n.endswith("top"))
    assert world.world_matrix(top)[1, 3] == pytest.approx(9.0 + 2.0)


@pytest.mark.parametrize("content", [None, b"this is not a glb file"])
def test_missing_or_broken_asset_shows_a_placeholder(
    tmp_path: Path, content: bytes | None, caplog: pytest.LogCaptureFixture
) -> None:
    if content is not None:
        (tmp_path / "statue.glb").write_bytes(content)
    spec = scenario(
        [{"name": "statue", "asset": "statue.glb"}, {"name": "floor", "procedural": "ground"}]
    )
    with caplog.at_level(logging.WARNING):
        world = build_world(spec, {}, asset_dirs=[tmp_path])
    assert len(world.problems) == 1 and "statue.glb" in world.problems[0]
    assert "statue.glb" in caplog.text
    items = world.draw_list().items
    assert len(items) == 2  # the floor, and a placeholder where the statue should be
    placeholder = world.graph.meshes[world.graph.index("statue/missing_asset")]
    assert placeholder is not None
    magenta = (placeholder.colors[:, 0] > 0.9) & (placeholder.colors[:, 1] < 0.1)
    assert magenta.any() and not magenta.all()


def test_loader_error_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(AssetError, match=r"nowhere\.glb"):
        AssetLoader([tmp_path]).load("nowhere.glb")
