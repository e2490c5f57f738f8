"""`vrtherapy run`: the engine with a display, the renderer and the therapist console.

Main thread: the display backend and the renderer (it owns GL and never waits
on disk, network or the console). Engine thread: the console server, the
session engine and its store. The render loop reads the latest session
snapshot (one reference) and hands client input to the engine thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from vrtherapy.app.director import Director, Presentation, Slider, active_prompt, prompt_scale
from vrtherapy.app.engine_thread import EngineStopped
from vrtherapy.app.watch import ReloadFade
from vrtherapy.authoring import Library, ScenarioSpec
from vrtherapy.console.mirror import MirrorBuffer
from vrtherapy.console.server import ConsoleConfig
from vrtherapy.display.base import (
    DisplayBackend,
    EyeView,
    QuitRequest,
    SliderConfirm,
    SliderMove,
    StopRequest,
)
from vrtherapy.session import commands as c
from vrtherapy.session.service import SessionService
from vrtherapy.session.snapshot import Snapshot

log = logging.getLogger(__name__)


@dataclass
class RunOptions:
    console: ConsoleConfig = field(default_factory=ConsoleConfig)
    frames: int | None = None  # stop after this many frames (tests, benchmarks)
    pace_hz: float | None = 90.0  # headless: render at most this often
    mirror_size: tuple[int, int] = (320, 200)
    end_when_session_ends: bool = False


SLIDER_REPORT_S = 0.1  # the console sees the client's unconfirmed slider at most 10 times a second


class EngineCalls(Protocol):
    """The engine thread, as the render loop sees it: somewhere to hand work to."""

    def call(self, fn: Callable[[], object]) -> None: ...


ShowSlider = Callable[[str, str, float | None], None]


class Worlds:
    """Built worlds by scenario id; a scenario that fails to build falls back to the calm room."""

    def __init__(self, library: Library, report: Callable[[str, str], None]) -> None:
        self.library = library
        self.report = report
        self._worlds: dict[str, Any] = {}
        self._failed: dict[str, str] = {}  # scenario -> why it could not be built
        self._last = ""

    def get(self, scenario: str, values: dict[str, float | bool | str]) -> Any:
        from vrtherapy.world import build_world

        world = self._worlds.get(scenario)
        if scenario in self._failed and scenario != self._last:
            # shown again after something else: say again that it can't be shown
            self.report(scenario, self._failed[scenario])
        self._last = scenario
        if world is None and scenario not in self._failed:
            spec: ScenarioSpec | None = self.library.scenarios.get(scenario)
            try:
                if spec is None:
                    raise KeyError(f"no scenario '{scenario}' in the library")
                world = build_world(spec, values, asset_dirs=self.library.asset_dirs(scenario))
                self._worlds[scenario] = world
                if world.problems:
                    self.report(scenario, "; ".join(world.problems))
            except Exception as exc:  # any failure: never a frozen or broken frame
                log.exception("scenario %s failed to build", scenario)
                self._failed[scenario] = str(exc) or type(exc).__name__
                self.report(scenario, self._failed[scenario])
                world = None
        if world is None:
            if scenario == "calm.room":
                return None
            fallback = self.get("calm.room", {})
            self._last = scenario
            return fallback
        if values:
            world.set_parameters(values)
        return world


class ClientView:
    """Draws what the client sees for a snapshot: the director's choice of scene,
    its world, fades and panels, and a small mirror image for the console."""

    def __init__(
        self,
        library: Library,
        report_failure: Callable[[str, str], None],
        mirror: MirrorBuffer | None = None,
        mirror_size: tuple[int, int] = (320, 200),
    ) -> None:
        from vrtherapy.render import MirrorReadback, Renderer

        self.director = Director()
        self.renderer = Renderer()
        self.readback = MirrorReadback(*mirror_size) if mirror is not None else None
        self.mirror = mirror
        self.worlds = Worlds(library, report_failure)
        self.presentation: Presentation | None = None
        self._mirror_time = 0.0
        # the sound's hook: (scenario, world, views, standing height) every frame
        self.on_frame: Callable[[str, Any, Any, float], None] | None = None
        self._reload = ReloadFade()

    def use_library(self, library: Library, now: float) -> None:
        """Show scenes from ``library`` from the next fade through black on (run --watch)."""
        self._reload.request(library, now)

    def render(self, views: Any, snap: Snapshot | None, slider: Slider, now: float) -> None:
        pres = self.director.update(snap, slider, now)
        shown_fade, swap = self._reload.apply(pres.fade, now)
        if swap is not None:
            self.worlds = Worlds(swap, self.worlds.report)
        pres = replace(pres, fade=shown_fade)
        self.presentation = pres
        world = None if pres.fade >= 1.0 else self.worlds.get(pres.scenario, dict(pres.values))
        if world is not None:
            if pres.animate:
                world.advance(now)
            draw_list = world.draw_list()
        else:
            from vrtherapy.world.types import DrawList

            draw_list = DrawList(items=())
        fade = pres.fade if world is not None else 1.0
        self.renderer.render(views, draw_list, pres.overlay, fade, now)
        if self.on_frame is not None:
            self.on_frame(pres.scenario, world, views, draw_list.standing_height)
        if self.readback is not None and self.mirror is not None:
            left: EyeView = views[0]
            self.readback.capture(left.framebuffer, left.viewport)
            image = self.readback.latest()
            if image is not None and self.readback.latest_time != self._mirror_time:
                self._mirror_time = self.readback.latest_time
                self.mirror.put(image, blackout=fade >= 1.0)

    def close(self) -> None:
        if self.readback is not None:
            self.readback.release()
        self.renderer.release()


class RenderLoop:
    """One frame after another until the display stops or the session ends."""

    def __init__(
        self,
        service: SessionService,
        engine: EngineCalls,
        display: DisplayBackend,
        options: RunOptions,
        *,
        mirror: MirrorBuffer | None = None,
        show_slider: ShowSlider | None = None,
        window_mirror: Any = None,
        audio: Any = None,
    ) -> None:
        self.service = service
        self.engine = engine
        self.display = display
        self.options = options
        # a desktop window showing the headset's left eye (DesktopMirror); never vsync-bound
        self.window_mirror = window_mirror
        self._window_mirror_at = 0.0
        self.slider = Slider()
        # called on the engine thread with the client's unconfirmed answer (the console)
        self.show_slider = show_slider
        self._slider_shown: tuple[str | None, float | None] = (None, None)
        self._slider_shown_at = 0.0
        self.view = ClientView(service.library, self._report_failure, mirror, options.mirror_size)
        if audio is not None:  # a SessionAudio: the head pose and anchors for the sound
            self.view.on_frame = audio.on_frame
        self.frames = 0
        self.frame_log: list[tuple[float, Snapshot | None]] = []  # for the latency benchmark
        self.frame_times: list[float] = []  # seconds per frame, with keep_frame_log
        self.keep_frame_log = False
        self._started = time.monotonic()
        self._library = service.library  # a reload (run --watch) swaps the service's

    def _report_failure(self, scenario: str, message: str) -> None:
        cid = f"load-failure-{scenario}-{time.monotonic_ns()}"
        self._call(
            lambda: self.service.handle(c.ReportLoadFailure(cid, "system", scenario, message))
        )

    def _call(self, fn: Callable[[], object]) -> None:
        """Hand ``fn`` to the engine thread; if it has stopped, say so in the log (the
        frame goes on: the client is never left with a frozen image)."""
        try:
            self.engine.call(fn)
        except EngineStopped:
            log.error("the engine thread has stopped; client input was not handled")
            raise

    def run(self) -> None:
        period = 1.0 / self.options.pace_hz if self.options.pace_hz else 0.0
        next_frame = time.monotonic()
        while True:
            if self.options.frames is not None and self.frames >= self.options.frames:
                return
            snap = self.service.snapshot
            if self.options.end_when_session_ends and snap is not None and snap.status == "ended":
                return
            if self._input(snap):
                return
            started = time.perf_counter()
            result = self.display.frame(self._frame_for(snap))
            if result == "stopped":
                return
            self.frames += 1
            if self.keep_frame_log:
                done = time.perf_counter()
                self.frame_log.append((done, snap))
                self.frame_times.append(done - started)
            if period:
                next_frame += period
                delay = next_frame - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                else:
                    next_frame = time.monotonic()

    def _frame_for(self, snap: Snapshot | None) -> Callable[[Any, float], None]:
        def render(views: Any, t: float) -> None:
            now = time.monotonic() - self._started
            if self.service.library is not self._library:
                self._library = self.service.library
                self.view.use_library(self._library, now)
            self.view.render(views, snap, self.slider, now)
            if self.window_mirror is not None and now - self._window_mirror_at >= 1 / 30:
                self._window_mirror_at = now
                left: EyeView = views[0]
                self.window_mirror.show_framebuffer(left.framebuffer, left.viewport[2:])

        return render

    def _input(self, snap: Snapshot | None) -> bool:
        """Client input from the headset or window; True when the display wants to quit."""
        active = active_prompt(snap)
        prompt_id = active[0] if active else None
        if prompt_id != self.slider.prompt_id:
            self.slider = Slider(prompt_id)  # a fresh slider for every prompt
        for event in self.display.poll_input():
            if isinstance(event, QuitRequest):
                return True
            if isinstance(event, StopRequest):
                cid = f"client-stop-{time.monotonic_ns()}"
                self._call(lambda cid=cid: self.service.handle(c.ClientStop(cid)))  # type: ignore[misc]
            elif active is None or snap is None:
                continue  # no question is asked: slider input means nothing
            elif isinstance(event, SliderMove):
                self.slider = self.slider.moved(event)
            elif isinstance(event, SliderConfirm):
                self.slider, answer = self.slider.confirm()
                if answer is not None:
                    self._answer(active, snap, answer)
        self._stream_slider(active, snap)
        return False

    def _stream_slider(self, active: tuple[str, str] | None, snap: Snapshot | None) -> None:
        """Let the therapist see the client moving the slider before confirming."""
        if self.show_slider is None:
            return
        shown: tuple[str | None, float | None] = (None, None)
        if active is not None and snap is not None and self.slider.value is not None:
            scale = prompt_scale(active[1], snap.suds_scale)
            shown = (active[0], round(self.slider.value * scale, 1))
        now = time.monotonic()
        if shown == self._slider_shown or (
            shown[0] is not None and now - self._slider_shown_at < SLIDER_REPORT_S
        ):
            return
        previous = self._slider_shown
        self._slider_shown, self._slider_shown_at = shown, now
        show = self.show_slider
        if shown[0] is not None and active is not None:
            prompt, kind, value = shown[0], active[1], shown[1]
            self._call(lambda: show(prompt, kind, value))
        elif previous[0] is not None:
            gone = previous[0]
            self._call(lambda: show(gone, "", None))

    def _answer(self, active: tuple[str, str], snap: Snapshot, fraction: float) -> None:
        prompt_id, kind = active
        value = round(fraction * prompt_scale(kind, snap.suds_scale))
        cid = f"headset-{prompt_id}"  # one answer per prompt, however often confirmed
        command: c.Command
        if kind == "suds":
            command = c.RecordSuds(cid, "client", float(value), "headset", prompt_id)
        elif kind == "comfort":
            command = c.RecordComfort(cid, "client", float(value), "headset", prompt_id)
        else:
            phase = "before" if kind == "expectancy_before" else "after"
            command = c.RecordExpectancy(cid, "client", phase, float(value), prompt_id=prompt_id)  # type: ignore[arg-type]
        self._call(lambda: _log_refusal(self.service.handle(command)))

    def close(self) -> None:
        self.view.close()


def _log_refusal(outcome: Any) -> None:
    """A refused headset answer leaves a trace (without the rating itself)."""
    if not outcome.accepted:
        log.warning(
            "the client's answer from the headset was not recorded (%s)",
            "session not running" if "session" in outcome.reason else "refused",
        )
