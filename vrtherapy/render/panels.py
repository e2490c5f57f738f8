"""Geometry of the in-headset panels: coloured rectangles and glyph quads.

Everything is built on the CPU as plain triangles (position, atlas uv, linear
RGBA; 9 floats a vertex) in tracking space, only when the overlay changes, and
drawn with one draw call. A vertex with u < 0 is a plain fill.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vrtherapy.render.overlay import ChoicePanel, Overlay, PanelLayout, SudsPanel
from vrtherapy.render.srgb import hex_to_linear
from vrtherapy.render.text import GlyphAtlas, PlacedGlyph

F32 = npt.NDArray[np.float32]
RGBA = tuple[float, float, float, float]
PANEL_VERTEX_FLOATS = 9

BACKGROUND = hex_to_linear("#1d2633", 0.9)
BORDER = hex_to_linear("#6b7c93", 0.95)
TEXT = hex_to_linear("#f4f6f8")
MUTED = hex_to_linear("#b4bfcc")
TRACK_LOW = hex_to_linear("#3fae5a")
TRACK_MID = hex_to_linear("#e8c547")
TRACK_HIGH = hex_to_linear("#d9534f")
MARKER = hex_to_linear("#ffffff")
MARKER_CONFIRMED = hex_to_linear("#5fd37a")
SUBTITLE_BACKGROUND = (0.0, 0.0, 0.0, 0.7)
HIGHLIGHT = hex_to_linear("#2f6fb3", 0.95)
PAD = 0.04


@dataclass
class QuadBuilder:
    """Collects quads on a vertical plane at depth ``z`` (tracking space)."""

    z: float
    origin: tuple[float, float] = (0.0, 0.0)

    def __post_init__(self) -> None:
        self.rows: list[list[float]] = []

    def _vertex(self, x: float, y: float, u: float, v: float, c: RGBA) -> list[float]:
        return [self.origin[0] + x, self.origin[1] + y, self.z, u, v, *c]

    def rect(
        self, x0: float, y0: float, x1: float, y1: float, left: RGBA, right: RGBA | None = None
    ) -> None:
        """A filled rectangle (y up); ``right`` makes a horizontal gradient."""
        r = left if right is None else right
        a = self._vertex(x0, y0, -1.0, -1.0, left)
        b = self._vertex(x1, y0, -1.0, -1.0, r)
        c = self._vertex(x1, y1, -1.0, -1.0, r)
        d = self._vertex(x0, y1, -1.0, -1.0, left)
        self.rows += [a, b, c, a, c, d]

    def frame(self, x0: float, y0: float, x1: float, y1: float, fill: RGBA, edge: RGBA) -> None:
        e = 0.006
        self.rect(x0 - e, y0 - e, x1 + e, y1 + e, edge)
        self.rect(x0, y0, x1, y1, fill)

    def text(self, glyphs: list[PlacedGlyph], x: float, top: float, em: float, c: RGBA) -> None:
        """Glyphs laid out in em (y down) with their first line's top at ``top``."""
        for g in glyphs:
            gx0, gy0, gx1, gy1 = g.glyph.box
            u0, v0, u1, v1 = g.glyph.uv
            x0, x1 = x + (g.x + gx0) * em, x + (g.x + gx1) * em
            y0, y1 = top - (g.y + gy0) * em, top - (g.y + gy1) * em
            p = self._vertex(x0, y0, u0, v0, c)
            q = self._vertex(x1, y0, u1, v0, c)
            r = self._vertex(x1, y1, u1, v1, c)
            s = self._vertex(x0, y1, u0, v1, c)
            self.rows += [p, s, r, p, r, q]

    def array(self) -> F32:
        return np.asarray(self.rows, dtype=np.float32).reshape(-1, PANEL_VERTEX_FLOATS)


def _tick_step(scale_max: int) -> int:
    if scale_max <= 10:
        return 1
    return scale_max // 10 if scale_max % 10 == 0 else max(1, scale_max // 5)


