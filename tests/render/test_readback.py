"""The mirror readback: small images of an eye, at most ~15 a second, never waiting."""

from __future__ import annotations

import numpy as np

from tests.gl_support import box, draw, item, scene
from vrtherapy.display.headless import HeadlessDisplay
from vrtherapy.render import MirrorReadback, Renderer


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_mirror_returns_a_scaled_copy_of_the_eye_image(
    display: HeadlessDisplay, renderer: Renderer
) -> None:
    clock = FakeClock()
    mirror = MirrorReadback(80, 60, max_rate_hz=15.0, clock=clock)
    try:
        red_left = scene(item(box((1, 3, 0.1), (0.8, 0.0, 0.0, 1)), -0.6, 1.6, -1.0, emissive=1.0))
        eye = draw(display, renderer, red_left)[0]
        target = display.targets[0]
        assert mirror.latest() is None
        assert mirror.capture(target.resolved, target.viewport)
        image = None
        for _ in range(200):  # fences signal once llvmpipe has finished; poll, never block
            image = mirror.latest()
            if image is not None:
                break
        assert image is not None
        assert image.shape == (60, 80, 3) and image.dtype == np.uint8
        # The same picture at half size: red on the left, sky on the right.
        small = eye[::2, ::2].astype(int)
        assert np.abs(image.astype(int) - small).mean() < 12
        assert image[30, 10, 0] > 150 and image[30, 10, 2] < 40
        assert image[5, 75, 2] > image[5, 75, 0]
    finally:
        mirror.release()


def test_mirror_is_rate_limited_and_keeps_the_previous_image(
    display: HeadlessDisplay, renderer: Renderer
) -> None:
    clock = FakeClock()
    mirror = MirrorReadback(40, 30, max_rate_hz=15.0, clock=clock)
    try:
        target = display.targets[0]
        started = 0
        for frame in range(90):  # one second at 90 Hz
            clock.now = frame / 90.0
            draw(display, renderer, scene())
            started += mirror.capture(target.resolved, target.viewport)
            mirror.latest()
        assert 13 <= started <= 15
        assert mirror.completed >= started - 2
        first = mirror.latest()
        assert first is not None
        # Between captures the previous image stays available and unchanged.
        clock.now += 0.01
        assert not mirror.capture(target.resolved, target.viewport)
        assert mirror.latest() is first
    finally:
        mirror.release()
