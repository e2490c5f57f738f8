"""The heights and enclosed-space families: every level builds and renders, and the
levels change the picture the way the hierarchy promises (farther ground, bridges
that differ at 7 m and 50 m, elevator floors that differ, a smaller, darker room).

Distances come from the depth buffer (``read_distance``), so the thresholds are in
metres, not in pixel colours that a lighting change could move.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
import pytest

from tests.gl_support import U8, draw, headless
from vrtherapy import world
from vrtherapy.authoring import ScenarioSpec, load_library, parameter_values
from vrtherapy.authoring.intensity import level_intensity
from vrtherapy.display.headless import HeadlessDisplay, HeadPose
from vrtherapy.render import Renderer
from vrtherapy.world.world import World

FAMILIES = ("heights", "enclosed")
SIZE = (160, 120)


def stock(scenario_id: str) -> ScenarioSpec:
    return load_library().scenario(scenario_id)


def family_levels() -> list[tuple[str, str]]:
    lib = load_library()
    return [
        (spec.id, level)
        for spec in sorted(lib.scenarios.values(), key=lambda s: s.id)
        if spec.family in FAMILIES
        for level in spec.level_names
    ]


def built(scenario_id: str, level: str) -> World:
    spec = stock(scenario_id)
    return world.build_world(spec, parameter_values(spec, level_intensity(spec, level)), seed=1)


@pytest.fixture(scope="module")
def view() -> Iterator[tuple[HeadlessDisplay, Renderer]]:
    with headless(SIZE, eyes=1, samples=0) as display:
        renderer = Renderer()
        yield display, renderer
        display.make_current()
        renderer.release()


def shot(
    view: tuple[HeadlessDisplay, Renderer], w: World, pitch: float = 0.0, t: float = 0.0
) -> tuple[U8, np.ndarray]:
    display, renderer = view
    w.advance(t)
    dl = w.draw_list()
    display.head = HeadPose(eye_height=dl.eye_height, pitch_degrees=pitch)
    image = draw(display, renderer, dl)[0]
    return image, display.read_distance()


def differing(a: U8, b: U8, tolerance: int = 12) -> float:
    """The share of pixels whose colour differs by more than ``tolerance`` in a channel."""
    return float((np.abs(a.astype(int) - b.astype(int)).max(axis=2) > tolerance).mean())


def test_the_families_have_at_least_five_levels_each_with_a_title_and_description() -> None:
    lib = load_library()
    mine = [s for s in lib.scenarios.values() if s.family in FAMILIES]
    assert {s.id for s in mine} >= {
        "heights.balcony",
        "heights.atrium",
        "heights.glass_elevator",
        "heights.bridges",
        "enclosed.elevator",
        "enclosed.small_room",
    }
    for spec in mine:
        assert len(spec.levels) >= 5, spec.id
        assert spec.calm_scene == "calm.room"
        assert spec.sounds.beds or spec.sounds.sources, spec.id  # ambient sound
        for lv in spec.levels:
            assert lv.title and lv.description, (spec.id, lv.name)
        for name, p in spec.parameters.items():
            assert p.label, (spec.id, name)
            if p.type == "number":
                assert p.unit, (spec.id, name)  # the console's slider shows a unit


@pytest.mark.parametrize(("scenario_id", "level"), family_levels())
def test_every_level_builds_and_renders(
    view: tuple[HeadlessDisplay, Renderer], scenario_id: str, level: str
) -> None:
    w = built(scenario_id, level)
    assert w.problems == ()
    image, distance = shot(view, w, pitch=-20.0)
    display, _ = view
    assert (distance < display.far * 0.9).mean() > 0.3, "nothing drawn but sky"
    assert image.std() > 3, "a blank frame"
    assert 15 < image.mean() < 250


def first_opaque_hit(w: World, origin: np.ndarray, direction: np.ndarray) -> tuple[float, str]:
    """Distance and node name of the first opaque triangle along a ray (world space);
    glass is looked through, as the client does."""
    graph = w.graph
    matrices = graph.world_matrices()
    visible = graph.effective_visibility()
    best = (np.inf, "")
    for i, name in enumerate(graph.names):
        mesh = graph.meshes[i]
        if mesh is None or not visible[i] or graph.materials[i].tint[3] < 0.99:
            continue
        m = matrices[i]
        tri = (mesh.positions @ m[:3, :3].T + m[:3, 3])[mesh.indices.reshape(-1, 3)]
        e1, e2 = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
        h = np.cross(direction, e2)
        a = (e1 * h).sum(1)
        ok = np.abs(a) > 1e-9
        f = np.where(ok, 1.0 / np.where(ok, a, 1.0), 0.0)
        s = origin - tri[:, 0]
        u = f * (s * h).sum(1)
        q = np.cross(s, e1)
        v = f * (q * direction).sum(1)
        t = f * (e2 * q).sum(1)
        hit = ok & (u >= 0) & (v >= 0) & (u + v <= 1) & (t > 1e-4)
        if hit.any() and float(t[hit].min()) < best[0]:
            best = (float(t[hit].min()), name)
    return best


def below_the_eyes(w: World, ahead: float = 0.0) -> tuple[float, str]:
    """What is straight below a point ``ahead`` metres in front of the client's eyes."""
    x, y, z = w.stand_point
    eye = np.array([x, y + w.draw_list().eye_height, z - ahead])
    return first_opaque_hit(w, eye, np.array([0.0, -1.0, 0.0]))


