"""Scenes for the render commands: library scenarios at a level or intensity, and the
reference scenes ``vrtherapy bench`` measures. Errors are :class:`RenderCommandError`
with a one-line message."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from vrtherapy.authoring import (
    AuthoringError,
    Library,
    ScenarioSpec,
    load_library,
    parameter_values,
)
from vrtherapy.authoring.intensity import ParameterError, level_intensity
from vrtherapy.authoring.library import LibraryFolderError, library_folders
from vrtherapy.authoring.stock import assets_dir

if TYPE_CHECKING:  # the world (numpy, trimesh, scipy) loads only when a scene is built
    from vrtherapy.world.types import DrawList


class RenderCommandError(Exception):
    """Something the person running the command can fix; the message is one line."""


class WorldLike(Protocol):
    """What the render commands use of ``vrtherapy.world.World``."""

    def advance(self, t: float) -> None: ...

    def draw_list(self) -> DrawList: ...


@dataclass(frozen=True)
class Found:
    """A scenario and the folders its assets are looked up in."""

    spec: ScenarioSpec
    asset_dirs: tuple[Path, ...]


def library_scenario(
    scenario_id: str, libraries: Sequence[Path] = (), user_library: Path | None = None
) -> Found:
    """A scenario from the stock files or the clinic library folders."""
    try:
        folders = library_folders(libraries, user_library=user_library)
        lib = load_library(libraries=folders)
    except LibraryFolderError as exc:
        raise RenderCommandError(str(exc)) from None
    except AuthoringError as exc:
        first = str(exc.problems[0]) if exc.problems else str(exc)
        raise RenderCommandError(
            f"the library does not load: {first} (run `vrtherapy validate` for every problem)"
        ) from None
    try:
        return Found(lib.scenario(scenario_id), lib.asset_dirs(scenario_id))
    except KeyError as exc:
        raise RenderCommandError(str(exc.args[0])) from None


def stock_library() -> Library:
    """The stock files' library (for commands over a whole family)."""
    try:
        return load_library()
    except AuthoringError as exc:
        first = str(exc.problems[0]) if exc.problems else str(exc)
        raise RenderCommandError(f"the stock library does not load: {first}") from None


def stock_scenario(scenario_id: str) -> ScenarioSpec:
    return library_scenario(scenario_id).spec


def scenario_values(
    spec: ScenarioSpec, level: str | None, intensity: float | None
) -> tuple[dict[str, Any], str]:
    """Parameter values at a named level or an intensity (default: the first level)."""
    try:
        if level is not None:
            at = level_intensity(spec, level)
            label = f"level {level}"
        elif intensity is not None:
            at, label = intensity, f"intensity {intensity:g}"
        else:
            level = spec.levels[0].name
            at, label = level_intensity(spec, level), f"level {level}"
        return dict(parameter_values(spec, at)), label
    except ParameterError as exc:
        names = ", ".join(spec.level_names)
        hint = f" (levels: {names})" if level is not None else ""
        raise RenderCommandError(f"{exc}{hint}") from None


def build(
    spec: ScenarioSpec,
    values: dict[str, Any],
    seed: int = 0,
    asset_dirs: Sequence[Path] | None = None,
) -> WorldLike:
    """The world of ``spec`` at ``values``, through ``vrtherapy.world.build_world``
    (assets from ``asset_dirs``, default the stock assets folder)."""
    try:
        from vrtherapy.world import build_world
    except ImportError as exc:
        raise RenderCommandError(
            f"the scene builder (vrtherapy.world.build_world) is not available: {exc}"
        ) from None
    try:
        world: WorldLike = build_world(
            spec, values, seed=seed, asset_dirs=asset_dirs or [assets_dir()]
        )
    except Exception as exc:  # a builder bug must not end in a traceback for the user
        raise RenderCommandError(f"could not build scenario '{spec.id}': {exc}") from None
    return world


