"""In-headset panels: glyphs show up as pixels, the SUDS marker follows the value."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from tests.gl_support import box, draw, headless, item, scene
from vrtherapy.display.headless import HeadlessDisplay
from vrtherapy.render import Overlay, Renderer, SudsPanel
from vrtherapy.render.text import GlyphAtlas, default_atlas

DARK = scene(item(box((20, 20, 0.1), (0.02, 0.02, 0.02, 1)), 0, 1.6, -5.0, emissive=1.0))


@pytest.fixture(scope="module")
def big() -> Iterator[tuple[HeadlessDisplay, Renderer]]:
    """Panels need more pixels than the other tests to resolve glyphs."""
    with headless((480, 360), eyes=1) as d:
        yield d, Renderer()


def bright(image: np.ndarray) -> np.ndarray:
    return np.asarray(image.min(axis=2) > 120)


def test_subtitle_text_draws_glyph_pixels_in_the_strip(
    big: tuple[HeadlessDisplay, Renderer],
) -> None:
    display, r = big
    with_text = draw(display, r, DARK, Overlay(subtitle="Breathe slowly. You are safe here."))[0]
    without = draw(display, r, DARK)[0]
    assert bright(without).sum() == 0
    glyphs = bright(with_text)
    ys, xs = np.nonzero(glyphs)
    assert glyphs.sum() > 300
    h, w = glyphs.shape
    assert ys.min() > h / 2  # the subtitle strip hangs below eye level
    assert xs.mean() == pytest.approx(w / 2, abs=w * 0.05)  # centred
    # glyphs are separated by gaps: many light/dark transitions along a text row
    row = glyphs[int(np.median(ys))]
    assert np.count_nonzero(np.diff(row.astype(int))) > 20


def test_longer_text_draws_more_glyph_pixels(big: tuple[HeadlessDisplay, Renderer]) -> None:
    display, r = big
    short = bright(draw(display, r, DARK, Overlay(instruction="Stand still."))[0]).sum()
    long = bright(
        draw(display, r, DARK, Overlay(instruction="Stand still and look around."))[0]
    ).sum()
    assert long > 1.5 * short > 0


def marker_column(image: np.ndarray) -> float:
    """The x of the white slider marker: the widest run of near-white pixels in a column."""
    white = image.min(axis=2) > 235
    counts = white.sum(axis=0)
    return float(np.argmax(counts))


def test_suds_marker_moves_with_the_value(big: tuple[HeadlessDisplay, Renderer]) -> None:
    display, r = big
    xs = []
    for value in (0, 50, 100):
        image = draw(display, r, DARK, Overlay(suds=SudsPanel(value=value)))[0]
        xs.append(marker_column(image))
    w = display.size[0]
    assert xs[0] < xs[1] < xs[2]
    assert xs[1] == pytest.approx(w / 2, abs=4)
    assert xs[2] - xs[1] == pytest.approx(xs[1] - xs[0], abs=3)


def test_confirmed_suds_marker_turns_green(big: tuple[HeadlessDisplay, Renderer]) -> None:
    display, r = big
    image = draw(
        display, r, DARK, Overlay(suds=SudsPanel(value=70, scale_max=100, confirmed=True))
    )[0]
    g = image.astype(int)
    green = (g[..., 1] > 150) & (g[..., 1] > g[..., 0] + 60) & (g[..., 1] > g[..., 2] + 40)
    assert green.sum() > 20


def test_blackout_hides_panels_too(big: tuple[HeadlessDisplay, Renderer]) -> None:
    display, r = big
    image = draw(display, r, DARK, Overlay(suds=SudsPanel(value=40), subtitle="Hello"), fade=1.0)[0]
    assert image.max() == 0


def test_suds_panel_rejects_values_off_the_scale() -> None:
    with pytest.raises(ValueError, match="outside 0–10"):
        SudsPanel(value=11, scale_max=10)


def test_wrapping_keeps_lines_within_the_width() -> None:
    atlas: GlyphAtlas = default_atlas()
    text = "How anxious do you feel right now, from no distress to the worst imaginable?"
    lines = atlas.wrap(text, 8.0)
    assert len(lines) > 2
    assert " ".join(lines) == text
    assert all(atlas.width(line) <= 8.0 for line in lines)
    # a character the font lacks draws as '?', never as nothing
    assert atlas.glyph("\u4e00") is atlas.glyph("?")
    assert atlas.width("\u4e00") == atlas.width("?") > 0


def _blue(image: np.ndarray) -> np.ndarray:
    """Pixels of the highlighted choice row's fill (#2f6fb3)."""
    r, g, b = (image[..., i].astype(int) for i in range(3))
    return np.asarray((b > 140) & (b - r > 80) & (g > 80) & (g < 150))


def test_choice_panel_shows_each_choice_and_moves_the_highlight(
    big: tuple[HeadlessDisplay, Renderer],
) -> None:
    from vrtherapy.render import ChoicePanel

    display, r = big
    choices = ("Thank you, good morning.", "I'd rather not say.", "Could you repeat that?")
    two = bright(draw(display, r, DARK, Overlay(choices=ChoicePanel(choices[:2])))[0]).sum()
    three = bright(draw(display, r, DARK, Overlay(choices=ChoicePanel(choices)))[0]).sum()
    assert three > 1.3 * two > 0  # a row of text per choice
    rows = []
    for k in range(3):
        image = draw(display, r, DARK, Overlay(choices=ChoicePanel(choices, highlighted=k)))[0]
        ys, _ = np.nonzero(_blue(image))
        assert len(ys) > 200, f"no highlight for row {k}"
        rows.append(float(np.median(ys)))
    assert rows[0] < rows[1] < rows[2]  # the highlight moves down the rows (image y down)


def test_choice_panel_needs_choices() -> None:
    from vrtherapy.render import ChoicePanel

    with pytest.raises(ValueError):
        ChoicePanel(())
    with pytest.raises(ValueError):
        ChoicePanel(("a",), highlighted=1)
