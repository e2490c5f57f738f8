"""The stage drives a partner that is the clinic's own glTF character: behaviour's
gaze turns its head joint to the client's tracked head, lip sync opens its jawOpen
morph target and valence shows on its smile target."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from tests.world.helpers import scenario
from tests.world.skinned_files import skinned_bar
from vrtherapy.partners.stage import Stage
from vrtherapy.world import build_world


def _stage(tmp_path: Path) -> Stage:
    skinned_bar(tmp_path / "people" / "sam.glb")
    spec = scenario(
        [],
        partners=[
            {
                "id": "sam",
                "name": "Sam",
                "model": "people/sam.glb",
                "behaviour": {"eye_contact": 1.0, "valence": 0.6},
                "transform": {"position": [0.0, 0.0, -2.0]},
            }
        ],
    )
    world = build_world(spec, {}, asset_dirs=[tmp_path])
    assert world.problems == ()
    return Stage(spec, world)


def test_the_head_joint_follows_a_moving_client_head(tmp_path: Path) -> None:
    stage = _stage(tmp_path)
    stage.retarget(0.0, {})
    worst = 0.0
    for k, t in enumerate(np.arange(0.0, 6.0, 0.25)):
        head = (0.6 * math.sin(k / 3), 1.6, 0.2 * math.cos(k / 5))
        stage.pose(float(t), head)
        m = stage.world.world_matrix("sam/Root/Head")
        to_client = np.array(head) - m[:3, 3]
        cos = m[:3, 2] @ to_client / np.linalg.norm(m[:3, 2]) / np.linalg.norm(to_client)
        worst = max(worst, math.degrees(math.acos(min(1.0, float(cos)))))
    assert worst < 5.0  # eye contact 1: micro-saccades only


def test_speech_opens_the_mouth_target_and_valence_smiles(tmp_path: Path) -> None:
    stage = _stage(tmp_path)
    stage.retarget(0.0, {})
    stage.pose(1.0, (0.0, 1.6, 0.0), speaking={"sam": 0.8})
    jaw, smile = stage.world.draw_list().skinned[0].morph_weights
    assert math.isclose(jaw, 0.8, abs_tol=1e-6)
    assert math.isclose(smile, 0.6, abs_tol=1e-6)
    stage.pose(1.1, (0.0, 1.6, 0.0))  # silence: the mouth closes
    assert stage.world.draw_list().skinned[0].morph_weights[0] == 0.0


def test_a_viseme_from_lip_sync_shapes_the_mouth_instead_of_the_jaw(tmp_path: Path) -> None:
    from vrtherapy.authoring.character import VISEMES as AUTHORED
    from vrtherapy.partners.visemes import VISEMES

    assert AUTHORED == VISEMES  # one vocabulary with lip sync
    skinned_bar(tmp_path / "people" / "sam.glb")
    spec = scenario(
        [],
        partners=[
            {
                "id": "sam",
                "name": "Sam",
                "model": {"file": "people/sam.glb", "visemes": {"PP": "smile", "aa": "jawOpen"}},
            }
        ],
    )
    stage = Stage(spec, build_world(spec, {}, asset_dirs=[tmp_path]))
    stage.retarget(0.0, {})
    pp = VISEMES.index("PP")
    stage.pose(1.0, (0.0, 1.6, 0.0), speaking={"sam": 0.4}, visemes={"sam": pp})
    np.testing.assert_allclose(stage.world.draw_list().skinned[0].morph_weights, [0.0, 1.0])
    aa = VISEMES.index("aa")
    stage.pose(1.01, (0.0, 1.6, 0.0), speaking={"sam": 0.9}, visemes={"sam": aa})
    np.testing.assert_allclose(stage.world.draw_list().skinned[0].morph_weights, [1.0, 0.0])
    # a line without phoneme timings: the jaw follows the envelope as before
    stage.pose(1.02, (0.0, 1.6, 0.0), speaking={"sam": 0.3})
    jaw = stage.world.draw_list().skinned[0].morph_weights[0]
    assert abs(jaw - 0.3) < 1e-6


def test_a_character_is_posed_in_one_batch_with_an_avatar_and_an_audience(
    tmp_path: Path,
) -> None:
    """A glTF character has no avatar head joint: in the batch with a procedural partner
    and bystanders its face is its own eye joints, its viseme reaches only its rows."""
    from vrtherapy.authoring.scenario import ScenarioSpec
    from vrtherapy.cli.live_scene import AUDIENCE, TALKER, live_scenario
    from vrtherapy.partners.behaviour import Behaviour
    from vrtherapy.partners.stage import EYES_TO_MOUTH, Bystanders
    from vrtherapy.partners.visemes import VISEMES

    skinned_bar(tmp_path / "people" / "sam.glb")
    base = live_scenario(3).model_dump(exclude_none=True)
    base["partners"].append(
        {
            "id": "sam",
            "name": "Sam",
            "model": "people/sam.glb",
            "behaviour": {"eye_contact": 1.0},
            "transform": {"position": [1.5, 0.0, -2.0]},
        }
    )
    spec = ScenarioSpec.model_validate(base)
    world = build_world(spec, {}, asset_dirs=[tmp_path])
    assert world.problems == ()
    stage = Stage(spec, world)
    stage.retarget(0.0, {})
    crowd = Bystanders.of(world, AUDIENCE, Behaviour(attitude="hostile"))
    head = (0.3, 1.6, 0.4)
    pp = VISEMES.index("PP")
    for t in (0.5, 1.0, 1.5):
        stage.pose(t, head, {"sam": 0.4}, bystanders=[crowd], visemes={"sam": pp})
    eyes = world.eyes_of("sam")
    assert eyes is not None
    np.testing.assert_allclose(stage.faces["sam"], eyes, atol=1e-6)
    np.testing.assert_allclose(stage.mouths["sam"], eyes + EYES_TO_MOUTH, atol=1e-6)
    m = world.world_matrix("sam/Root/Head")
    to_client = np.array(head) - m[:3, 3]
    cos = m[:3, 2] @ to_client / np.linalg.norm(m[:3, 2]) / np.linalg.norm(to_client)
    assert math.degrees(math.acos(min(1.0, float(cos)))) < 5.0
    # the procedural partner's face is still its head joint's, the audience animated too
    talker = world.world_matrix(f"{TALKER}/body/hips/torso/neck/head")
    assert abs(stage.faces[TALKER][1] - talker[1, 3]) < 0.3
    assert len(world._batches[AUDIENCE]) == 3
    sams = world._batches["sam"].viseme
    assert sams is not None and sams.tolist() == [pp]
    assert world._batches[TALKER].viseme is None


def test_a_head_shake_turns_the_characters_head_and_returns(tmp_path: Path) -> None:
    from vrtherapy.partners.gestures import LineAct

    def head_forward(acts: dict[str, LineAct] | None, t: float) -> np.ndarray:
        stage = _stage(tmp_path)
        stage.retarget(0.0, {})
        stage.pose(t, (0.0, 1.6, 0.0), acts=acts)
        f = stage.world.world_matrix("sam/Root/Head")[:3, 2]
        return f / np.linalg.norm(f)

    def angle(a: np.ndarray, b: np.ndarray) -> float:
        return math.degrees(math.acos(min(1.0, float(a @ b))))

    shaking = {"sam": LineAct("shake_head", "", 0.3375, 2.0)}  # the head's widest turn
    assert angle(head_forward(shaking, 5.0), head_forward(None, 5.0)) > 6.0
    over = {"sam": LineAct("shake_head", "", 3.0, 2.0)}
    assert angle(head_forward(over, 5.0), head_forward(None, 5.0)) < 1e-3
