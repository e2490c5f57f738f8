"""Stock scenes built by vrtherapy.world look the way their levels promise."""

from __future__ import annotations

from typing import Any

import numpy as np

from tests.gl_support import draw, headless
from vrtherapy import world
from vrtherapy.authoring import ScenarioSpec, load_library, parameter_values
from vrtherapy.authoring.intensity import level_intensity
from vrtherapy.display.headless import HeadlessDisplay, HeadPose
from vrtherapy.render import Renderer
from vrtherapy.world.types import DrawList


def draw_list_at(spec: ScenarioSpec, level: str) -> DrawList:
    values = parameter_values(spec, level_intensity(spec, level))
    return world.build_world(spec, values, seed=1).draw_list()


def stock(scenario_id: str) -> ScenarioSpec:
    return load_library().scenario(scenario_id)


def look(display: HeadlessDisplay, dl: DrawList, pitch: float = 0.0) -> HeadlessDisplay:
    display.head = HeadPose(eye_height=dl.eye_height, pitch_degrees=pitch)
    return display


def test_the_calm_room_is_a_furnished_room_not_a_blank_frame(
    display: HeadlessDisplay, renderer: Renderer
) -> None:
    dl = draw_list_at(stock("calm.room"), "calm")
    left, right = draw(look(display, dl), renderer, dl)
    for image in (left, right):
        assert image.std() > 20
        colours = np.unique((image // 32).reshape(-1, 3), axis=0)
        assert len(colours) >= 8  # walls, floor, sofa, plants, window, lamp...
        assert image.mean() > 40  # lit, not black
    assert not np.array_equal(left, right)
    assert renderer.last_frame_stats.triangles > 1000


def test_higher_balcony_puts_the_ground_farther_below() -> None:
    spec = stock("heights.balcony")
    with headless((160, 120), eyes=1) as display:
        renderer = Renderer()
        far: dict[str, float] = {}
        for level in ("floor_2", "floor_20"):
            dl = draw_list_at(spec, level)
            image = draw(look(display, dl, pitch=-50.0), renderer, dl)[0]
            assert image.std() > 10
            distance = display.read_distance()
            beyond = distance[(distance > 4.0) & (distance < display.far * 0.9)]
            assert beyond.size > 200  # the ground below, past the balcony
            far[level] = float(np.median(beyond))
        # 6 m vs 60 m below the balcony floor: the ground is about ten times farther.
        assert far["floor_20"] > 5.0 * far["floor_2"], far
        assert 6.0 < far["floor_2"] < 40.0


def test_balcony_view_straight_ahead_is_open_sky_not_the_facade() -> None:
    """The client stands on the slab clear of the building, so even without back-face
    culling (which hides the inside of a wall they would otherwise stand in) the view
    ahead is the sky above the horizon, not the façade's windows."""
    spec = stock("heights.balcony")
    with headless((160, 120), eyes=1) as display:
        renderer = Renderer()
        renderer.cull_back_faces = False
        for level in ("ground", "floor_20"):
            dl = draw_list_at(spec, level)
            image = draw(look(display, dl), renderer, dl)[0].astype(int)
            upper = image[: image.shape[0] // 3]
            distance = display.read_distance()[: image.shape[0] // 3]
            assert distance.min() > 5.0, level  # no wall or window in the client's face
            sky = distance > display.far * 0.9
            assert sky.mean() > 0.6, level  # mostly sky, some of the neighbouring block
            assert upper[sky].mean() > 150 and (upper[sky][:, 2] > upper[sky][:, 0]).all()
        renderer.release()


def spider_scenario() -> ScenarioSpec:
    data: dict[str, Any] = {
        "id": "test.spider_on_floor",
        "title": "A spider on the floor",
        "family": "spiders",
        "parameters": {"z": {"type": "number", "min": -3, "max": -0.3, "unit": "m"}},
        "levels": [
            {"name": "far", "values": {"z": -2.5}},
            {"name": "near", "values": {"z": -0.8}},
        ],
        "environment": {"sky": "indoor", "lighting": "indoor_warm"},
        "objects": [
            {"name": "floor", "procedural": "box",
             "args": {"width": 8, "depth": 8, "height": 0.02, "color": "#e8e4dc"}},
            {"name": "spider", "procedural": "spider", "args": {"size": 0.25, "seed": 3},
             "transform": {"position": [0, 0.02, "$z"]}},
        ],
    }  # fmt: skip
    return ScenarioSpec.model_validate(data)


def test_a_closer_spider_covers_more_of_the_view(
    display: HeadlessDisplay, renderer: Renderer
) -> None:
    spec = spider_scenario()
    covered: dict[str, int] = {}
    for level in ("far", "near"):
        dl = draw_list_at(spec, level)
        image = draw(look(display, dl, pitch=-40.0), renderer, dl)[0]
        floor_only = DrawList(
            tuple(it for it in dl.items if it.mesh.key == dl.items[0].mesh.key),
            dl.environment,
            dl.eye_height,
            dl.standing_height,
        )
        empty = draw(display, renderer, floor_only)[0]
        covered[level] = int((np.abs(image.astype(int) - empty).max(axis=2) > 30).sum())
    assert covered["far"] > 10
    assert covered["near"] > 2.5 * covered["far"], covered


def test_a_missing_asset_shows_the_placeholder_not_a_crash(
    display: HeadlessDisplay, renderer: Renderer
) -> None:
    spec = ScenarioSpec.model_validate(
        {
            "id": "test.missing_asset",
            "title": "A statue whose file is gone",
            "family": "custom",
            "levels": [{"name": "only"}],
            "environment": {"sky": "indoor", "lighting": "indoor_warm"},
            "objects": [
                {"name": "floor", "procedural": "ground", "args": {"size": 40}},
                {
                    "name": "statue",
                    "asset": "models/deleted_after_validation.glb",
                    "transform": {"position": [0, 0, -3]},
                },
            ],
        }
    )
    w = world.build_world(spec, {}, seed=1)
    assert any("deleted_after_validation.glb" in p for p in w.problems)
    dl = w.draw_list()
    left, _ = draw(look(display, dl, pitch=-15), renderer, dl)
    r, g, b = (left[..., i].astype(int) for i in range(3))
    magenta = (r > 60) & (b > 60) & (g < 0.5 * np.minimum(r, b))
    assert magenta.sum() > 50, "the magenta placeholder should stand where the statue was"
