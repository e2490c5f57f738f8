"""`vrtherapy run --watch`: changed files are validated again; valid ones are offered
as "reload scene" and swapped in through black, problems are shown and the current
scene stays."""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.app.test_render_loop import FakeEngine
from vrtherapy.app.run import RenderLoop, RunOptions
from vrtherapy.app.watch import LibraryWatcher, ReloadFade, revalidate
from vrtherapy.authoring import Library, load_library
from vrtherapy.session.clock import ScaledClock
from vrtherapy.session.library_reload import LibraryUpdate
from vrtherapy.session.service import ServiceError, SessionService
from vrtherapy.session.store import open_store

SCENE = """\
id: clinic.block
title: A coloured block
family: custom
levels:
  - name: only
objects:
  - name: block
    procedural: box
    args: {{width: 3, height: 3, depth: 0.2, color: "{color}"}}
    transform: {{position: [0, 0.2, -2]}}
"""
STEPS = """\
id: clinic.block_steps
title: Block
steps:
  - scenario: clinic.block
    level: only
    anticipated_suds: 20
"""
GREEN, RED = "#20e030", "#e02020"


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    folder = tmp_path / "clinic"
    folder.mkdir()
    (folder / "block.yaml").write_text(SCENE.format(color=GREEN))
    (folder / "steps.yaml").write_text(STEPS)
    return folder


def loader(folder: Path) -> Callable[[], Library]:
    return lambda: load_library(libraries=[folder])


def test_revalidate_reports_problems_with_their_place(clinic: Path) -> None:
    (clinic / "block.yaml").write_text(
        SCENE.format(color=RED).replace("family: custom", "family: x")
    )
    update = revalidate([clinic / "block.yaml"], loader(clinic))
    assert not update.valid and update.library is None
    assert any(
        p.endswith("block.yaml:3:9: 'x' is not a valid family") or "block.yaml:3:9" in p
        for p in update.problems
    )
    (clinic / "block.yaml").write_text(SCENE.format(color=RED))
    assert revalidate([clinic / "block.yaml"], loader(clinic)).valid


def test_the_watcher_sees_a_change_and_revalidates(clinic: Path) -> None:
    got: queue.Queue[LibraryUpdate] = queue.Queue()
    watcher = LibraryWatcher([clinic], loader(clinic), got.put, debounce_ms=100)
    watcher.start()
    try:
        assert watcher.ready.wait(10)
        (clinic / "notes.txt").write_text("not watched")
        (clinic / "block.yaml").write_text(SCENE.format(color=RED))
        update = got.get(timeout=15)
        assert update.valid and update.files[-1].endswith("block.yaml")
        assert update.library is not None and "clinic.block" in update.library.scenarios
        (clinic / "block.yaml").write_text("id: clinic.block\ntitle: [unclosed\n")
        broken = got.get(timeout=15)
        assert not broken.valid and any("block.yaml:" in p for p in broken.problems)
    finally:
        watcher.stop()


def test_reload_fade_swaps_at_black() -> None:
    fade = ReloadFade(fade_s=0.5)
    lib = Library()
    assert fade.apply(0.0, 10.0) == (0.0, None)
    fade.request(lib, 10.0)
    assert fade.apply(0.0, 10.1) == (pytest.approx(0.4), None)  # fading out
    assert fade.apply(0.0, 10.3) == (1.0, lib)  # black: swap now
    shown, swap = fade.apply(0.0, 10.4)
    assert swap is None and 0.0 < shown < 1.0  # fading in
    assert fade.apply(0.0, 10.6) == (0.0, None)
    fade.request(lib, 20.0)
    assert fade.apply(1.0, 20.0) == (1.0, lib)  # already black (blackout): at once


@pytest.fixture
def service(tmp_path: Path, clinic: Path) -> Iterator[SessionService]:
    store = open_store(str(tmp_path / "watch.sqlite3"))
    service = SessionService(store, load_library(libraries=[clinic]), ScaledClock(1.0))
    yield service
    store.close()


def _colour(display: Any) -> str:
    centre = display.read_pixels(0)[40:80, 60:100, :3].astype(int).mean(axis=(0, 1))
    r, g, _ = centre
    return "green" if g > r + 40 else "red" if r > g + 40 else f"neither {centre}"


def test_a_reload_reaches_the_client_through_black_and_is_recorded(
    service: SessionService, clinic: Path
) -> None:
    from vrtherapy.display.headless import HeadlessDisplay

    code = service.create_client("clinic.block_steps")
    engine = service.start(code)
    with HeadlessDisplay((160, 120)) as display:
        loop = RenderLoop(service, FakeEngine(), display, RunOptions(pace_hz=60, frames=60))
        loop.run()
        assert _colour(display) == "green"

        # a broken edit: shown as problems, nothing to reload, the scene stays
        (clinic / "block.yaml").write_text(
            SCENE.format(color=RED).replace("levels:", "levels: 3\n#")
        )
        service.reloads.offer(revalidate([clinic / "block.yaml"], loader(clinic)))
        assert service.reloads.latest is not None and not service.reloads.latest.valid
        with pytest.raises(ServiceError):
            service.reload_library()
        loop.options.frames += 30
        loop.run()
        assert _colour(display) == "green"

        # a valid edit: offered; the scene changes only when the therapist reloads
        (clinic / "block.yaml").write_text(SCENE.format(color=RED))
        service.reloads.offer(revalidate([clinic / "block.yaml"], loader(clinic)))
        loop.options.frames += 30
        loop.run()
        assert _colour(display) == "green"
        service.reload_library()
        assert service.reloads.latest is None
        blacks = []
        for _ in range(60):
            loop.options.frames += 1
            loop.run()
            blacks.append(display.read_pixels(0).mean() < 3)
        assert any(blacks)  # it went through black
        assert _colour(display) == "red"
        loop.close()
    notes = [e for e in service.store.read(engine.session_id) if e.kind == "note_added"]
    assert notes and "block.yaml" in str(notes[-1].payload.to_data())