def audience_scenario(size: int) -> ScenarioSpec:
    """A public-speaking hall: the client at a lectern facing ``size`` seated people."""
    rows = 4 if size > 20 else 2
    return ScenarioSpec.model_validate(
        {
            "id": f"bench.audience_{size}",
            "title": f"Talk to an audience of {size}",
            "family": "public_speaking",
            "levels": [{"name": "only"}],
            "environment": {"sky": "indoor", "lighting": "indoor_cool"},
            "objects": [
                {
                    "name": "hall",
                    "procedural": "room",
                    "args": {"width": 16, "depth": 14, "height": 4, "windows": 4},
                    "transform": {"position": [0, 0, 0]},
                },
                {"name": "lectern", "procedural": "podium", "args": {"height": 1.1},
                 "transform": {"position": [0, 0, -0.6]}},
                {
                    "name": "audience",
                    "procedural": "audience",
                    "args": {"size": size, "rows": rows, "attitude": "neutral", "seed": 7},
                    "transform": {"position": [0, 0, -4]},
                },
            ],
        }
    )  # fmt: skip


@dataclass(frozen=True)
class BenchScene:
    name: str
    make: Callable[[], WorldLike]


def tallest_level(spec: ScenarioSpec, parameter: str = "height") -> str:
    """The last of the levels with the greatest value of ``parameter``."""

    def value(values: dict[str, Any]) -> float:
        v = values.get(parameter, 0.0)
        return float(v) if isinstance(v, int | float) else 0.0

    best = max(value(lv.values) for lv in spec.levels)
    return [lv.name for lv in spec.levels if value(lv.values) == best][-1]


def reference_scenes() -> list[BenchScene]:
    def audience(n: int) -> Callable[[], WorldLike]:
        return lambda: build(audience_scenario(n), {})

    def stock(scenario_id: str, level: Callable[[ScenarioSpec], str]) -> Callable[[], WorldLike]:
        def make() -> WorldLike:
            spec = stock_scenario(scenario_id)
            values, _ = scenario_values(spec, level(spec), None)
            return build(spec, values)

        return make

    def named(level: str) -> Callable[[ScenarioSpec], str]:
        return lambda _spec: level

    return [
        BenchScene("audience of 15", audience(15)),
        BenchScene("audience of 60", audience(60)),
        BenchScene("heights.balcony, tallest", stock("heights.balcony", tallest_level)),
        # the heaviest level of each other stock heights and enclosed scenario
        BenchScene(
            "heights.atrium, walkway", stock("heights.atrium", named("floor_10_walkway_rails"))
        ),
        BenchScene(
            "heights.glass_elevator, top",
            stock("heights.glass_elevator", named("floor_49_glass_floor")),
        ),
        BenchScene("heights.bridges, rope", stock("heights.bridges", named("rope_80m_gaps_sway"))),
        BenchScene(
            "enclosed.elevator, people",
            stock("enclosed.elevator", named("small_with_two_people")),
        ),
        # the heaviest level of each spiders, flying, public-speaking and everyday-place scene
        BenchScene("spiders.kitchen, several", stock("spiders.kitchen", named("several"))),
        BenchScene("flying.gate, boarding", stock("flying.gate", named("boarding_called"))),
        BenchScene("flying.cabin, turbulence", stock("flying.cabin", named("turbulence_severe"))),
        BenchScene(
            "lecture_hall, 60 bored",
            stock("public_speaking.lecture_hall", named("sixty_bored")),
        ),
        BenchScene(
            "meeting_room, 8 hostile",
            stock("public_speaking.meeting_room", named("eight_hostile")),
        ),
        BenchScene("social.cafe, asked", stock("social.cafe", named("asked"))),
        BenchScene("social.pub, asked", stock("social.pub", named("asked"))),
        BenchScene("waiting_room, asked", stock("agoraphobia.waiting_room", named("asked"))),
        BenchScene("bus, asked", stock("agoraphobia.bus", named("asked"))),
        BenchScene("shop_queue, asked", stock("agoraphobia.shop_queue", named("asked"))),
        BenchScene("street, asked", stock("agoraphobia.street", named("asked"))),
        BenchScene("calm.room", stock("calm.room", lambda s: s.levels[0].name)),
    ]
