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
