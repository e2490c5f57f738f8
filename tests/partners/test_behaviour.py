"""Partner behaviour through the world's avatar rig: gaze at the tracked head, aversion,
blinking, nods, expression, and parameter blending that never jumps."""

from __future__ import annotations

import numpy as np
import pytest

from tests.world.helpers import scenario
from vrtherapy.partners.behaviour import (
    Behaviour,
    BehaviourTrack,
    Members,
    animate,
    blinks,
    gaze_targets,
    nods,
)
from vrtherapy.world import World, build_world

HEAD = "host/body/hips/torso/neck/head"


def partner_world(n: int = 1) -> World:
    partners = [
        {"id": "host" if i == 0 else f"guest{i}", "name": f"P{i}",
         "transform": {"position": [0.8 * i - 0.4 * (n - 1), 0, -1.5]}}
        for i in range(n)
    ]  # fmt: skip
    return build_world(scenario([], partners=partners), {})


def eye_centre(world: World, who: str = "host") -> np.ndarray:
    head = f"{who}/body/hips/torso/neck/head"
    left = world.world_matrix(f"{head}/eye_l")[:3, 3]
    right = world.world_matrix(f"{head}/eye_r")[:3, 3]
    return (left + right) / 2


def moving_head(t: float) -> np.ndarray:
    """The client's tracked head wandering about: sideways, up and down, back and forth."""
    return np.array([0.35 * np.sin(0.5 * t), 1.55 + 0.08 * np.sin(1.3 * t), 0.15 * np.cos(0.4 * t)])


def gaze_errors(eye_contact: float, seconds: float = 60.0, fps: float = 20.0) -> np.ndarray:
    """Degrees between each eye's direction and the line from that eye to the client's
    head, over a simulated stretch, read from the scene graph."""
    world = partner_world()
    behaviour = Behaviour(eye_contact=eye_contact)
    seeds = np.array([11])
    errors = []
    for t in np.arange(0.0, seconds, 1.0 / fps):
        head = moving_head(float(t))
        world.set_client_head(tuple(float(x) for x in head))
        members = Members.of(eye_centre(world)[None], [behaviour], float(t), seeds)
        world.control_avatars("host", animate(float(t), head, members))
        world.advance(float(t))
        worst = 0.0
        for side in ("l", "r"):
            m = world.world_matrix(f"{HEAD}/eye_{side}")
            forward = m[:3, 2] / np.linalg.norm(m[:3, 2])
            to_head = head - m[:3, 3]
            to_head /= np.linalg.norm(to_head)
            worst = max(worst, float(np.degrees(np.arccos(np.clip(forward @ to_head, -1, 1)))))
        errors.append(worst)
    return np.array(errors)


def test_full_eye_contact_keeps_eyes_on_the_moving_head_within_5_degrees() -> None:
    errors = gaze_errors(1.0)
    assert errors.max() < 5.0, f"worst {errors.max():.2f}°"


def test_no_eye_contact_averts_the_eyes_most_of_a_minute() -> None:
    errors = gaze_errors(0.0)
    averted = (errors > 8.0).mean()
    assert averted > 0.9, f"averted only {averted:.0%} of the minute"


def test_half_eye_contact_looks_about_half_the_time() -> None:
    errors = gaze_errors(0.5, seconds=120.0, fps=10.0)
    looking = (errors < 5.0).mean()
    assert 0.3 < looking < 0.7, f"looked {looking:.0%} of the time"


def test_rig_looks_at_the_tracked_head_not_the_stand_point() -> None:
    """Without behaviour the rig's own gaze follows the head set by tracking."""
    spec = scenario(
        [],
        partners=[{"id": "host", "name": "H", "avatar": {"gaze": 1.0},
                   "transform": {"position": [0, 0, -1.5]}}],
    )  # fmt: skip
    world = build_world(spec, {})
    for x in (-1.0, 1.0):
        world.set_client_head((x, 1.6, 0.0))
        world.advance(0.0)
        forward = world.world_matrix(HEAD)[:3, 2]
        assert forward[0] * x > 0.3, forward


def test_blinks_every_few_seconds() -> None:
    m = Members.of(np.zeros((1, 3)), [Behaviour()], 0.0, np.array([5]))
    closed = np.array([blinks(float(t), m)[0] > 0.5 for t in np.arange(0, 60, 0.01)])
    starts = np.count_nonzero(closed[1:] & ~closed[:-1])
    assert 10 <= starts <= 25  # one blink every 2.5–5.5 s


