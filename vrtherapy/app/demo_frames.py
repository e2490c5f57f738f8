"""Real frames for the demo: the client's view rendered headless at every tick,
with one picture per step entered collected into a contact sheet.

Worlds are built off the frame here as in `vrtherapy run`, so a step's picture is
taken once its own scene is on screen, faded in (not on the first frame of the
fade, which still shows the step before). A scene that cannot be built is
recorded in the session (``scenario_load_failed``) like in `run`."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

from vrtherapy.app.command_ids import CommandIds
from vrtherapy.app.director import Slider
from vrtherapy.authoring import Library
from vrtherapy.session import commands as c
from vrtherapy.session.engine import Engine


@dataclass
class DemoFrames:
    library: Library
    size: tuple[int, int] = (320, 240)
    every: int = 2  # render every n-th tick (a tick is 5 s of session time)
    frames: int = 0
    ticks: int = 0
    times_ms: list[float] = field(default_factory=list)
    pictures: list[tuple[str, npt.NDArray[np.uint8]]] = field(default_factory=list)
    taken_at: list[float] = field(default_factory=list)  # session time of each picture
    problems: list[tuple[str, str]] = field(
        default_factory=list
    )  # (scenario, why), not yet recorded

    def open(self) -> None:
        from vrtherapy.app.run import ClientView
        from vrtherapy.display.headless import HeadlessDisplay, HeadPose

        # looking a little down, as a client on a balcony or in a chair does
        self.display = HeadlessDisplay(self.size, head=HeadPose(pitch_degrees=-20.0))
        self.display.open()
        self.view = ClientView(self.library, lambda s, m: self.problems.append((s, m)))
        self._last_key: object = None  # the state whose picture was taken last
        self._report_ids = CommandIds("demo-load-failure")

    def on_tick(self, engine: Engine) -> None:
        snap = engine.snapshot
        now = engine.now()
        self.ticks += 1
        key = (snap.step_index, snap.safety, snap.status)
        waiting = key != self._last_key and snap.status == "running"
        if self.ticks % self.every and not waiting:
            return
        if waiting:
            # session time runs far faster than real time here: let the builder catch up
            self.view.wait_for_scene(snap)
        started = time.perf_counter()
        self.display.frame(lambda views, t: self.view.render(views, snap, Slider(), now))
        self.times_ms.append((time.perf_counter() - started) * 1000)
        self.frames += 1
        self._record_problems(engine)
        if waiting and self.view.showing_wanted:
            self._last_key = key
            label = f"step {snap.step_index + 1}: {snap.level or round(snap.intensity)}"
            if snap.safety != "none":
                label += f" ({snap.safety.replace('_', ' ')})"
            self.pictures.append((label, self.display.read_pixels(0)))
            self.taken_at.append(now)

    def _record_problems(self, engine: Engine) -> None:
        while self.problems:
            scenario, message = self.problems.pop(0)
            cid = self._report_ids(engine.session_id)
            engine.handle(c.ReportLoadFailure(cid, "system", scenario, message))

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms) if self.times_ms else 0.0

    def contact_sheet(self, path: Path, columns: int = 4) -> Path:
        w, h = self.size
        rows = max(1, -(-len(self.pictures) // columns))
        sheet = Image.new("RGB", (columns * w, rows * (h + 18)), (20, 24, 22))
        draw = ImageDraw.Draw(sheet)
        for i, (label, pixels) in enumerate(self.pictures):
            x, y = (i % columns) * w, (i // columns) * (h + 18)
            sheet.paste(Image.fromarray(np.ascontiguousarray(pixels[..., :3])), (x, y + 18))
            draw.text((x + 4, y + 3), label, fill=(235, 235, 230))
        path.parent.mkdir(parents=True, exist_ok=True)
        sheet.save(path)
        return path

    def close(self) -> None:
        self.view.close()
        self.display.close()
