"""Where the scenario's stimulus is on screen, as the render thread records it."""

from __future__ import annotations

import numpy as np
import pytest

from vrtherapy.authoring import load_library
from vrtherapy.authoring.intensity import level_intensity, parameter_values
from vrtherapy.world.world import build_world

LIBRARY = load_library()
WITH_STIMULUS = sorted(k for k, s in LIBRARY.scenarios.items() if s.stimulus)


def _world(scenario: str, level: str):  # type: ignore[no-untyped-def]
    spec = LIBRARY.scenarios[scenario]
    world = build_world(spec, parameter_values(spec, level_intensity(spec, level)))
    world.advance(2.0)
    world.draw_list()
    return world


def test_the_stock_scenes_name_their_stimulus() -> None:
    assert {"spiders.kitchen", "heights.balcony", "public_speaking.lecture_hall"} <= set(
        WITH_STIMULUS
    )


@pytest.mark.parametrize("scenario", WITH_STIMULUS)
def test_every_stock_stimulus_is_found_on_screen_at_the_top_level(scenario: str) -> None:
    spec = LIBRARY.scenarios[scenario]
    world = _world(scenario, spec.levels[-1].name)
    centre = world.shown_centre(spec.stimulus)
    assert centre is not None, f"{scenario}: {spec.stimulus} not drawn at {spec.levels[-1].name}"
    assert all(np.isfinite(centre))


def test_the_spider_is_where_its_body_is_and_follows_the_level() -> None:
    world = _world("spiders.kitchen", "jar_far")
    centre = world.shown_centre(["spider_table", "spider_floor"])
    body = world.world_matrix("spider_table/body")[:3, 3]
    assert centre is not None
    # the spider on the table, 1.4 m beyond the hand's mat, at table height
    assert np.allclose(centre, body, atol=0.05)
    assert 0.7 < centre[1] < 0.9 and centre[2] < -1.5
    floor = _world("spiders.kitchen", "floor_near")
    on_floor = floor.shown_centre(["spider_table", "spider_floor"])
    assert on_floor is not None and on_floor[1] < 0.1  # the first one drawn: on the floor


def test_nothing_drawn_means_no_stimulus() -> None:
    world = _world("social.cafe", "quiet")  # the asker comes up only at 'asked'
    assert world.shown_centre(["asker"]) is None
    assert world.shown_centre(["no_such_thing"]) is None


def test_heights_stimulus_is_in_the_clients_frame_below_their_feet() -> None:
    world = _world("heights.balcony", "floor_30")
    centre = world.shown_centre(["plaza"])
    assert centre is not None and centre[1] < -80  # 30 floors down from the balcony floor


def test_a_large_stimulus_is_measured_once_and_moves_with_its_root() -> None:
    world = _world("public_speaking.lecture_hall", "sixty_hostile")
    first = world.shown_centre(["audience"])
    assert first is not None and first[2] < -3.2  # beyond the front row
    world.advance(3.0)  # people sway; the audience stays where it is
    world.draw_list()
    assert world.shown_centre(["audience"]) == pytest.approx(first, abs=1e-4)
