"""The stock social scenarios with a virtual partner: each level's partner behaviour
moves in the promised direction, the partner is where the scene says (across the desk,
behind the counter, ...), and the picture shows a person there (golden tests, measured
from the scene graph, the behaviour the levels set, and pixels)."""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
import pytest

from tests.render.test_stock_families import changed, picture, spec_of, world_at
from vrtherapy.authoring import ScenarioSpec, parameter_values
from vrtherapy.authoring.intensity import level_intensity
from vrtherapy.display.headless import HeadlessDisplay
from vrtherapy.partners.behaviour import Behaviour, behaviour_of
from vrtherapy.render import Renderer
from vrtherapy.world.world import World

HEAD = "hips/torso/neck/head"


def behaviours(spec: ScenarioSpec, partner: str) -> list[Behaviour]:
    """The partner's behaviour at each level, in order."""
    [p] = [p for p in spec.partners if p.id == partner]
    out = []
    for lv in spec.levels:
        b, problems = behaviour_of(p, parameter_values(spec, level_intensity(spec, lv.name)))
        assert not problems, problems
        out.append(b)
    return out


def falls(xs: list[float]) -> bool:
    return all(b <= a for a, b in itertools.pairwise(xs)) and xs[-1] < xs[0]


def rises(xs: list[float]) -> bool:
    return all(b >= a for a, b in itertools.pairwise(xs)) and xs[-1] > xs[0]


def eye(w: World) -> npt.NDArray[np.float64]:
    x, y, z = w.stand_point
    return np.array([x, y + w.draw_list().eye_height, z], np.float64)


def head_of(w: World, name: str) -> npt.NDArray[np.float64]:
    return np.asarray(w.world_matrix(f"{name}/body/{HEAD}")[:3, 3], np.float64)


def without_partners(spec: ScenarioSpec) -> ScenarioSpec:
    return spec.model_copy(update={"partners": []})


def person_share(
    display: HeadlessDisplay, renderer: Renderer, spec: ScenarioSpec, level: str
) -> tuple[float, npt.NDArray[np.bool_]]:
    """The share of the view the partners take up, and where (pixels that change when
    the partners are taken out of the scene)."""
    shown = picture(display, renderer, world_at(spec, level, t=1.0))
    empty = picture(display, renderer, world_at(without_partners(spec), level, t=1.0))
    mask = changed(shown, empty)
    return float(mask.mean()), mask


# -- job interview -----------------------------------------------------------------------------


def test_the_interviewer_grows_colder_level_by_level() -> None:
    spec = spec_of("social.interview")
    assert len(spec.levels) >= 5
    b = behaviours(spec, "interviewer")
    assert falls([x.valence for x in b]) and b[0].valence > 0.5 and b[-1].valence < -0.5
    assert rises([x.eye_contact for x in b])
    assert rises([x.latency_s for x in b])
    assert rises([x.interruption for x in b]) and b[0].interruption == 0.0
    assert b[0].attitude == "interested" and b[-1].attitude == "hostile"
    assert {s.name for s in spec.skills} >= {
        "comfort",
        "interest",
        "professionalism",
        "positive_sharing",
        "negotiation",
    }


def test_the_interviewer_sits_across_the_desk_at_eye_level() -> None:
    spec = spec_of("social.interview")
    for lv in spec.levels:
        w = world_at(spec, lv.name)
        e, head = eye(w), head_of(w, "interviewer")
        desk_z = w.world_matrix("desk/desk")[2, 3]
        assert w.draw_list().eye_height == pytest.approx(1.2)  # the client is seated
        assert 1.5 < np.linalg.norm(head - e) < 2.3, lv.name
        assert abs(head[1] - e[1]) < 0.25, lv.name  # eye to eye, both seated
        assert head[2] < desk_z < e[2]  # the desk between them
        facing = w.world_matrix(f"interviewer/body/{HEAD}")[:3, 2]
        to_client = (e - head) / np.linalg.norm(e - head)
        assert float(facing @ to_client) > 0.8, lv.name
    shown = {lv.name: world_at(spec, lv.name).graph.effective_visibility() for lv in spec.levels}
    observer = {
        name: bool(vis[world_at(spec, name).graph.index("observer")]) for name, vis in shown.items()
    }
    assert observer == {lv.name: lv.name == "critical_panel" for lv in spec.levels}


def test_a_person_is_seen_across_the_desk(display: HeadlessDisplay, renderer: Renderer) -> None:
    spec = spec_of("social.interview")
    share, mask = person_share(display, renderer, spec, "neutral")
    assert share > 0.018, share  # head, shoulders and arms above the desk, 1.7 m away
    h, w = mask.shape
    rows, cols = np.nonzero(mask)
    # straight ahead: the person's pixels are centred, in the middle band of the view
    assert abs(cols.mean() / w - 0.5) < 0.08 and 0.25 < rows.mean() / h < 0.75
    # the friendly and the critical interviewer differ visibly (posture, arms, face):
    # a good part of the person's pixels change
    friendly = picture(display, renderer, world_at(spec, "friendly_short", t=1.0))
    critical = picture(display, renderer, world_at(spec, "critical", t=1.0))
    diff = changed(friendly, critical, 20) & mask
    assert diff.sum() / mask.sum() > 0.15, diff.sum() / mask.sum()