def ground_distance(view: tuple[HeadlessDisplay, Renderer], w: World, pitch: float) -> float:
    """Median distance of what lies more than 4 m away (the ground below, not the rail)."""
    display, _ = view
    _, distance = shot(view, w, pitch)
    beyond = distance[(distance > 4.0) & (distance < display.far * 0.9)]
    assert beyond.size > 500
    return float(np.median(beyond))


def test_balcony_floor_30_looks_down_farther_than_floor_10(
    view: tuple[HeadlessDisplay, Renderer],
) -> None:
    d10 = ground_distance(view, built("heights.balcony", "floor_10"), -60)
    d30 = ground_distance(view, built("heights.balcony", "floor_30"), -60)
    assert d30 > 2.2 * d10, (d10, d30)  # 30 m vs 90 m below


def test_atrium_floors_put_the_lobby_farther_below(
    view: tuple[HeadlessDisplay, Renderer],
) -> None:
    levels = ("floor_2", "floor_4", "floor_8_no_barrier", "floor_10_no_barrier")
    heights = [built("heights.atrium", lv).stand_point[1] for lv in levels]
    assert heights == [4.0, 12.0, 28.0, 36.0]
    display, _ = view
    farthest = []
    for lv in levels[:3]:  # looking down over the edge: the lobby and lower galleries
        _, distance = shot(view, built("heights.atrium", lv), -85)
        farthest.append(float(np.percentile(distance[distance < display.far * 0.9], 99)))
    assert all(b > a * 1.5 for a, b in itertools.pairwise(farthest)), farthest
    # just past the edge in front of the client: the lobby, as far down as the floor is high
    for lv, height in zip(levels, heights, strict=True):
        drop, what = below_the_eyes(built("heights.atrium", lv), ahead=1.0)
        assert what == "atrium/lobby_floor" and drop == pytest.approx(height + 1.6, abs=0.1)


def test_atrium_barrier_lowers_and_platform_reaches_over_the_drop() -> None:
    def node_top(w: World, name: str) -> float | None:
        if name not in w.node_names:
            return None
        i = w.graph.index(name)
        mesh = w.graph.meshes[i]
        assert mesh is not None
        return float((mesh.positions[:, 1]).max() + w.world_matrix(name)[1, 3])

    high = built("heights.atrium", "floor_4")
    low = built("heights.atrium", "floor_6_barrier_lowered")
    gone = built("heights.atrium", "floor_8_no_barrier")
    assert node_top(high, "atrium/task/barrier") == pytest.approx(12 + 1.1 + 0.03, abs=0.05)
    assert node_top(low, "atrium/task/barrier") == pytest.approx(20 + 0.5 + 0.03, abs=0.05)
    assert node_top(gone, "atrium/task/barrier") is None
    edge = 6.0  # half the void's depth: where the gallery ends
    gallery = built("heights.atrium", "floor_10_no_barrier")
    assert below_the_eyes(gallery)[1] == "atrium/galleries"  # on the gallery floor
    out = built("heights.atrium", "floor_10_platform_3m")
    assert out.stand_point[2] == pytest.approx(edge - 2.6)  # 2.6 m out over the void
    assert below_the_eyes(out) == (pytest.approx(1.6, abs=0.05), "atrium/task/platform")
    # half a metre beyond the platform's end, and beside it: nothing until the lobby
    assert below_the_eyes(out, ahead=0.5) == (pytest.approx(37.6, abs=0.1), "atrium/lobby_floor")
    walk = built("heights.atrium", "floor_10_walkway_open")
    assert below_the_eyes(walk, ahead=4.0)[1] == "atrium/task/walkway"


def test_glass_elevator_floors_10_and_20_differ(view: tuple[HeadlessDisplay, Renderer]) -> None:
    w10, w20 = (
        built("heights.glass_elevator", "floor_10"),
        built("heights.glass_elevator", "floor_20"),
    )
    assert w20.stand_point[1] - w10.stand_point[1] == pytest.approx(36.0)
    a, _ = shot(view, w10, -10)
    b, _ = shot(view, w20, -10)
    assert differing(a, b) > 0.15  # the galleries change colour every ten floors


