"""The skinned draw path from pixels: a two-joint bar made in the test (tests/world/
skinned_files.py), skinned and morphed on the GPU, seen through both eyes.

The bar stands 2.5 m in front of the client; the pixels it covers are red. Bending
its Head joint, a morph target's weight and the clip's time must move those pixels
where the geometry says, and nothing else may change them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from tests.gl_support import draw, mask_of
from tests.world.skinned_files import JAW_SHIFT, skinned_bar
from vrtherapy.display.headless import HeadlessDisplay
from vrtherapy.render import Renderer
from vrtherapy.world.character import Character, read_character
from vrtherapy.world.skin_animation import joint_matrices, local_pose, morph_weights, world_pose
from vrtherapy.world.transforms import translate
from vrtherapy.world.types import DrawList, Material, SkinnedItem

RED = (231, 39, 39)  # the bar's colour on screen (sRGB of its linear red, self-lit)
Z = -2.5  # the bar stands this far in front of the client
PLACE = translate(0.0, 0.0, Z)
SELF_LIT = Material(emissive=1.0)  # its colour is exact in every pixel it covers


@pytest.fixture(scope="module")
def character(tmp_path_factory: pytest.TempPathFactory) -> Character:
    return read_character(skinned_bar(tmp_path_factory.mktemp("skin") / "bar.glb"))


def pose(
    c: Character, t: float | None, weights: Sequence[float] | None = None, bend: float = 0.0
) -> DrawList:
    """The bar at clip time ``t`` (None: rest pose), or with Head turned ``bend`` rad."""
    clip = c.clips[0] if t is not None else None
    local = local_pose(c, clip, t or 0.0)
    if bend:
        head = c.node("Head")
        local[head] = local[head] @ _rot_z(-bend)
    world = PLACE @ world_pose(c.parent, local)
    part = c.skinned[0]
    w = morph_weights(c, clip, t or 0.0)[0] if weights is None else np.float32(weights)
    item = SkinnedItem(part.mesh, joint_matrices(part, world), np.asarray(w, np.float32), SELF_LIT)
    return DrawList((), skinned=(item,))


def _rot_z(a: float) -> npt.NDArray[np.float32]:
    m = np.eye(4, dtype=np.float32)
    m[0, 0] = m[1, 1] = np.cos(a)
    m[0, 1], m[1, 0] = -np.sin(a), np.sin(a)
    return m


def red(display: HeadlessDisplay, renderer: Renderer, dl: DrawList) -> list[npt.NDArray[np.bool_]]:
    return [mask_of(img, RED, 30) for img in draw(display, renderer, dl)]


def column_of(display: HeadlessDisplay, point: Sequence[float], eye: int = 0) -> float:
    """Pixel column where a world point (tracking space) lands in an eye's image."""
    views: list[object] = []
    display.frame(lambda vs, t: views.extend(vs))
    v = views[eye]
    clip = v.projection @ v.view @ np.array([*point, 1.0])  # type: ignore[attr-defined]
    w = display.size[0]
    return float((clip[0] / clip[3] * 0.5 + 0.5) * w)


def test_the_rest_pose_stands_upright_in_both_eyes(
    display: HeadlessDisplay, renderer: Renderer, character: Character
) -> None:
    masks = red(display, renderer, pose(character, None))
    for eye, m in enumerate(masks):
        assert m.sum() > 100, f"eye {eye} sees no bar"
        cols = np.nonzero(m.any(axis=0))[0]
        centre = column_of(display, (0.0, 1.0, Z), eye)
        assert abs((cols.min() + cols.max()) / 2 - centre) < 3
    # two eyes, two viewpoints: the bar sits a little apart in each (stereo)
    left, right = (np.nonzero(m.any(axis=0))[0].mean() for m in masks)
    assert left > right


def test_bending_the_head_joint_moves_the_top_half_sideways(
    display: HeadlessDisplay, renderer: Renderer, character: Character
) -> None:
    upright = red(display, renderer, pose(character, None))[0]
    bent = red(display, renderer, pose(character, None, bend=np.pi / 2))[0]
    # bent 90° towards +x about the joint 1 m up: the top half now lies along y = 1 m,
    # reaching x = 1 m; the bottom half did not move
    tip = column_of(display, (0.9, 1.0, Z))
    rows_top = slice(0, _row_of(display, 1.3))
    assert upright[rows_top].sum() > 50 and bent[rows_top].sum() < 5
    assert bent[:, int(tip)].any() and not upright[:, int(tip)].any()
    rows_low = slice(_row_of(display, 0.45), None)  # below the ring that both follow
    assert np.array_equal(upright[rows_low], bent[rows_low])


def test_a_morph_target_weight_widens_the_silhouette_where_it_moves_vertices(
    display: HeadlessDisplay, renderer: Renderer, character: Character
) -> None:
    plain = red(display, renderer, pose(character, None, weights=(0.0, 0.0)))[0]
    jaw = red(display, renderer, pose(character, None, weights=(1.0, 0.0)))[0]
    # jawOpen moves the top ring JAW_SHIFT m towards +x: the top reaches further right
    top = slice(0, _row_of(display, 1.7))
    plain_right = np.nonzero(plain[top].any(axis=0))[0].max()
    jaw_right = np.nonzero(jaw[top].any(axis=0))[0].max()
    expected = column_of(display, (0.1 + JAW_SHIFT, 2.0, Z)) - column_of(display, (0.1, 2.0, Z))
    assert abs((jaw_right - plain_right) - expected) < 3
    low = slice(_row_of(display, 1.0), None)  # below the morphed rings nothing changed
    assert np.array_equal(plain[low], jaw[low])
    # the second target moves another ring the other way
    smile = red(display, renderer, pose(character, None, weights=(0.0, 1.0)))[0]
    assert np.nonzero(smile.any(axis=0))[0].min() < np.nonzero(plain.any(axis=0))[0].min() - 2


