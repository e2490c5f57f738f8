"""``vrtherapy snapshot --contact-sheet FAMILY``: every level of every stock scenario of
a family in one PNG, one row per scenario, labelled, so a reviewer can see at a glance
that the levels look like the place and grow in the promised direction.

The layout (``sheet``) is pure: it takes the rendered tiles and their labels. The
rendering (``render_family``) opens one headless display and renderer for all tiles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from vrtherapy.cli.render_scenes import RenderCommandError, build, scenario_values

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from vrtherapy.authoring import ScenarioSpec
    from vrtherapy.display.headless import HeadlessDisplay
    from vrtherapy.render import Renderer
    from vrtherapy.render.views import View
    from vrtherapy.world.types import DrawList, ShadowQuality

# where a client of each family looks: down over the edge for heights, ahead otherwise
FAMILY_PITCH = {"heights": -55.0, "spiders": -35.0}
# ... and sideways: towards the window seat's window in the cabin (yaw > 0: left), and
# back over the left shoulder at the queue behind the client at the counter
SCENARIO_YAW = {"flying.cabin": 55.0, "social.counter_order": 160.0}
LABEL_HEIGHT = 34
MARGIN = 6


@dataclass(frozen=True)
class Tile:
    image: npt.NDArray[np.uint8]  # (H, W, 3)
    title: str  # the level's title (or name)
    scenario: str  # the scenario id


def family_scenarios(family: str, scenarios: Sequence[ScenarioSpec]) -> list[ScenarioSpec]:
    """The scenarios of ``family``, by id; an unknown or empty family is an error."""
    mine = sorted((s for s in scenarios if s.family == family), key=lambda s: s.id)
    if not mine:
        known = sorted({s.family for s in scenarios})
        raise RenderCommandError(
            f"no stock scenario has family '{family}' (families: {', '.join(known)})"
        )
    return mine


def render_family(
    display: HeadlessDisplay,
    specs: Sequence[ScenarioSpec],
    pitch: float | None,
    at_time: float,
    shadows: ShadowQuality = "medium",
) -> list[list[Tile]]:
    """One row of tiles per scenario, one tile per level, rendered on ``display``."""
    from vrtherapy.display.headless import HeadPose
    from vrtherapy.render import Renderer

    renderer = Renderer(shadow_quality=shadows)
    rows: list[list[Tile]] = []
    try:
        for spec in specs:
            row = []
            look = FAMILY_PITCH.get(spec.family, 0.0) if pitch is None else pitch
            for level in spec.levels:
                values, _ = scenario_values(spec, level.name, None)
                world = build(spec, values)
                world.advance(at_time)
                dl = world.draw_list()
                display.head = HeadPose(
                    eye_height=dl.eye_height,
                    pitch_degrees=look,
                    yaw_degrees=SCENARIO_YAW.get(spec.id, 0.0),
                )
                display.frame(partial(_draw, renderer, dl))
                row.append(Tile(display.read_pixels(0), level.title or level.name, spec.id))
            rows.append(row)
    finally:
        renderer.release()
    return rows


def _draw(renderer: Renderer, draw_list: DrawList, views: Sequence[View], t: float) -> None:
    from vrtherapy.render.overlay import NO_OVERLAY

    renderer.render(views, draw_list, NO_OVERLAY, 0.0, t)


def sheet(rows: Sequence[Sequence[Tile]], heading: str) -> npt.NDArray[np.uint8]:
    """The tiles laid out in rows (one per scenario), each with its level title below it
    and the scenario id at the start of its row; ``heading`` across the top."""
    import numpy as np
    from PIL import Image, ImageDraw

    from vrtherapy.render.text import load_font  # DejaVu: "Quiet café", not "Quiet caf□"

    th, tw = rows[0][0].image.shape[:2]
    cols = max(len(r) for r in rows)
    row_h = th + LABEL_HEIGHT + MARGIN
    top = LABEL_HEIGHT
    out = Image.new(
        "RGB", (MARGIN + cols * (tw + MARGIN), top + len(rows) * (row_h + 18)), (24, 24, 24)
    )
    draw = ImageDraw.Draw(out)
    font = load_font(14)
    small = load_font(12)
    draw.text((MARGIN, 8), heading, fill=(240, 240, 240), font=font)
    y = top
    for row in rows:
        draw.text((MARGIN, y), row[0].scenario, fill=(255, 210, 120), font=font)
        y += 18
        for c, tile in enumerate(row):
            x = MARGIN + c * (tw + MARGIN)
            out.paste(Image.fromarray(tile.image), (x, y))
            for k, line in enumerate(_wrap(f"{c + 1}. {tile.title}", draw, small, tw)[:2]):
                draw.text((x, y + th + 2 + 14 * k), line, fill=(220, 220, 220), font=small)
        y += row_h
    return np.asarray(out)


def _wrap(text: str, draw: object, font: object, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        trial = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(trial, font=font) <= width:  # type: ignore[attr-defined]
            lines[-1] = trial
        else:
            lines.append(word)
    return lines