def test_glass_elevator_glass_floor_shows_the_drop(view: tuple[HeadlessDisplay, Renderer]) -> None:
    solid = built("heights.glass_elevator", "floor_49")
    glass = built("heights.glass_elevator", "floor_49_glass_floor")
    assert below_the_eyes(solid) == (pytest.approx(1.6, abs=0.05), "car/cabin/frame")
    # through the glass floor: the lobby 172.8 m below the cabin floor
    assert below_the_eyes(glass) == (pytest.approx(174.4, abs=0.1), "atrium/lobby_floor")
    a, _ = shot(view, solid, -89)
    b, _ = shot(view, glass, -89)
    assert differing(a, b) > 0.2


def test_glass_elevator_rides_by_the_clock() -> None:
    ride = built("heights.glass_elevator", "ride_10_20")
    heights = []
    for t in (0.0, 12.5, 25.0, 47.5, 75.0, 100.0):
        ride.advance(t)
        heights.append(round(ride.stand_point[1], 2))
    # waits at the lobby, climbs, stops at floor 10, floor 20, comes back down
    assert heights == [0.0, 16.2, 32.4, 68.4, 32.4, 0.0]


def at_floor(level: str, floor: int) -> World:
    """The glass elevator at ``level``'s values, sent to ``floor``."""
    spec = stock("heights.glass_elevator")
    values = dict(parameter_values(spec, level_intensity(spec, level)), floor=floor)
    return world.build_world(spec, values, seed=1)