def test_the_clip_at_its_start_and_end_differs_as_the_keys_say(
    display: HeadlessDisplay, renderer: Renderer, character: Character
) -> None:
    start = red(display, renderer, pose(character, 0.0))[0]
    end = red(display, renderer, pose(character, 1.0))[0]
    rest = red(display, renderer, pose(character, None, weights=(0.0, 0.0)))[0]
    assert np.array_equal(start, rest)  # t = 0: upright, no morph
    # t = 1: Head turned 90° and jawOpen at 1: the top half lies along y = 1 m and
    # its far end (the top ring) is pushed JAW_SHIFT further along the bend (-y)
    by_hand = red(display, renderer, pose(character, None, weights=(1.0, 0.0), bend=np.pi / 2))[0]
    assert np.array_equal(end, by_hand)
    assert not np.array_equal(end, start)
    half = red(display, renderer, pose(character, 0.5))[0]
    assert not np.array_equal(half, start) and not np.array_equal(half, end)


def test_skinned_items_cost_one_draw_call_each_per_eye(
    display: HeadlessDisplay, renderer: Renderer, character: Character
) -> None:
    dl = pose(character, 0.5)
    two = DrawList((), skinned=dl.skinned * 2)
    draw(display, renderer, dl)
    one_calls = renderer.last_frame_stats.draw_calls
    draw(display, renderer, two)
    assert renderer.last_frame_stats.draw_calls == one_calls + display.eyes
    uploads = renderer.skinned.uploads
    draw(display, renderer, two)
    assert renderer.skinned.uploads == uploads  # the mesh stays on the GPU


def _row_of(display: HeadlessDisplay, y: float) -> int:
    views: list[object] = []
    display.frame(lambda vs, t: views.extend(vs))
    v = views[0]
    clip = v.projection @ v.view @ np.array([0.0, y, Z, 1.0])  # type: ignore[attr-defined]
    h = display.size[1]
    return int((1.0 - (clip[1] / clip[3] * 0.5 + 0.5)) * h)


def test_file_path_for_reference(tmp_path: Path) -> None:
    """The test's own file is a valid GLB that pygltflib reads back (sanity of the fixture)."""
    import pygltflib

    path = skinned_bar(tmp_path / "bar.glb")
    assert pygltflib.GLTF2().load(str(path)).skins[0].joints == [1, 2]


def sam_world(tmp_path: Path, objects: Sequence[dict[str, Any]] = ()) -> Any:
    """A world with ``objects`` and Sam, a partner whose model is the test's bar, standing
    2.5 m in front of the client."""
    from tests.world.helpers import scenario
    from vrtherapy.world import build_world

    skinned_bar(tmp_path / "people" / "sam.glb")
    spec = scenario(
        list(objects),
        partners=[
            {
                "id": "sam",
                "name": "Sam",
                "model": "people/sam.glb",
                "transform": {"position": [0.0, 0.0, Z]},
            }
        ],
    )
    return build_world(spec, {}, asset_dirs=[tmp_path])


def test_a_partner_model_from_a_scenario_reaches_the_screen(
    display: HeadlessDisplay, renderer: Renderer, tmp_path: Path
) -> None:
    """Scenario → world → draw list → pixels: the partner's bar is there, lit, and its
    jawOpen target (driven as lip sync would) widens it."""
    from vrtherapy.world.model import AvatarControls

    world = sam_world(tmp_path)

    def reddish() -> npt.NDArray[np.bool_]:
        img = draw(display, renderer, world.draw_list())[0].astype(int)
        # red however lit (the sun and its shadows shade the bar's faces differently)
        r, g, b = img[..., 0], img[..., 1], img[..., 2]
        return np.asarray((r > 40) & (r > 2 * g) & (r > 2 * b))

    world.control_avatar("sam", AvatarControls(jaw_open=0.0, gaze_target=(0.0, 1.0, 0.0)))
    shut = reddish()
    world.control_avatar("sam", AvatarControls(jaw_open=1.0, gaze_target=(0.0, 1.0, 0.0)))
    opened = reddish()
    assert shut.sum() > 100
    assert opened.sum() > shut.sum() + 10


def test_a_scene_with_a_character_is_preloaded_with_its_skinned_mesh(
    display: HeadlessDisplay, tmp_path: Path
) -> None:
    """Coming on screen, a scene's characters go to the GPU ahead of it with its other
    meshes, within the frames' upload budget: the first frame that draws the scene
    uploads nothing (a character uploaded then would hold that frame up)."""
    world = sam_world(
        tmp_path, [{"name": "floor", "procedural": "box", "args": {"width": 4, "height": 0.1}}]
    )
    assert [m.key for m in world.skinned_meshes] == [world.draw_list().skinned[0].mesh.key]
    meshes = [m for m in world.graph.meshes if m is not None]
    display.make_current()
    r = Renderer()
    try:
        frames = 0
        while not r.preload(meshes, skinned=world.skinned_meshes):
            draw(display, r, DrawList(()))  # the scene on screen until then
            frames += 1
            assert frames < 20
        assert r.preloaded == len({m.key for m in meshes}) + 1
        before = (r.meshes.uploads, r.skinned.uploads)
        image = draw(display, r, world.draw_list())[0].astype(int)
        assert (r.meshes.uploads, r.skinned.uploads) == before  # all there already
        red = (image[..., 0] > 40) & (image[..., 0] > 2 * image[..., 1])
        assert red.sum() > 100  # and the character is drawn
    finally:
        r.release()
