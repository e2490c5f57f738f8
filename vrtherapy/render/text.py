"""Text for in-headset panels: a glyph atlas rasterised with Pillow, and line layout.

The font is DejaVu Sans from Debian's ``fonts-dejavu-core`` (listed in
scripts/system-packages.txt; it covers Latin-1, so German, French, Spanish
prompts render), else the TrueType font built into Pillow >= 10.1
(``ImageFont.load_default(size=...)``, ASCII only), so text never fails to draw.
Glyphs are rendered large (``pixel_size``) and drawn with mipmaps, so they stay
smooth at reading distance in the headset.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

CHARSET = (
    "".join(chr(c) for c in range(32, 127))
    + "".join(chr(c) for c in range(160, 256))
    + "–—‘’“”…•€✓"
)
FALLBACK = "?"
FONT_FILES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),  # Debian fonts-dejavu-core
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),  # Arch, Fedora
)


def load_font(pixel_size: int) -> ImageFont.FreeTypeFont:
    """DejaVu Sans when installed, else Pillow's built-in TrueType font."""
    for path in FONT_FILES:
        if path.is_file():
            return ImageFont.truetype(str(path), pixel_size)
    font = ImageFont.load_default(size=pixel_size)
    if not isinstance(font, ImageFont.FreeTypeFont):
        raise RuntimeError(
            "no font for panel text: install fonts-dejavu-core, or a Pillow (>= 10.1) with FreeType"
        )
    return font


def _has_glyph(font: ImageFont.FreeTypeFont, char: str, notdef: bytes) -> bool:
    if char == " ":
        return True
    mask = font.getmask(char)
    return mask.size != (0, 0) and bytes(mask) != notdef


@dataclass(frozen=True)
class Glyph:
    uv: tuple[float, float, float, float]  # u0, v0, u1, v1 in the atlas (v down)
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in em, y down from the line top


@dataclass(frozen=True)
class PlacedGlyph:
    """One glyph quad in em units: x right, y down from the top of the first line."""

    glyph: Glyph
    x: float
    y: float


class GlyphAtlas:
    """All glyphs of ``CHARSET`` in one single-channel image, plus their metrics."""

    def __init__(self, pixel_size: int = 48, padding: int = 4) -> None:
        self.pixel_size = pixel_size
        font = load_font(pixel_size)
        self.font = font
        ascent, descent = font.getmetrics()
        self.line_height = (ascent + descent) / pixel_size  # em
        self.ascent = ascent / pixel_size
        notdef = bytes(font.getmask("\ufffe"))
        chars = [c for c in CHARSET if _has_glyph(font, c, notdef)]
        boxes = {c: font.getbbox(c) for c in chars}
        cell_w = max(int(b[2] - b[0]) for b in boxes.values()) + 2 * padding
        cell_h = max(int(b[3] - b[1]) for b in boxes.values()) + 2 * padding
        columns = max(1, 2048 // cell_w)
        rows = (len(chars) + columns - 1) // columns
        width = columns * cell_w
        height = 1
        while height < rows * cell_h:
            height *= 2
        image = Image.new("L", (width, height), 0)
        draw = ImageDraw.Draw(image)
        self.glyphs: dict[str, Glyph] = {}
        for i, c in enumerate(chars):
            x0, y0, x1, y1 = boxes[c]
            cx = (i % columns) * cell_w + padding
            cy = (i // columns) * cell_h + padding
            draw.text((cx - x0, cy - y0), c, font=font, fill=255)
            self.glyphs[c] = Glyph(
                uv=(cx / width, cy / height, (cx + x1 - x0) / width, (cy + y1 - y0) / height),
                box=tuple(v / pixel_size for v in (x0, y0, x1, y1)),  # type: ignore[arg-type]
            )
        self.pixels: npt.NDArray[np.uint8] = np.asarray(image, dtype=np.uint8)

    def glyph(self, char: str) -> Glyph:
        return self.glyphs.get(char) or self.glyphs[FALLBACK]

    def _known(self, text: str) -> str:
        return "".join(c if c in self.glyphs else FALLBACK for c in text)

    def width(self, text: str) -> float:
        """Advance width of one line, in em (kerning included)."""
        return float(self.font.getlength(self._known(text))) / self.pixel_size

    def wrap(self, text: str, max_width: float) -> list[str]:
        """Break ``text`` into lines no wider than ``max_width`` em (at spaces; an
        overlong word gets a line of its own). Newlines in ``text`` are kept."""
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line = ""
            for word in paragraph.split():
                candidate = f"{line} {word}" if line else word
                if line and self.width(candidate) > max_width:
                    lines.append(line)
                    line = word
                else:
                    line = candidate
            lines.append(line)
        return lines

    def layout(self, lines: list[str], align: str = "left") -> list[PlacedGlyph]:
        """Place the glyphs of ``lines`` (align: left, center or right of x = 0)."""
        placed: list[PlacedGlyph] = []
        for row, line in enumerate(lines):
            line = self._known(line)
            width = self.width(line)
            shift = {"left": 0.0, "center": -width / 2.0, "right": -width}[align]
            y = row * self.line_height
            for i, c in enumerate(line):
                if c == " ":
                    continue
                x = float(self.font.getlength(line[:i])) / self.pixel_size + shift
                placed.append(PlacedGlyph(self.glyph(c), x, y))
        return placed


@cache
def default_atlas() -> GlyphAtlas:
    return GlyphAtlas()