def test_warm_listeners_nod_more_than_cold_ones_and_only_while_listening() -> None:
    def nod_time(valence: float, listening: bool) -> float:
        m = Members.of(np.zeros((40, 3)), [Behaviour(valence=valence)] * 40, 0.0, np.arange(40))
        m = Members(m.eyes, m.share, m.valence, m.seeds, np.full(40, listening), m.jaw, m.nod)
        return float(np.mean([(nods(float(t), m) > 0.02).mean() for t in np.arange(0, 30, 0.1)]))

    assert nod_time(1.0, True) > 1.5 * nod_time(0.0, True) > 0
    assert nod_time(1.0, False) == 0.0


def test_expression_follows_valence_in_the_brows() -> None:
    world = partner_world()
    heights = {}
    for valence in (-1.0, 1.0):
        m = Members.of(eye_centre(world)[None], [Behaviour(valence=valence)], 0.0, np.array([3]))
        world.control_avatars("host", animate(0.0, np.array([0, 1.6, 0.0]), m))
        world.advance(0.0)
        heights[valence] = world.world_matrix(f"{HEAD}/brow_l")[1, 3]
    assert heights[1.0] - heights[-1.0] > 0.008  # raised brows vs a frown, in metres


def test_behaviour_blends_over_one_and_a_half_seconds_and_never_jumps() -> None:
    track = BehaviourTrack.steady(Behaviour(eye_contact=0.0, valence=-1.0), now=0.0)
    track = track.retarget(Behaviour(eye_contact=1.0, valence=1.0, attitude="hostile"), now=10.0)
    assert track.at(10.0).eye_contact == 0.0
    assert track.at(11.5).eye_contact == 1.0 and track.at(11.5).attitude == "hostile"
    # a second change half-way starts from where the blend is
    mid = track.at(10.75)
    assert 0.3 < mid.valence + 1.0 < 1.7
    track = track.retarget(Behaviour(eye_contact=0.0, valence=-1.0), now=10.75)
    assert track.at(10.75) == mid
    values = np.array([track.at(10.0 + k * 0.011).valence for k in range(300)])
    assert np.abs(np.diff(values)).max() < 0.03  # at 90 Hz no frame moves more than 1.5 %


def test_behaviour_values_are_checked() -> None:
    with pytest.raises(ValueError, match="eye_contact"):
        Behaviour(eye_contact=1.5)
    with pytest.raises(ValueError, match="attitude"):
        Behaviour(attitude="sleepy")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="valence"):
        Behaviour(valence=float("nan"))


def test_a_crowd_of_sixty_is_animated_in_one_batch() -> None:
    n = 60
    eyes = np.stack([np.linspace(-5, 5, n), np.full(n, 1.2), np.full(n, -4.0)], 1)
    bs = [Behaviour(glances_per_min=6.0, attitude="interested")] * n
    m = Members.of(eyes, bs, 0.0, np.arange(n), bystander=True)
    targets, looking = gaze_targets(3.0, np.array([0, 1.6, 0.0]), m)
    assert targets.shape == (n, 3) and looking.shape == (n,)
    batch = animate(3.0, np.array([0, 1.6, 0.0]), m)
    assert len(batch) == n and np.all(batch.brows > 0)
    # bystanders glance at 6 a minute for 1.5 s each: about 15 % of the time
    shares = [
        gaze_targets(float(t), np.array([0, 1.6, 0.0]), m)[1].mean() for t in range(0, 600, 2)
    ]
    assert 0.08 < np.mean(shares) < 0.22


def test_member_streams_draw_what_hashing_all_keys_draws() -> None:
    """Mixing each member's (seed, index) once and the per-frame keys later gives the
    very numbers of hashing every key each frame (so animation did not change)."""
    from vrtherapy.partners.behaviour import _Draws, _hash01, _mix, _unit

    seeds = np.array([3, 17, 17, 90210, 5], np.int64)
    idx = np.arange(len(seeds))
    r = _Draws(seeds)
    k = np.floor(np.array([-1.0, 0.0, 7.0, 123.0, 4.0]))
    assert np.array_equal(r.draw(k, 2), _hash01(seeds, idx, k, 2))
    assert np.array_equal(r.constant(20), _hash01(seeds, idx, 20))
    assert np.array_equal(_unit(_mix(r.after(k), 5)), _hash01(seeds, idx, k, 5))