def ride(
    frm: World, to: World, t0: float, t1: float, dt: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """The client's floor height (what the renderer is given) and the car's vertical
    speed from ``t0`` to ``t1`` after ``to`` takes over from ``frm`` at ``t0`` (as the
    render loop does when the therapist picks another floor)."""
    frm.advance(t0)
    to.continue_rides(frm, t0)
    heights, speeds = [], []
    for t in np.arange(t0, t1, dt):
        to.advance(float(t))
        heights.append(to.draw_list().standing_height)
        speeds.append(to.ride_states()["car"][1][1])
    return np.array(heights), np.array(speeds)


def test_glass_elevator_rides_to_the_chosen_floor_and_the_view_follows() -> None:
    dt = 0.05
    up, speed = ride(at_floor("floor_10", 10), at_floor("floor_10", 20), 5.0, 50.0, dt)
    assert up[0] == pytest.approx(32.4) and up[-1] == pytest.approx(68.4)  # floor 10 -> 20
    assert np.all(np.diff(up) >= -1e-4)  # straight up
    assert np.abs(np.diff(up) - speed[:-1] * dt).max() < 0.4 * dt**2  # the view follows, no jump
    assert speed.max() == pytest.approx(2.0)  # a tall building's glass lift: 2 m/s
    assert np.abs(np.diff(speed) / dt).max() <= 0.4 + 1e-9  # gentle: 0.4 m/s^2 at most
    arrived = 5.0 + int(np.argmax(up >= 68.4 - 1e-3)) * dt
    assert arrived == pytest.approx(5.0 + 36.0 / 2.0 + 2.0 / 0.4, abs=0.1)  # 23 s

    # sent back down to floor 5 half way up: it slows, turns and goes down, no jolt
    going = at_floor("floor_10", 20)
    going.continue_rides(at_floor("floor_10", 10), 5.0)
    back, speed = ride(going, at_floor("floor_10", 5), 20.0, 80.0, dt)
    going.advance(20.0)
    assert back[0] == pytest.approx(going.draw_list().standing_height)
    assert speed[0] == pytest.approx(2.0)  # carries on at the speed it had
    assert back[-1] == pytest.approx(14.4)
    assert np.abs(np.diff(speed) / dt).max() <= 0.4 + 1e-9
    assert np.abs(np.diff(back) - speed[:-1] * dt).max() < 0.4 * dt**2


def test_glass_elevator_a_new_scenario_starts_at_its_floor() -> None:
    car = at_floor("floor_10", 20)
    car.continue_rides(built("heights.balcony", "floor_10"), 3.0)
    car.advance(3.0)
    assert car.draw_list().standing_height == pytest.approx(68.4)


def test_glass_elevator_the_drop_through_the_glass_floor_grows_with_the_floor(
    view: tuple[HeadlessDisplay, Renderer],
) -> None:
    drops = []
    for floor in (3, 10, 20):
        _, distance = shot(view, at_floor("floor_49_glass_floor", floor), -89)
        h, w = distance.shape
        drops.append(float(np.median(distance[h // 2 - 5 : h // 2 + 5, w // 2 - 5 : w // 2 + 5])))
    # straight down through the glass: the lobby floor, 1.6 m + the floor's height below
    assert drops == pytest.approx([7.2 + 1.6, 32.4 + 1.6, 68.4 + 1.6], abs=0.5)


def test_bridges_at_7_m_and_50_m_clearly_differ(view: tuple[HeadlessDisplay, Renderer]) -> None:
    low, high = built("heights.bridges", "solid_7m"), built("heights.bridges", "solid_50m")
    a, _ = shot(view, low, -60)
    b, _ = shot(view, high, -60)
    assert differing(a, b) > 0.35
    d_low = ground_distance(view, low, -60)
    d_high = ground_distance(view, high, -60)
    assert d_high > 3.0 * d_low, (d_low, d_high)


def test_the_rope_bridge_gaps_show_the_river_far_below(
    view: tuple[HeadlessDisplay, Renderer],
) -> None:
    _display, _ = view
    _, solid = shot(view, built("heights.bridges", "solid_50m"), -89)
    _, rope = shot(view, built("heights.bridges", "rope_80m_gaps_sway"), -89)
    under = (slice(SIZE[1] // 2 - 10, SIZE[1] // 2 + 10), slice(SIZE[0] // 2 - 6, SIZE[0] // 2 + 6))
    assert float((solid[under] > 20).mean()) == 0.0  # the concrete deck hides the drop
    assert float((rope[under] > 60).mean()) > 0.2  # between the slats: 80 m down


def test_the_rope_bridge_sways() -> None:
    w = built("heights.bridges", "rope_80m_gaps_sway")
    w.advance(0.0)
    a = w.world_matrix("bridge/deck").copy()
    w.advance(0.8)
    assert not np.allclose(a, w.world_matrix("bridge/deck"))


def test_small_room_levels_close_in_and_darken(view: tuple[HeadlessDisplay, Renderer]) -> None:
    spec = stock("enclosed.small_room")
    closed = [lv for lv in spec.level_names if lv != "office_door_open"]
    walls, brightness = [], []
    for level in closed:
        image, distance = shot(view, built("enclosed.small_room", level), 0)
        walls.append(float(np.median(distance)))
        brightness.append(float(image.mean()))
    assert all(b < a for a, b in itertools.pairwise(walls)), walls
    assert walls[0] > 2.2 and walls[-1] < 1.0
    # light 1 -> 0.15: walls at about a third of the light (linear), ~0.6 in sRGB mean
    assert brightness[-1] < 0.7 * brightness[0], brightness


def test_elevator_doors_close_the_car_shrinks_and_the_light_flickers(
    view: tuple[HeadlessDisplay, Renderer],
) -> None:
    def front(level: str, t: float = 0.0) -> tuple[U8, float]:
        image, distance = shot(view, built("enclosed.elevator", level), 0, t)
        middle = distance[SIZE[1] // 3 : 2 * SIZE[1] // 3, SIZE[0] // 3 : 2 * SIZE[0] // 3]
        return image, float(np.median(middle))

    _, open_ = front("large_doors_open")
    _, closed = front("large_doors_closed")
    _, small = front("small_doors_closed")
    assert open_ > 3.0  # through the doors into the lobby
    assert closed < 1.4 and small < closed - 0.3, (closed, small)
    _, stuck = front("stuck_between_floors")
    assert stuck < 1.3  # the open doors show shaft wall just outside, not a lobby
    w = built("enclosed.elevator", "stuck_doors_closed_flicker")
    (flicker,) = [b.animator for b in w._bound if b.animator.paths == ("ceiling_light",)]
    lit = next(t / 12 for t in range(240) if flicker.lit(t / 12))  # type: ignore[attr-defined]
    dark = next(t / 12 for t in range(240) if not flicker.lit(t / 12))  # type: ignore[attr-defined]
    bright, _ = shot(view, w, 60, lit)
    dim, _ = shot(view, w, 60, dark)
    assert bright.mean() > dim.mean() + 5


def test_small_room_furniture_follows_the_walls_as_the_room_shrinks() -> None:
    spec = stock("enclosed.small_room")
    for level in spec.levels:
        size = float(level.values["size"])
        w = built("enclosed.small_room", level.name)
        front = -0.7 * size  # the front wall's inner face
        picture = w.world_matrix("picture")[:3, 3]
        assert front < picture[2] < front + 0.05, (level.name, picture)
        chair = w.world_matrix("chair")[:3, 3]
        assert -size / 2 < chair[0] < 0 and front < chair[2] < 0, (level.name, chair)
        switch = w.world_matrix("switch")[:3, 3]
        assert switch[0] == pytest.approx(size / 2 - 0.01, abs=0.01)
