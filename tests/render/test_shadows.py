"""The sun's shadow map: a caster darkens the ground where the sun says and nowhere
else, a flat lit floor has no acne, shadows off darken nothing; the light box is stable."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from tests.gl_support import box, item, scene
from vrtherapy.display.headless import HeadlessDisplay, HeadPose
from vrtherapy.render import Renderer, View
from vrtherapy.render.shadows import MIN_RADIUS, fitted_radius, light_box
from vrtherapy.world.transforms import translate
from vrtherapy.world.types import DrawList, EnvironmentLook

GREY = (0.5, 0.5, 0.5, 1.0)
# light travels along +x and down at 45 degrees: a 1 m cube's shadow reaches 1 m to +x
SUN_45 = EnvironmentLook(sun_direction=(1.0, -1.0, 0.0), fog_density=0.0, shadows=True)
OVERHEAD = HeadPose(eye_height=5.0, pitch_degrees=-90.0)


def floor() -> object:
    """A flat 200 m floor, its top at y = 0; rough (no highlight), so lit evenly."""
    return item(box((200.0, 0.2, 200.0), GREY), 0.0, -0.1, 0.0, roughness=1.0)


def caster_scene(env: EnvironmentLook = SUN_45) -> DrawList:
    cube = item(box((1.0, 1.0, 1.0), (0.6, 0.2, 0.2, 1.0)), 0.0, 0.5, 0.0, roughness=1.0)
    return scene(floor(), cube, env=env)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def display() -> Iterator[HeadlessDisplay]:
    from tests.gl_support import headless

    with headless((200, 200)) as d:
        yield d


def render(
    display: HeadlessDisplay, renderer: Renderer, dl: DrawList, head: HeadPose = OVERHEAD
) -> tuple[np.ndarray, View]:
    display.head = head
    seen: list[View] = []

    def frame(views: Sequence[View], t: float) -> None:
        seen.extend(views)
        renderer.render(views, dl, time=t)

    display.frame(frame)
    return display.read_pixels(0).astype(float).mean(axis=2), seen[0]


def pixel(view: View, dl: DrawList, x: float, y: float, z: float) -> tuple[int, int]:
    """Where a world point lands in the eye's image (row, column)."""
    w = view.view @ translate(0.0, -dl.standing_height, 0.0)
    clip = view.projection @ w @ np.array([x, y, z, 1.0])
    ndc = clip[:3] / clip[3]
    _, _, width, height = view.viewport
    return int((1 - ndc[1]) / 2 * height), int((ndc[0] + 1) / 2 * width)


def patch(image: np.ndarray, view: View, dl: DrawList, x: float, z: float) -> float:
    r, c = pixel(view, dl, x, 0.0, z)
    return float(image[r - 2 : r + 3, c - 2 : c + 3].mean())


def test_a_cube_shades_the_ground_down_sun_and_nowhere_else(
    display: HeadlessDisplay, renderer: Renderer
) -> None:
    dl = caster_scene()
    image, view = render(display, renderer, dl)
    # floor and cube in one multi-draw from the sun
    assert renderer.last_shadow_stats.draw_calls == 1
    assert renderer.last_shadow_stats.triangles == 24
    lit = [patch(image, view, dl, x, z) for x, z in ((-1.0, 0.0), (0.0, 1.0), (0.0, -1.0))]
    shadow = patch(image, view, dl, 1.0, 0.0)  # 1 m down sun of the cube's centre
    # right at the cube's foot (its top hides the ground to 0.62 m): no lit gap, the
    # cube does not float
    foot = patch(image, view, dl, 0.75, 0.0)
    far = patch(image, view, dl, 2.5, 0.0)  # beyond the shadow's end
    assert shadow < 0.75 * min(lit) and foot < 0.75 * min(lit), (shadow, foot, lit)
    assert max(lit) - min(lit) < 2.0 and abs(far - lit[0]) < 2.0, (lit, far)

    # shadows off, in the environment or at the renderer: the ground is lit evenly
    off_env, _ = render(
        display,
        renderer,
        caster_scene(
            EnvironmentLook(sun_direction=(1.0, -1.0, 0.0), fog_density=0.0, shadows=False)
        ),
    )
    assert renderer.last_shadow_stats.gl_calls == 0
    renderer.shadows.quality = "off"
    try:
        off_renderer, _ = render(display, renderer, dl)
    finally:
        renderer.shadows.quality = "medium"
    assert renderer.last_shadow_stats.gl_calls == 0
    for off in (off_env, off_renderer):
        assert abs(patch(off, view, dl, 1.0, 0.0) - lit[0]) < 2.0
        assert abs(patch(off, view, dl, -1.0, 0.0) - lit[0]) < 2.0