def suds_panel(b: QuadBuilder, suds: SudsPanel, atlas: GlyphAtlas, width: float) -> None:
    """Prompt on top, then the value, the coloured scale with ticks and numbers,
    and the anchor words under its ends. Built around ``b.origin`` (panel centre)."""
    lh = atlas.line_height
    prompt_em, value_em, tick_em, label_em = 0.055, 0.06, 0.034, 0.032
    inner = width - 2 * PAD
    prompt = atlas.wrap(suds.prompt, inner / prompt_em)
    track_half = inner / 2 - 0.03
    heights = [
        len(prompt) * lh * prompt_em,
        0.02,
        value_em * lh,
        0.035,
        tick_em * lh,
        label_em * lh,
    ]
    height = sum(heights) + 2 * PAD
    top, bottom = height / 2, -height / 2
    b.frame(-width / 2, bottom, width / 2, top, BACKGROUND, BORDER)

    y = top - PAD
    b.text(atlas.layout(prompt, "center"), 0.0, y, prompt_em, TEXT)
    y -= heights[0] + heights[1]
    value_top = y
    y -= heights[2]
    track_y = y - 0.012
    b.rect(-track_half, track_y - 0.008, 0.0, track_y + 0.008, TRACK_LOW, TRACK_MID)
    b.rect(0.0, track_y - 0.008, track_half, track_y + 0.008, TRACK_MID, TRACK_HIGH)
    step = _tick_step(suds.scale_max)
    tick_top = track_y - 0.02
    for v in range(0, suds.scale_max + 1, step):
        x = -track_half + 2 * track_half * v / suds.scale_max
        b.rect(x - 0.0015, track_y - 0.016, x + 0.0015, track_y - 0.008, MUTED)
        b.text(atlas.layout([str(v)], "center"), x, tick_top, tick_em, MUTED)
    label_top = tick_top - heights[4] - 0.004
    b.text(atlas.layout([suds.low_label], "left"), -track_half, label_top, label_em, MUTED)
    b.text(atlas.layout([suds.high_label], "right"), track_half, label_top, label_em, MUTED)
    if suds.value is not None:
        x = -track_half + 2 * track_half * suds.value / suds.scale_max
        color = MARKER_CONFIRMED if suds.confirmed else MARKER
        b.rect(x - 0.011, track_y - 0.026, x + 0.011, track_y + 0.026, BACKGROUND)
        b.rect(x - 0.007, track_y - 0.022, x + 0.007, track_y + 0.022, color)
        label = f"{suds.value:.0f}" + (" ✓" if suds.confirmed else "")
        b.text(atlas.layout([label], "center"), x, value_top, value_em, color)


def choice_panel(b: QuadBuilder, panel: ChoicePanel, atlas: GlyphAtlas, width: float) -> None:
    """A heading, then one numbered row per choice; the highlighted row has a blue
    fill. Built around ``b.origin`` (panel centre)."""
    lh = atlas.line_height
    heading_em, row_em, gap = 0.045, 0.05, 0.018
    inner = width - 2 * PAD
    rows = [atlas.wrap(f"{i + 1}. {text}", (inner - 0.02) / row_em) for i, text in
            enumerate(panel.choices)]  # fmt: skip
    heights = [len(r) * lh * row_em + gap for r in rows]
    height = heading_em * lh + 0.02 + sum(heights) + 2 * PAD
    top, bottom = height / 2, -height / 2
    b.frame(-width / 2, bottom, width / 2, top, BACKGROUND, BORDER)
    y = top - PAD
    b.text(atlas.layout([panel.heading], "left"), -inner / 2, y, heading_em, MUTED)
    y -= heading_em * lh + 0.02
    for i, (lines, h) in enumerate(zip(rows, heights, strict=True)):
        if i == panel.highlighted:
            b.rect(-inner / 2, y - h + gap / 2, inner / 2, y + gap / 2, HIGHLIGHT)
        b.text(atlas.layout(lines, "left"), -inner / 2 + 0.01, y, row_em, TEXT)
        y -= h


def text_panel(
    b: QuadBuilder,
    text: str,
    atlas: GlyphAtlas,
    max_width: float,
    em: float,
    fill: RGBA,
    edge: RGBA | None,
    align: str,
) -> None:
    lines = atlas.wrap(text, (max_width - 2 * PAD) / em)
    widest = max(atlas.width(line) for line in lines) * em
    width = max_width if align == "left" else widest + 2 * PAD
    height = len(lines) * atlas.line_height * em + 2 * PAD
    x0, y0, x1, y1 = -width / 2, -height / 2, width / 2, height / 2
    if edge is None:
        b.rect(x0, y0, x1, y1, fill)
    else:
        b.frame(x0, y0, x1, y1, fill, edge)
    x = x0 + PAD if align == "left" else 0.0
    b.text(atlas.layout(lines, align), x, y1 - PAD, em, TEXT)


def build_panels(
    overlay: Overlay, atlas: GlyphAtlas, layout: PanelLayout, eye_height: float
) -> F32:
    """All panels of ``overlay`` as triangles, (n, 9) float32, in drawing order."""
    rows: list[F32] = []
    z = -layout.distance
    if overlay.instruction:
        b = QuadBuilder(z - 0.02, (0.0, eye_height + layout.instruction_offset))
        text_panel(
            b,
            overlay.instruction,
            atlas,
            layout.instruction_width,
            layout.text_size,
            BACKGROUND,
            BORDER,
            "left",
        )
        rows.append(b.array())
    if overlay.suds is not None:
        b = QuadBuilder(z, (0.0, eye_height + layout.suds_offset))
        suds_panel(b, overlay.suds, atlas, layout.suds_width)
        rows.append(b.array())
    if overlay.choices is not None:
        b = QuadBuilder(z + 0.01, (0.0, eye_height + layout.choices_offset))
        choice_panel(b, overlay.choices, atlas, layout.choices_width)
        rows.append(b.array())
    if overlay.subtitle:
        b = QuadBuilder(z + 0.02, (0.0, eye_height + layout.subtitle_offset))
        text_panel(
            b,
            overlay.subtitle,
            atlas,
            layout.subtitle_width,
            layout.text_size,
            SUBTITLE_BACKGROUND,
            None,
            "center",
        )
        rows.append(b.array())
    if not rows:
        return np.zeros((0, PANEL_VERTEX_FLOATS), dtype=np.float32)
    return np.concatenate(rows)
