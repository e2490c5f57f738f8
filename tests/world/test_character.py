"""Skinned glTF characters: parsing, clip sampling on the CPU, located errors for broken
files, and a partner in the scene graph that looks, speaks and smiles through them.

Every file is made by the test (tests/world/skinned_files.py): a 2 m bar on two
joints, Root and Head (1 m up), with morph targets jawOpen and smile and a clip
'bend' that turns Head 90° about -z over one second.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pygltflib
import pytest

from tests.world.helpers import scenario
from tests.world.skinned_files import bar_arrays, skinned_bar
from vrtherapy.authoring.character import CharacterSpec
from vrtherapy.world import build_world
from vrtherapy.world.assets import AssetError, check_asset
from vrtherapy.world.character import CUBIC, LINEAR, MAX_JOINTS, STEP, Track, read_character
from vrtherapy.world.character_rig import build_character
from vrtherapy.world.model import AvatarBatch, PoseContext
from vrtherapy.world.skin_animation import (
    joint_matrices,
    local_pose,
    morph_weights,
    sample_track,
    world_pose,
)
from vrtherapy.world.transforms import rot_z, translate


@pytest.fixture
def bar(tmp_path: Path) -> Path:
    return skinned_bar(tmp_path / "bar.glb")


def test_parsing_reads_joints_weights_inverse_binds_targets_and_the_clip(bar: Path) -> None:
    c = read_character(bar)
    arrays = bar_arrays()
    assert c.names == ("Body", "Root", "Head")
    assert c.parent.tolist() == [-1, -1, 1]  # parents first
    (part,) = c.skinned
    assert c.rigid == ()
    assert [c.names[j] for j in part.joints] == ["Root", "Head"]
    np.testing.assert_allclose(part.inverse_binds[1], translate(0, -1, 0))
    np.testing.assert_array_equal(part.mesh.positions, arrays["positions"])
    used = arrays["weights"] > 0  # an unweighted slot may name any joint (it reads 0)
    np.testing.assert_array_equal(part.mesh.joints[used], arrays["joints"][used])
    np.testing.assert_allclose(part.mesh.weights, arrays["weights"])
    assert part.mesh.morph_names == ("jawOpen", "smile")
    np.testing.assert_array_equal(part.mesh.morph_positions[0], arrays["jaw"])
    np.testing.assert_array_equal(part.mesh.morph_positions[1], arrays["smile"])
    np.testing.assert_allclose(part.mesh.colors[0], (0.8, 0.02, 0.02, 1.0), atol=1e-6)
    (clip,) = c.clips
    assert clip.name == "bend" and clip.duration == 1.0
    assert [c.names[n] for n in clip.rotation.nodes] == ["Head"]
    assert len(clip.translation.nodes) == len(clip.scale.nodes) == 0
    assert [c.names[w.node] for w in clip.weights] == ["Body"]


def test_a_gltf_with_its_buffer_as_a_data_uri_reads_the_same(tmp_path: Path) -> None:
    glb = read_character(skinned_bar(tmp_path / "bar.glb"))
    gltf = read_character(skinned_bar(tmp_path / "bar.gltf"))
    assert glb.skinned[0].mesh.key == gltf.skinned[0].mesh.key


def _head_joint(c: Any, t: float | None) -> np.ndarray:
    clip = c.clips[0] if t is not None else None
    world = world_pose(c.parent, local_pose(c, clip, t or 0.0))
    return joint_matrices(c.skinned[0], world)


@pytest.mark.parametrize("t", [0.0, 0.25, 0.5, 1.0, 1.5])
def test_joint_matrices_at_clip_times_match_the_hand_computed_bend(bar: Path, t: float) -> None:
    c = read_character(bar)
    jm = _head_joint(c, t)
    angle = -math.pi / 2 * min(t, 1.0)  # LINEAR slerp: the angle grows evenly; held after
    expected = translate(0, 1, 0) @ rot_z(angle) @ translate(0, -1, 0)
    np.testing.assert_allclose(jm[0], np.eye(4), atol=1e-6)  # Root never moves
    np.testing.assert_allclose(jm[1], expected, atol=1e-5)
    # the bar's top end (0, 2, 0) swings on a 1 m circle about the joint
    top = jm[1] @ [0.0, 2.0, 0.0, 1.0]
    np.testing.assert_allclose(top[:3], [-math.sin(angle), 1 + math.cos(angle), 0], atol=1e-5)
    np.testing.assert_allclose(morph_weights(c, c.clips[0], t)[0], [min(t, 1.0), 0.0], atol=1e-6)


def test_step_holds_each_key_until_the_next(tmp_path: Path) -> None:
    c = read_character(skinned_bar(tmp_path / "step.glb", rotation="STEP"))
    np.testing.assert_allclose(_head_joint(c, 0.99)[1], np.eye(4), atol=1e-6)
    bent = translate(0, 1, 0) @ rot_z(-math.pi / 2) @ translate(0, -1, 0)
    np.testing.assert_allclose(_head_joint(c, 1.0)[1], bent, atol=1e-5)


def test_cubic_spline_keys_ease_in_and_out(tmp_path: Path) -> None:
    c = read_character(skinned_bar(tmp_path / "cubic.glb", rotation="CUBICSPLINE"))
    for t in (0.25, 0.5):
        s = 3 * t * t - 2 * t**3  # Hermite with zero tangents
        q = (1 - s) * np.array([0, 0, 0, 1.0]) + s * np.array(
            [0, 0, -math.sin(math.pi / 4), math.cos(math.pi / 4)]
        )
        angle = -2 * math.atan2(np.linalg.norm(q[:3]), q[3])
        expected = translate(0, 1, 0) @ rot_z(angle) @ translate(0, -1, 0)
        np.testing.assert_allclose(_head_joint(c, t)[1], expected, atol=1e-5)


def test_sampling_every_channel_kind_at_once() -> None:
    """Three channels of different lengths and modes in one vectorised call."""
    times = np.array([[0.0, 1.0, 2.0], [0.0, 2.0, 2.0], [0.0, 1.0, 1.0]])
    values = np.zeros((3, 3, 3, 1))
    values[0, :, 1, 0] = [0.0, 10.0, 30.0]  # linear
    values[1, :2, 1, 0] = [0.0, 4.0]  # step
    values[1, 2] = values[1, 1]
    values[2, :2, 1, 0] = [0.0, 1.0]  # cubic, out-tangent 1 at the first key
    values[2, 0, 2, 0] = 1.0
    values[2, 2] = values[2, 1]
    track = Track(
        np.arange(3, dtype=np.int32),
        times,
        np.array([3, 2, 2]),
        values,
        np.array([LINEAR, STEP, CUBIC], np.int8),
    )
    got = sample_track(track, 1.5)[:, 0]
    u = 1.0  # past the cubic channel's end: its last value
    np.testing.assert_allclose(got, [20.0, 0.0, u])
    got = sample_track(track, 0.25)[:, 0]
    hermite = (3 * 0.25**2 - 2 * 0.25**3) + (0.25**3 - 2 * 0.25**2 + 0.25)
    np.testing.assert_allclose(got, [2.5, 0.0, hermite])


# -- broken files: the error names the file and what in it is wrong -------------------


def _broken(tmp_path: Path, edit: Any) -> str:
    path = skinned_bar(tmp_path / "broken.glb", edit=edit)
    with pytest.raises(AssetError) as info:
        read_character(path)
    message = str(info.value)
    assert "broken.glb" in message
    return message


def test_too_many_joints_says_the_limit(tmp_path: Path) -> None:
    def edit(g: Any) -> None:
        extra = [pygltflib.Node(name=f"finger{i}") for i in range(MAX_JOINTS)]
        g.scenes[0].nodes += list(range(len(g.nodes), len(g.nodes) + len(extra)))
        g.skins[0].joints += list(range(len(g.nodes), len(g.nodes) + len(extra)))
        g.nodes += extra

    message = _broken(tmp_path, edit)
    assert f"skin 0 ('Rig') has {MAX_JOINTS + 2} joints" in message
    assert f"at most {MAX_JOINTS}" in message


def test_an_accessor_past_its_buffer_view_is_named(tmp_path: Path) -> None:
    def edit(g: Any) -> None:
        g.accessors[4].count = 1000  # WEIGHTS_0

    message = _broken(tmp_path, edit)
    assert "accessor 4 (WEIGHTS_0 of mesh 0 ('Bar') primitive 0)" in message


def test_a_vertex_without_weights_is_named(tmp_path: Path) -> None:
    def edit(g: Any) -> None:
        g.accessors[4].bufferView = None  # all weights zero

    assert "vertex 0 has no joint weight" in _broken(tmp_path, edit)


def test_a_morph_target_of_the_wrong_size_is_named(tmp_path: Path) -> None:
    def edit(g: Any) -> None:
        g.meshes[0].primitives[0].targets[1] = {"POSITION": 0, "NORMAL": 2}

    message = _broken(tmp_path, edit)
    assert "morph target 1" in message and "primitive 0" in message


def test_an_animation_channel_on_a_missing_node_is_named(tmp_path: Path) -> None:
    def edit(g: Any) -> None:
        g.animations[0].channels[0].target.node = 42

    message = _broken(tmp_path, edit)
    assert "animation 'bend' channel 0 (rotation of node 42)" in message


def test_a_skinned_mesh_without_joint_attributes_is_named(tmp_path: Path) -> None:
    def edit(g: Any) -> None:
        g.meshes[0].primitives[0].attributes.JOINTS_0 = None

    message = _broken(tmp_path, edit)
    assert "mesh 0 ('Bar') primitive 0" in message and "JOINTS_0" in message


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (lambda g: setattr(g.nodes[0], "skin", 7), "names skin 7, which does not exist"),
        (
            lambda g: setattr(g.animations[0].channels[0], "sampler", 5),
            "animation 'bend' channel 0 (rotation of node",
        ),
        (
            lambda g: setattr(g.skins[0], "inverseBindMatrices", 99),
            "names accessor 99, which does not exist",
        ),
    ],
    ids=["skin", "sampler", "accessor"],
)
def test_an_index_to_nothing_is_named(tmp_path: Path, edit: Any, said: str) -> None:
    message = _broken(tmp_path, edit)
    assert said in message and "which does not exist" in message


def test_a_cut_short_file_is_refused(tmp_path: Path, bar: Path) -> None:
    cut = tmp_path / "cut.glb"
    cut.write_bytes(bar.read_bytes()[:-100])
    with pytest.raises(AssetError, match=r"cut\.glb.*cut short"):
        read_character(cut)


def test_validation_reports_a_broken_skin_in_a_file_trimesh_can_show(tmp_path: Path) -> None:
    def edit(g: Any) -> None:
        g.animations[0].channels[0].target.node = 42

    errors, _ = check_asset(skinned_bar(tmp_path / "x.glb", edit=edit))
    assert any("channel 0" in e for e in errors)


# -- a partner made of the file ---------------------------------------------------------


def _partner_world(tmp_path: Path, model: dict[str, Any] | str) -> Any:
    skinned_bar(tmp_path / "people" / "bar.glb")
    spec = scenario(
        [],
        partners=[
            {
                "id": "clerk",
                "name": "Clerk",
                "model": model,
                "transform": {"position": [0.0, 0.0, -2.0]},
            }
        ],
    )
    return build_world(spec, {}, asset_dirs=[tmp_path])


def _batch(target: tuple[float, float, float], jaw: float, valence: float) -> AvatarBatch:
    nan = np.array([np.nan])
    return AvatarBatch(
        np.array([target], float), np.array([jaw]), nan, np.array([valence]), nan * 0
    )


def test_a_partner_model_draws_as_a_skinned_item_that_looks_at_the_client(
    tmp_path: Path,
) -> None:
    world = _partner_world(tmp_path, "people/bar.glb")
    assert world.problems == ()
    client = (0.8, 1.6, 0.0)
    world.control_avatars("clerk", _batch(client, 0.0, 0.0))
    world.advance(0.0)
    (item,) = world.draw_list().skinned
    assert item.mesh.morph_names == ("jawOpen", "smile")
    head = world.world_matrix("clerk/Root/Head")
    to_client = np.array(client) - head[:3, 3]
    forward = head[:3, 2]  # glTF characters face +z
    cos = forward @ to_client / np.linalg.norm(forward) / np.linalg.norm(to_client)
    assert math.degrees(math.acos(min(1.0, cos))) < 5.0
    # the skinned item's joint matrices are the scene graph's joints: the bar's top end
    top = item.joint_matrices[1] @ [0.0, 2.0, 0.0, 1.0]
    np.testing.assert_allclose(top, head @ [0.0, 1.0, 0.0, 1.0], atol=1e-5)
    assert world.eyes_of("clerk") is not None  # Stage looks from the head joint


def test_speech_and_valence_set_the_mapped_morph_targets(tmp_path: Path) -> None:
    world = _partner_world(
        tmp_path, {"file": "people/bar.glb", "morphs": {"jaw_open": "jawOpen", "smile": "smile"}}
    )
    world.control_avatars("clerk", _batch((0.0, 1.6, 0.0), 0.7, 0.4))
    world.advance(0.0)
    np.testing.assert_allclose(world.draw_list().skinned[0].morph_weights, [0.7, 0.4])
    world.control_avatars("clerk", _batch((0.0, 1.6, 0.0), 0.0, -0.9))  # hostile: no smile
    world.advance(0.1)
    np.testing.assert_allclose(world.draw_list().skinned[0].morph_weights, [0.0, 0.0])


def test_the_clip_plays_on_the_partner(tmp_path: Path) -> None:
    world = _partner_world(
        tmp_path, {"file": "people/bar.glb", "clip": "bend", "bones": {"head": "Root"}}
    )
    world.advance(0.5)
    (item,) = world.draw_list().skinned
    np.testing.assert_allclose(item.morph_weights[0], 0.5, atol=1e-6)  # the clip's jawOpen


def test_names_the_file_lacks_are_problems_of_the_partner(tmp_path: Path) -> None:
    world = _partner_world(
        tmp_path,
        {
            "file": "people/bar.glb",
            "clip": "wave",
            "morphs": {"blink": ["eyeBlinkLeft"]},
            "bones": {"left_eye": "EyeL"},
        },
    )
    text = "\n".join(world.problems)
    assert (
        "partner 'clerk': model 'people/bar.glb' has no animation clip 'wave'; it has: bend" in text
    )
    assert "no morph target 'eyeBlinkLeft' (for blink); it has: jawOpen, smile" in text
    assert "no joint 'EyeL' (for left_eye); it has: Body, Root, Head" in text


def test_a_broken_model_shows_the_placeholder_and_says_why(tmp_path: Path) -> None:
    (tmp_path / "people").mkdir()
    (tmp_path / "people" / "bad.glb").write_bytes(b"glTF not really")
    spec = scenario([], partners=[{"id": "clerk", "name": "Clerk", "model": "people/bad.glb"}])
    world = build_world(spec, {}, asset_dirs=[tmp_path])
    assert any("partner 'clerk'" in p and "placeholder" in p for p in world.problems)
    assert world.draw_list().skinned == ()
    assert any(it.mesh.key for it in world.draw_list().items)  # the box is drawn


def test_build_character_alone_maps_defaults_by_name(bar: Path) -> None:
    built, problems, notes = build_character(read_character(bar), CharacterSpec(file="bar.glb"))
    assert problems == notes == []  # Head found by its default name; eyes are optional
    rig = built.animators[0]
    ctx = PoseContext(np.eye(4, dtype=np.float32), (0.0, 1.6, 5.0), {})
    assert rig.pose(0.0, ctx).shape == (3, 4, 4)
    assert built.eyes == ("Root/Head",)


def test_a_file_broken_as_a_character_still_shows_as_an_objects_asset(tmp_path: Path) -> None:
    def edit(g: Any) -> None:
        g.animations[0].channels[0].target.node = 42  # trimesh does not read clips

    skinned_bar(tmp_path / "people" / "bar.glb", edit=edit)
    spec = scenario(
        [{"name": "statue", "asset": "people/bar.glb"}],
        partners=[{"id": "clerk", "name": "Clerk", "model": "people/bar.glb"}],
    )
    world = build_world(spec, {}, asset_dirs=[tmp_path])
    (problem,) = world.problems
    assert problem.startswith("partner 'clerk'") and "channel 0" in problem
    assert not any(n.startswith("statue/missing_asset") for n in world.node_names)


def test_a_character_is_drawn_in_the_clients_frame_where_the_client_stands_aside(
    tmp_path: Path,
) -> None:
    """The client's seat away from the origin shifts the draw table's rows; the skinned
    item's joints shift with them (the character stays where the scene put it)."""
    skinned_bar(tmp_path / "people" / "bar.glb")
    spec = scenario(
        [
            {
                "name": "seat",
                "procedural": "client_seat",
                "transform": {"position": [1.5, 0.0, 0.7]},
            }
        ],
        partners=[
            {
                "id": "clerk",
                "name": "Clerk",
                "model": "people/bar.glb",
                "transform": {"position": [0.0, 0.0, -2.0]},
            }
        ],
    )
    world = build_world(spec, {}, asset_dirs=[tmp_path])
    assert world.problems == ()
    world.advance(0.0)
    x, _, z = world.stand_point
    assert (x, z) == pytest.approx((1.5, 0.7))
    dl = world.draw_list()
    (item,) = dl.skinned
    head = world.world_matrix("clerk/Root/Head")
    top = item.joint_matrices[1] @ [0.0, 2.0, 0.0, 1.0]
    np.testing.assert_allclose(top, head @ [0.0, 1.0, 0.0, 1.0] - [x, 0.0, z, 0.0], atol=1e-5)
    seat = dl.items[0].transform  # the table's rows, shifted alike
    np.testing.assert_allclose(seat[:3, 3] + [x, 0.0, z], world.world_matrix("seat/chair")[:3, 3])
