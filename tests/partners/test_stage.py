"""The stage: partners' behaviour from the level and the therapist, blended on screen."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vrtherapy.authoring import load_library
from vrtherapy.authoring.intensity import parameter_values
from vrtherapy.authoring.stock import scenes_dir
from vrtherapy.partners.stage import Stage
from vrtherapy.world import build_world

FIXTURES = Path(__file__).parent / "fixtures"
BROW = "interviewer/body/hips/torso/neck/head/brow_l"
JAW = "interviewer/body/hips/torso/neck/head/jaw"
HEAD = (0.0, 1.6, 0.0)


def _stage() -> tuple[Stage, dict[str, float | bool | str]]:
    spec = load_library([FIXTURES], context=[scenes_dir()]).scenario("test.interview_levels")
    values = parameter_values(spec, 0.0)  # friendly: valence 0.8
    world = build_world(spec, values)
    return Stage(spec, world), values


def test_a_live_change_blends_over_one_and_a_half_seconds() -> None:
    stage, values = _stage()
    stage.retarget(0.0, values)
    heights = []
    times = np.arange(9.0, 13.0, 1 / 90)
    for t in times:
        if t >= 10.0:  # the therapist moved the slider at 10 s; the snapshot keeps saying so
            stage.retarget(float(t), values, {"interviewer": {"valence": -1.0}})
        stage.pose(float(t), HEAD)
        head = stage.world.world_matrix(BROW.rsplit("/", 1)[0])
        heights.append((np.linalg.inv(head) @ stage.world.world_matrix(BROW))[1, 3])
    h = np.array(heights)
    before, after = h[times < 10.0], h[times > 11.6]
    assert np.ptp(before) < 1e-5 and np.ptp(after) < 1e-5  # steady before and after
    assert before.mean() - after.mean() > 0.008  # warm brows came down to a frown
    assert np.abs(np.diff(h)).max() < 0.15 * (before.mean() - after.mean())  # never jumps
    assert stage.tracks["interviewer"].target.valence == -1.0


def test_a_new_level_sets_the_target_and_speech_opens_the_jaw() -> None:
    stage, values = _stage()
    stage.retarget(0.0, values)
    assert stage.tracks["interviewer"].target.eye_contact == 0.7
    spec = stage.scenario
    stage.retarget(5.0, parameter_values(spec, 100.0))  # critical
    assert stage.tracks["interviewer"].at(5.0).eye_contact == 0.7
    assert stage.tracks["interviewer"].at(6.5).eye_contact == 0.95
    stage.pose(7.0, HEAD, speaking={"interviewer": 0.0})
    closed = stage.world.world_matrix(JAW)[:3, 1].copy()
    stage.pose(7.0, HEAD, speaking={"interviewer": 1.0})
    opened = stage.world.world_matrix(JAW)[:3, 1].copy()
    # a figure is scaled to its height: compare directions
    closed, opened = closed / np.linalg.norm(closed), opened / np.linalg.norm(opened)
    angle = np.degrees(np.arccos(np.clip(closed @ opened, -1, 1)))
    assert angle > 15  # the jaw swings open while the partner speaks


def test_bystanders_are_animated_in_the_partners_batch() -> None:
    """An audience passed as bystanders gets its behaviour (brows from the attitude, gaze)
    from the same animate call as the partner; the partner's own animation is unchanged."""
    from vrtherapy.cli.live_scene import live_scenario
    from vrtherapy.partners.behaviour import Behaviour
    from vrtherapy.partners.stage import Bystanders

    spec = live_scenario(6)
    alone, together = build_world(spec, {}), build_world(spec, {})
    stages = [Stage(spec, alone), Stage(spec, together)]
    for s in stages:
        s.retarget(0.0, {})
    crowd = Bystanders.of(together, "audience", Behaviour(attitude="hostile"))
    assert len(crowd.heads) == 6
    for t in (0.5, 1.0, 1.5):
        stages[0].pose(t, HEAD, {"asker": 0.4})
        stages[1].pose(t, HEAD, {"asker": 0.4}, bystanders=[crowd])
    batch = together._batches["audience"]
    assert len(batch) == 6 and np.allclose(batch.brows, -0.9)  # hostile: a frown
    assert "audience" not in alone._batches
    partner = [n for n in together.node_names if n.startswith("asker/")]
    for name in partner:
        assert np.array_equal(alone.world_matrix(name), together.world_matrix(name)), name
    member = "audience/member_0/hips/torso/neck/head/brow_l"
    assert not np.array_equal(alone.world_matrix(member), together.world_matrix(member))