def test_the_shadow_turns_with_the_sun(display: HeadlessDisplay, renderer: Renderer) -> None:
    env = EnvironmentLook(sun_direction=(0.0, -1.0, -1.0), fog_density=0.0, shadows=True)
    dl = caster_scene(env)
    image, view = render(display, renderer, dl)
    assert patch(image, view, dl, 0.0, -1.0) < 0.75 * patch(image, view, dl, 1.0, 0.0)
    assert abs(patch(image, view, dl, 1.0, 0.0) - patch(image, view, dl, 0.0, 1.0)) < 2.0


@pytest.mark.parametrize("sun", [(1.0, -1.0, 0.0), (0.4, -1.0, 0.3), (1.0, -0.3, 0.2)])
def test_a_flat_lit_floor_has_no_shadow_acne(
    display: HeadlessDisplay, renderer: Renderer, sun: tuple[float, float, float]
) -> None:
    """The floor alone, seen at glancing angles too: with shadows it is the same picture
    as without, pixel for pixel (acne would be dark speckles or bands)."""
    env = EnvironmentLook(sun_direction=sun, fog_density=0.0, shadows=True)
    head = HeadPose(eye_height=1.7, pitch_degrees=-25.0)
    with_shadows, _ = render(display, renderer, scene(floor(), env=env), head)  # type: ignore[arg-type]
    assert renderer.last_shadow_stats.draw_calls == 1
    plain = EnvironmentLook(sun_direction=sun, fog_density=0.0, shadows=False)
    without, _ = render(display, renderer, scene(floor(), env=plain), head)  # type: ignore[arg-type]
    rows = slice(with_shadows.shape[0] // 2, None)  # below the horizon: floor only
    floor_on, floor_off = with_shadows[rows], without[rows]
    assert np.abs(floor_on - floor_off).max() <= 1.0
    assert floor_on.std() < 0.6, floor_on.std()


def test_an_elevated_floor_has_no_acne_either(display: HeadlessDisplay, renderer: Renderer) -> None:
    """A balcony 60 m up: a bigger light box, coarser texels, still no acne."""
    env = EnvironmentLook(sun_direction=(0.4, -1.0, 0.3), fog_density=0.0, shadows=True)
    slab = item(box((6.0, 0.2, 6.0), GREY), 0.0, 59.9, 0.0, roughness=1.0)
    on = scene(slab, env=env, standing_height=60.0)
    off = scene(
        slab,
        env=EnvironmentLook(sun_direction=(0.4, -1.0, 0.3), fog_density=0.0),
        standing_height=60.0,
    )
    head = HeadPose(eye_height=1.7, pitch_degrees=-60.0)
    a, _ = render(display, renderer, on, head)  # type: ignore[arg-type]
    b, _ = render(display, renderer, off, head)  # type: ignore[arg-type]
    middle = (slice(80, 200), slice(40, 160))
    assert np.abs(a[middle] - b[middle]).max() <= 1.0


def test_the_light_box_holds_the_ground_below_and_grows_in_steps() -> None:
    assert fitted_radius(0.0) == MIN_RADIUS
    assert fitted_radius(60.0) == 2 * MIN_RADIUS  # 30 m down and 40 m around: 70 m
    assert fitted_radius(173.0) == 4 * MIN_RADIUS
    for h in (0.0, 15.0, 60.0, 173.0):
        b = light_box((-0.4, -1.0, 0.3), h, 2048)
        for p in ((0.0, 0.0, 0.0), (0.0, h, 0.0), (10.0, 0.0, -10.0)):
            s = b.matrix @ np.array([*p, 1.0])
            assert np.all(s[:3] > 0.0) and np.all(s[:3] < 1.0), (h, p, s)


def test_the_light_box_moves_by_whole_texels() -> None:
    """Riding up (within one radius step) shifts the map by whole texels, so the
    shadows do not shimmer; the head is not an input at all."""
    size = 2048
    point = np.array([3.3, 0.0, -7.1, 1.0])
    first = light_box((-0.4, -1.0, 0.3), 20.0, size)
    for h in (20.37, 21.9, 23.5):
        moved = light_box((-0.4, -1.0, 0.3), h, size)
        assert moved.radius == first.radius
        shift = (moved.matrix @ point - first.matrix @ point)[:2] * size
        assert np.allclose(shift, np.round(shift), atol=1e-2), shift


def test_each_renderer_shades_with_its_own_map_when_two_share_a_context(
    display: HeadlessDisplay, renderer: Renderer
) -> None:
    """Texture bindings belong to the context, not to a renderer: a second renderer in
    the same context (``vrtherapy bench`` draws scenes side by side; a renderer made
    after another's release) binds its own shadow map. Each frame still darkens the
    ground with the map its own shadow pass drew, not the other's (nor a deleted one)."""
    dl = caster_scene()
    before, view = render(display, renderer, dl)
    shade = patch(before, view, dl, 1.0, 0.0)
    assert shade < 0.75 * patch(before, view, dl, -1.0, 0.0)
    display.make_current()
    other = Renderer()
    try:
        # its map holds no caster: sampled by mistake, the cube's shadow would vanish
        render(display, other, scene(floor(), env=SUN_45))  # type: ignore[arg-type]
        beside, _ = render(display, renderer, dl)
        assert np.array_equal(beside, before)
    finally:
        other.release()
    after, _ = render(display, renderer, dl)  # the other's map deleted: unbound
    assert np.array_equal(after, before)


def test_a_skinned_character_casts_a_shadow_down_sun(
    display: HeadlessDisplay, renderer: Renderer, tmp_path: Path
) -> None:
    """A clinic's glTF character standing in the sun shades the ground behind it as any
    object does (the test's 2 m bar, bent by its joints on the GPU): its shadow falls
    1 m down sun of it, and nowhere up sun."""
    from tests.world.skinned_files import skinned_bar
    from vrtherapy.world.character import read_character
    from vrtherapy.world.skin_animation import joint_matrices, local_pose, world_pose
    from vrtherapy.world.types import Material, SkinnedItem

    c = read_character(skinned_bar(tmp_path / "bar.glb"))
    part = c.skinned[0]
    joints = joint_matrices(part, world_pose(c.parent, local_pose(c, None, 0.0)))
    weights = np.zeros(len(part.mesh.morph_names), np.float32)
    bar = SkinnedItem(part.mesh, joints, weights, Material(roughness=1.0))
    alone = scene(floor(), env=SUN_45)  # type: ignore[arg-type]
    with_bar = DrawList(alone.items, alone.environment, skinned=(bar,))
    empty, view = render(display, renderer, alone)
    image, _ = render(display, renderer, with_bar)
    down_sun = patch(image, view, with_bar, 1.0, 0.0)  # under the bar's shadow at 1 m
    assert down_sun < 0.75 * patch(empty, view, alone, 1.0, 0.0)
    for x, z in ((-1.0, 0.0), (1.0, 0.6), (1.0, -0.6)):  # beside and up sun: lit
        assert patch(image, view, with_bar, x, z) == pytest.approx(
            patch(empty, view, alone, x, z), abs=1.0
        )
