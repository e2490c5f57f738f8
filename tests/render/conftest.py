"""One headless display and renderer per test module (EGL context creation and shader
compilation are the slow part on llvmpipe)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.gl_support import headless
from vrtherapy.display.headless import HeadlessDisplay
from vrtherapy.render import Renderer


@pytest.fixture(scope="module")
def display() -> Iterator[HeadlessDisplay]:
    with headless() as d:
        yield d


@pytest.fixture(scope="module")
def renderer(display: HeadlessDisplay) -> Iterator[Renderer]:
    display.make_current()
    r = Renderer()
    yield r
    display.make_current()
    r.release()


@pytest.fixture(autouse=True)
def _standard_pose(display: HeadlessDisplay, renderer: Renderer) -> None:
    """Every test starts with the default head pose and the instanced path."""
    from vrtherapy.display.headless import HeadPose

    display.head = HeadPose()
    renderer.instancing = True
