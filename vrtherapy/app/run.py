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

from vrtherapy.app.command_ids import CommandIds
from vrtherapy.app.conversation_wiring import PartnersOnStage
from vrtherapy.app.director import (
    NO_TALK,
    WAITING_SCENE,
    Director,
    Presentation,
    Slider,
    active_prompt,
    prompt_scale,
)
from vrtherapy.app.engine_thread import EngineStopped
from vrtherapy.app.frame_meter import FrameMeter
from vrtherapy.app.pose_sampler import PoseSampler
from vrtherapy.app.speech_wiring import Voices
from vrtherapy.app.watch import ReloadFade
from vrtherapy.app.worlds import (
    AHEAD,
    CALM,
    SHOWN,
    BuildFailed,
    WorldBuilder,
    WorldKey,
    describe_key,
    world_key,
)
from vrtherapy.authoring import Library
from vrtherapy.console.mirror import MirrorBuffer
from vrtherapy.console.server import ConsoleConfig
from vrtherapy.display.base import (
    DisplayBackend,
    EyeView,
    FloorRequest,
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


class ClientView:
    """Draws what the client sees for a snapshot: the director's choice of scene,
    its world, fades and panels, and a small mirror image for the console.

    Worlds are built on the builder's worker and uploaded to the GPU a bounded
    amount per frame; until a scene is both, the director keeps the current one.
    A scene that cannot be built shows the calm scene, reported once each time it
    comes on screen (per scenario and parameter values).
    """

    def __init__(
        self,
        library: Library,
        report_failure: Callable[[str, str], None],
        mirror: MirrorBuffer | None = None,
        mirror_size: tuple[int, int] = (320, 200),
        *,
        builder: WorldBuilder | None = None,
    ) -> None:
        from vrtherapy.render import MirrorReadback, Renderer

        self.director = Director()
        self.builder = builder or WorldBuilder(library)
        self.renderer = Renderer()
        self.readback = MirrorReadback(*mirror_size) if mirror is not None else None
        self.mirror = mirror
        self.report = report_failure
        self.presentation: Presentation | None = None
        self.drawn: WorldKey | None = None  # the scene the last frame showed (None: black)
        self.world: Any = None  # the world the last frame drew (None: black)
        # each world's distinct meshes, and its characters' skinned meshes
        self._meshes: dict[WorldKey, tuple[tuple[Any, ...], tuple[Any, ...]]] = {}
        self._reported: set[WorldKey] = set()  # worlds whose build problems were reported
        self._last_failed: WorldKey | None = None
        self._mirror_time = 0.0
        self._wanted: tuple[object, ...] = ()
        self.builder.request(world_key(WAITING_SCENE, {}), CALM, pin=True)
        # the sound's hook: (scenario, world, views, standing height) every frame
        self.on_frame: Callable[[str, Any, Any, float], None] | None = None
        self.partners: PartnersOnStage | None = None  # virtual partners: panels, animation
        self._reload = ReloadFade()
        self._last_now: float | None = None

    def use_library(self, library: Library, now: float) -> None:
        """Show scenes from ``library`` from the next fade through black on (run --watch)."""
        self._reload.request(library, now)

    def render(self, views: Any, snap: Snapshot | None, slider: Slider, now: float) -> None:
        """Draw the frame for ``snap`` at ``now``, the session's record time (seconds)."""
        with self.builder.gate.frame():  # the builder waits while this frame is drawn
            calm = snap.calm_scene if snap is not None else WAITING_SCENE
            if self._last_now is not None and now < self._last_now:
                self.director.rebase(now - self._last_now)  # a new session's time began
            self._last_now = now
            self._prebuild(snap)
            talk = self.partners.talk(snap) if self.partners is not None else NO_TALK
            pres = self.director.update(snap, slider, now, lambda p: self._ready(p, calm), talk)
            shown_fade, swap = self._reload.apply(pres.fade, now)
            if swap is not None:  # reloaded files (run --watch), swapped in at black
                self.builder.use_library(swap)
                self.world = self.drawn = None
                self._meshes.clear()
                self._reported.clear()
            pres = replace(pres, fade=shown_fade)
            self.presentation = pres
            self._wanted = self.director.wanted(snap, slider).key
            self._draw(views, pres, calm, now, snap)

    def show(
        self, views: Any, pres: Presentation, calm: str, now: float, snap: Snapshot | None = None
    ) -> None:
        """Draw a presentation decided elsewhere (a replay's director) at record time ``now``;
        its world must be ready (see :meth:`make_ready`), else the last one is drawn.
        ``snap`` (the record's snapshot then) poses the partners, where :attr:`partners`
        is set."""
        with self.builder.gate.frame():
            self.presentation = pres
            self._draw(views, pres, calm, now, snap)

    def make_ready(self, pres: Presentation, calm: str, timeout: float = 60.0) -> None:
        """Block until ``pres``'s world is built and on the GPU (offline tools: a replay)."""
        self.builder.request(world_key(pres.scenario, pres.values), SHOWN)
        self.builder.wait(world_key(pres.scenario, pres.values), timeout)
        for fallback in (calm, WAITING_SCENE):  # shown instead if the scene fails to build
            self.builder.wait(world_key(fallback, {}), timeout)
        if not self._ready(pres, calm, bounded=False):
            raise TimeoutError(f"the scene {pres.scenario} was not built in {timeout:g} s")

    def _draw(
        self, views: Any, pres: Presentation, calm: str, now: float, snap: Snapshot | None = None
    ) -> None:
        world = None
        if pres.fade >= 1.0:
            self.drawn = None
        else:
            found = self._showable(pres, calm)
            if found is None:  # new parameter values not on the GPU yet: keep the last world
                world = self.world
            else:
                self.drawn, world = found
                if world is not self.world and world is not None:
                    # the same scene at new values: a car sent to another floor rides there
                    world.continue_rides(self.world, now)
        self.world = world
        if world is not None:
            if pres.animate:
                if self.partners is not None:  # gaze, blinks, lip sync: posed, then advanced
                    self.partners.animate(world, snap, views, now)
                world.advance(now)
            elif pres.still_at is not None:  # held still as it was then (pause, fade)
                world.hold(pres.still_at)
            draw_list = world.draw_list()
        else:
            from vrtherapy.world.types import DrawList

            draw_list = DrawList(items=())
        fade = pres.fade if world is not None else 1.0
        self.renderer.render(views, draw_list, pres.overlay, fade, now)
        if self.on_frame is not None:  # the scene heard is the scene seen
            heard = world.spec.id if world is not None else pres.scenario
            self.on_frame(heard, world, views, draw_list.standing_height)
        if self.readback is not None and self.mirror is not None:
            left: EyeView = views[0]
            self.readback.capture(left.framebuffer, left.viewport)
            image = self.readback.latest()
            if image is not None and self.readback.latest_time != self._mirror_time:
                self._mirror_time = self.readback.latest_time
                self.mirror.put(image, blackout=fade >= 1.0)

    @property
    def showing_wanted(self) -> bool:
        """The last frame showed the scene the snapshot asks for (or its calm fallback), faded
        in: built, uploaded and swapped in."""
        p = self.presentation
        return (
            p is not None
            and p.key == self._wanted
            and p.fade < 0.05
            and self.drawn == world_key(p.scenario, p.values)
            and self.director.settled
        )

    def wait_for_scene(self, snap: Snapshot | None, timeout: float = 60.0) -> None:
        """Block until the worlds ``snap`` may show are built (offline tools such as the
        demo, whose clock does not wait for the builder; never the client's frame loop)."""
        keys = [world_key(WAITING_SCENE, {})]
        if snap is not None:
            keys.append(world_key(snap.calm_scene, {}))
            if snap.status == "running":
                keys.append(world_key(snap.scenario, snap.parameters))
        for key in keys:
            self.builder.wait(key, timeout)

    def _prebuild(self, snap: Snapshot | None) -> None:
        """The calm scene, this step's scene, and the steps just above and below; those
        only once the current scene is on screen, so that building them never competes
        with a change that is under way."""
        if snap is None:
            return
        self.builder.request(world_key(snap.calm_scene, {}), CALM, pin=True)
        if snap.status == "running":
            self.builder.request(world_key(snap.scenario, snap.parameters), SHOWN)
        if self.showing_wanted:
            for scenario, values in snap.upcoming:
                self.builder.request(world_key(scenario, values), AHEAD)

    def _resolve(self, key: WorldKey, calm: str) -> tuple[WorldKey, Any] | None:
        """The world that shows ``key``: itself, or the calm scene when it failed to build;
        None while it is being built; (key, None) when nothing can be shown (black)."""
        result = self.builder.result(key)
        if result is None:
            return None
        if not isinstance(result, BuildFailed):
            return key, result
        fallback = world_key(calm, {})
        if key == fallback:
            if calm == WAITING_SCENE:
                return key, None
            fallback = world_key(WAITING_SCENE, {})
        return self._resolve(fallback, WAITING_SCENE)

    def _ready(self, pres: Presentation, calm: str, *, bounded: bool = True) -> bool:
        """Built and on the GPU (uploading a bounded part of it in this frame if not, or
        all of it when not ``bounded``)."""
        found = self._resolve(world_key(pres.scenario, pres.values), calm)
        if found is None:
            return False
        key, world = found
        if world is None:
            return True
        found_meshes = self._meshes.get(key)
        if found_meshes is None:
            if len(self._meshes) > 32:
                self._meshes.clear()
            unique = {m.key: m for m in world.graph.meshes if m is not None}
            found_meshes = self._meshes[key] = (tuple(unique.values()), world.skinned_meshes)
        meshes, skinned = found_meshes
        return self.renderer.preload(meshes, skinned=skinned, bounded=bounded)

    def _showable(self, pres: Presentation, calm: str) -> tuple[WorldKey, Any] | None:
        """(the presentation's key, the world that shows it), or None when not ready."""
        if not self._ready(pres, calm):
            return None
        wanted = world_key(pres.scenario, pres.values)
        found = self._resolve(wanted, calm)
        assert found is not None  # ready
        key, world = found
        failed = self.builder.result(wanted)
        if isinstance(failed, BuildFailed):
            if self.drawn != wanted:  # coming on screen (again): the therapist is told
                self.report(
                    wanted[0],
                    f"{failed.reason} (at {describe_key(wanted)});"
                    " the client sees the calm scene instead",
                )
        elif world is not None and world.problems and key not in self._reported:
            self._reported.add(key)
            self.report(key[0], "; ".join(world.problems))
        return wanted, world

    def close(self) -> None:
        self.builder.close()
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
        voices: Callable[[], Voices] | None = None,
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
        # the partners: ``voices`` returns the engine thread's latest Voices (speech_wiring)
        self.partners = PartnersOnStage(
            voices or Voices,
            publish_mouths=audio.publish_mouths if audio is not None else None,
            record=lambda cmd: self._call(lambda: self.service.handle(cmd)),
        )
        self.view.partners = self.partners
        self.frames = 0
        self.frame_log: list[tuple[float, Snapshot | None]] = []  # for the latency benchmark
        self.rendered: Snapshot | None = None  # the snapshot the last frame drew
        self.frame_times: list[float] = []  # seconds per frame, with keep_frame_log
        self.keep_frame_log = False
        self.end_reason = ""  # why run() returned, in words for the therapist and the record
        self.meter = FrameMeter(self._target_hz())
        self._time_offset = -time.monotonic()  # record time between sessions
        self._library = service.library  # a reload (run --watch) swaps the service's
        self._frame_ids = CommandIds("frame-times")
        self.sampler = PoseSampler(self._hand_over_poses)  # the client's head for the record

    def _target_hz(self) -> float:
        """The rate frames should come at: the headless pace, else the display's refresh."""
        return self.options.pace_hz or getattr(self.display, "refresh_hz", 0.0) or 90.0

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
                self.end_reason = f"the frame limit ({self.options.frames}) was reached"
                return
            snap = self.service.snapshot
            if self.options.end_when_session_ends and snap is not None and snap.status == "ended":
                self.end_reason = "the session ended"
                return
            if self._input(snap):
                self.end_reason = self.display.stop_reason or "the client's display was closed"
                return
            started = time.perf_counter()
            self.rendered = None
            result = self.display.frame(self._render)
            if result == "stopped":
                self.end_reason = self.display.stop_reason or "the client's display stopped"
                return
            self.frames += 1
            self._measured()
            if self.keep_frame_log:
                done = time.perf_counter()
                self.frame_log.append((done, self.rendered))
                self.frame_times.append(done - started)
            if period:
                next_frame += period
                delay = next_frame - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                else:
                    next_frame = time.monotonic()

    def _measured(self) -> None:
        """Live frame rate to the console each second; a summary per minute to the record."""
        now = time.monotonic()
        rate = self.meter.live(now)
        if rate is not None:
            self.engine.call(lambda: self.service.report_frame_rate(rate))
        summary = self.meter.summary(now)
        snap = self.service.snapshot
        if summary is not None and snap is not None and snap.status == "running":
            cid = self._frame_ids(snap.session_id)
            command = c.ReportFrameTimes(cid, summary=summary)
            self.engine.call(lambda: self.service.handle(command))

    def _render(self, views: Any, t: float) -> None:
        """Draw one frame. The snapshot is read here, after the display has waited for
        its frame (an OpenXR runtime blocks in xrWaitFrame before this is called), so a
        command that arrived during the wait is already on this frame."""
        started = time.monotonic()
        now = self._record_time(started)
        snap = self.rendered = self.service.snapshot
        if self.service.library is not self._library:
            self._library = self.service.library
            self.view.use_library(self._library, now)
        self.view.render(views, snap, self.slider, now)
        self._sample(views, snap)
        self.meter.add(started, time.monotonic() - started, self._target_hz())
        if self.window_mirror is not None and started - self._window_mirror_at >= 1 / 30:
            self._window_mirror_at = started
            left: EyeView = views[0]
            self.window_mirror.show_framebuffer(left.framebuffer, left.viewport[2:])

    def _record_time(self, monotonic: float) -> float:
        """The time frames are drawn at: the session's own time while one runs (the time
        its events are recorded at, so a replay draws the same frames); between sessions
        it runs on from there."""
        session = self.service.session_time()
        if session is None:
            return monotonic + self._time_offset
        self._time_offset = session - monotonic
        return session

    def _sample(self, views: Any, snap: Snapshot | None) -> None:
        """The client's head (the hand controller, the stimulus on screen) for the record."""
        pres = self.view.presentation
        fade = pres.fade if pres is not None else 1.0
        hand = getattr(self.display, "controller_pose", None)
        self.sampler.after_frame(self.service.engine, snap, views, self.view.world, fade, hand)

    def _hand_over_poses(self, session_id: str, moments: tuple[Any, ...]) -> None:
        try:
            self.engine.call(lambda: self.service.record_poses(session_id, moments))
        except EngineStopped:
            log.warning("the engine thread has stopped; tracked poses were not recorded")

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
            elif isinstance(event, FloorRequest):
                if snap is not None and snap.elevator is not None:  # else: no elevator here
                    self._request_floor(event)
            elif active is None and self.partners.takes(event, snap):  # the choice panel
                choice = self.partners.input(event)
                if choice is not None:
                    self._call(lambda choice=choice: _log_refusal(self.service.handle(choice)))  # type: ignore[misc]
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

    def _request_floor(self, event: FloorRequest) -> None:
        """The client's elevator button: the session decides (it records a refusal too)."""
        command = c.RequestFloor(
            f"client-floor-{time.monotonic_ns()}", "client", "up" if event.up else "down"
        )
        self._call(lambda: self.service.handle(command))

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
