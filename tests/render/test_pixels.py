"""Real pixels: colours land where they should, sRGB is right, fades reach black."""

from __future__ import annotations

import numpy as np

from tests.gl_support import box, draw, item, mask_of, scene
from vrtherapy.display.headless import HeadlessDisplay
from vrtherapy.render import Renderer
from vrtherapy.render.srgb import linear_to_srgb, srgb_to_linear
from vrtherapy.world.types import EnvironmentLook

RED = (0.8, 0.05, 0.05, 1.0)
NO_FOG_GREY_SKY = EnvironmentLook(
    sky_zenith=(0.3, 0.3, 0.3), sky_horizon=(0.3, 0.3, 0.3), ground_ambient=(0.3, 0.3, 0.3)
)


def test_a_red_box_in_front_shows_red_in_the_middle_and_sky_around(
    display: HeadlessDisplay, renderer: Renderer
) -> None:
    dl = scene(item(box((0.6, 0.6, 0.6), RED), 0.0, 1.6, -2.0))
    left, right = draw(display, renderer, dl)
    h, w, _ = left.shape
    for image in (left, right):
        centre = image[h // 2 - 3 : h // 2 + 3, w // 2 - 3 : w // 2 + 3].reshape(-1, 3).mean(0)
        assert centre[0] > 2 * centre[1] and centre[0] > 2 * centre[2], centre
        assert centre[0] > 60
        top = image[2, w // 2].astype(int)  # looking at the sky: blue above
        assert top[2] > top[0] and top[2] > 150
    red = (left[..., 0] > 2 * left[..., 1].astype(int)) & (left[..., 0] > 60)
    ys, xs = np.nonzero(red)
    # 0.6 m at 2 m with a 95 degree horizontal field of view: ~16 % of the width.
    width_fraction = (xs.max() - xs.min() + 1) / w
    assert 0.12 < width_fraction < 0.22, width_fraction
    assert abs(ys.mean() - h / 2) < 4 and abs(xs.mean() - w / 2) < 6


def test_mid_grey_is_stored_as_srgb_128(display: HeadlessDisplay, renderer: Renderer) -> None:
    """A self-lit surface of linear 0.2158 (= sRGB 128/255) must read back as 128, both
    with GL_FRAMEBUFFER_SRGB and with the encoding done in the shader."""
    grey = float(srgb_to_linear(128 / 255))
    dl = scene(
        item(box((4, 4, 0.1), (grey, grey, grey, 1.0)), 0.0, 1.6, -1.0, emissive=1.0),
        env=NO_FOG_GREY_SKY,
    )
    for encode in (False, True):
        renderer.encode_srgb = encode
        try:
            left, _ = draw(display, renderer, dl)
        finally:
            renderer.encode_srgb = False
        h, w, _ = left.shape
        values = left[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4]
        assert np.all(np.abs(values.astype(int) - 128) <= 1), (encode, np.unique(values))
    assert round(float(linear_to_srgb(grey)) * 255) == 128


def test_blackout_is_black_whatever_the_scene(display: HeadlessDisplay, renderer: Renderer) -> None:
    bright = scene(item(box((4, 4, 0.1), (1, 1, 1, 1)), 0.0, 1.6, -1.0, emissive=1.0))
    for image in draw(display, renderer, bright, fade=1.0):
        assert image.max() == 0
    assert renderer.last_frame_stats.draw_calls == 0


def test_half_fade_halves_linear_light(display: HeadlessDisplay, renderer: Renderer) -> None:
    white = scene(item(box((4, 4, 0.1), (1, 1, 1, 1)), 0.0, 1.6, -1.0, emissive=1.0))
    full = draw(display, renderer, white)[0]
    half = draw(display, renderer, white, fade=0.5)[0]
    h, w, _ = full.shape
    assert full[h // 2, w // 2].min() >= 254
    expected = round(float(linear_to_srgb(0.5)) * 255)  # 188
    assert abs(int(half[h // 2, w // 2, 0]) - expected) <= 1


def test_glass_is_drawn_over_what_is_behind_it(
    display: HeadlessDisplay, renderer: Renderer
) -> None:
    red_wall = item(box((3, 3, 0.1), RED), 0.0, 1.6, -3.0, emissive=1.0)
    blue_glass = item(box((1, 1, 0.02), (0.0, 0.0, 1.0, 1.0)), 0, 1.6, -1.5, (1, 1, 1, 0.5),
                      emissive=1.0)  # fmt: skip
    # Listed before the wall: the renderer must still draw it after the opaque wall.
    left = draw(display, renderer, scene(blue_glass, red_wall))[0]
    h, w, _ = left.shape
    mixed = left[h // 2, w // 2].astype(int)
    assert mixed[0] > 100 and mixed[2] > 100, mixed  # half red, half blue
    assert renderer.last_frame_stats.draw_calls == 2 * 3  # per eye: wall, sky, glass
    edge = left[h // 2, w // 2 + w // 5].astype(int)  # beside the glass: the red wall only
    assert abs(edge - (231, 63, 63)).max() <= 2, edge


def test_glass_panes_are_sorted_back_to_front(display: HeadlessDisplay, renderer: Renderer) -> None:
    pane = box((1, 1, 0.02), (1, 1, 1, 1))
    near_green = item(pane, 0, 1.6, -1.0, (0, 1, 0, 0.7), emissive=1.0)
    far_red = item(pane, 0, 1.6, -2.0, (1, 0, 0, 0.7), emissive=1.0)
    a = draw(display, renderer, scene(near_green, far_red))[0]
    b = draw(display, renderer, scene(far_red, near_green))[0]
    assert np.array_equal(a, b)
    h, w, _ = a.shape
    r, g, _ = a[h // 2, w // 2].astype(int)
    assert g > r  # the near green pane blends over the far red one


def test_fog_pulls_distant_objects_to_the_fog_colour(
    display: HeadlessDisplay, renderer: Renderer
) -> None:
    fog = EnvironmentLook(fog_density=0.05, fog_color=(0.5, 0.5, 0.5))
    wall = item(box((200, 200, 0.1), RED), 0.0, 1.6, -60.0, emissive=1.0)
    clear = draw(display, renderer, scene(wall))[0]
    foggy = draw(display, renderer, scene(wall, env=fog))[0]
    h, w, _ = clear.shape
    assert mask_of(clear, (231, 63, 63), 20)[h // 2, w // 2]  # sRGB of linear 0.8 / 0.05
    r, g, b = foggy[h // 2, w // 2].astype(int)
    assert abs(r - g) < 30 and abs(g - b) < 5  # exp(-3) = 5 % of the red left
