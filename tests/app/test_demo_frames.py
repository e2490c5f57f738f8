"""The demo's contact sheet: each step's picture shows that step's own scene."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from vrtherapy.authoring import load_library
from vrtherapy.authoring.intensity import parameter_values
from vrtherapy.session.commands import step_intensity
from vrtherapy.session.store import open_store


def test_each_picture_shows_its_own_step_not_the_one_before(tmp_path: Path) -> None:
    from vrtherapy.app.demo import run_demo
    from vrtherapy.app.demo_frames import DemoFrames
    from vrtherapy.render import Renderer
    from vrtherapy.world import build_world

    library = load_library()
    hierarchy = library.hierarchy("heights.standard")
    store = open_store(str(tmp_path / "demo.sqlite3"))
    frames = DemoFrames(library)
    frames.open()
    try:
        run_demo(
            store,
            library,
            hierarchy,
            echo=lambda _line: None,
            on_tick=frames.on_tick,
            max_minutes=30,
        )
        display = frames.display
        renderer = Renderer()

        def reference(step: int, t: float) -> npt.NDArray[np.uint8]:
            s = hierarchy.steps[step]
            spec = library.scenarios[s.scenario]
            level = step_intensity(library, s.scenario, s.level, s.intensity)
            world = build_world(spec, parameter_values(spec, level))
            world.advance(t)
            display.frame(lambda views, _t: renderer.render(views, world.draw_list(), time=t))
            return display.read_pixels(0)

        steps = [int(label.split(":")[0].split()[1]) - 1 for label, _ in frames.pictures]
        assert steps[:3] == [0, 1, 2]
        for (label, picture), step, t in zip(frames.pictures, steps, frames.taken_at, strict=True):
            if step == 0 or "(" in label:
                continue

            def diff(ref: npt.NDArray[np.uint8], p: npt.NDArray[np.uint8] = picture) -> float:
                return float(np.abs(p.astype(int) - ref.astype(int)).mean())

            own, before = diff(reference(step, t)), diff(reference(step - 1, t))
            assert own < 2.0 and own < before / 3, (label, own, before)
        renderer.release()
    finally:
        frames.close()
        store.close()
