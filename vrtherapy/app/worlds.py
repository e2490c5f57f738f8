"""Worlds built off the frame.

A worker thread turns (scenario, parameter values) into built worlds; the render
thread asks for them without ever waiting and swaps a finished one in by
reference. The worker never touches a world again once it is handed over.

Python threads share one interpreter lock, so a builder running Python code
would slow every frame (each GL call gives the lock up and must win it back).
:class:`FrameGate` keeps the builder to the time between frames: the render
thread closes the gate while it draws, and the builder waits at its next Python
call until the gate opens again (a profile hook on the builder thread only).
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from vrtherapy.authoring import Library

log = logging.getLogger(__name__)

Value = float | bool | str
Values = tuple[tuple[str, Value], ...]
WorldKey = tuple[str, Values]  # scenario id and its parameter values, sorted by name

CALM, SHOWN, AHEAD = 0, 1, 2  # build priorities: the safety fallback first, then what is shown
SWITCH_INTERVAL_S = 0.001  # how soon the render thread gets the interpreter back
BUILDER_SLICE_S, BUILDER_REST_S = 0.002, 0.002  # the builder works at most half the time
GATE_PATIENCE_S = 0.05  # the longest the builder waits for one frame to end


def world_key(scenario: str, values: Mapping[str, Value] | Values) -> WorldKey:
    items = values.items() if isinstance(values, Mapping) else values
    return scenario, tuple(sorted(items))


def describe_key(key: WorldKey) -> str:
    """'heights.balcony (height=6, railing=True)', for messages to the therapist."""
    scenario, values = key
    if not values:
        return scenario
    shown = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in values)
    return f"{scenario} ({shown})"


@dataclass(frozen=True)
class BuildFailed:
    """A world that could not be built, with the reason; remembered per key."""

    key: WorldKey
    reason: str


class FrameGate:
    """Open between frames, closed while the render thread draws one."""

    def __init__(
        self,
        slice_s: float = BUILDER_SLICE_S,
        rest_s: float = BUILDER_REST_S,
        patience_s: float = GATE_PATIENCE_S,
    ) -> None:
        self._open = threading.Event()
        self._open.set()
        self.slice_s = slice_s
        self.rest_s = rest_s
        self.patience_s = patience_s
        self._slice_start = time.perf_counter()
        self._frames = 0  # frames begun
        self._overrun = -1  # the frame during which the builder stopped waiting

    @contextlib.contextmanager
    def frame(self) -> Iterator[None]:
        self._frames += 1
        self._open.clear()
        try:
            yield
        finally:
            self._open.set()

    @property
    def is_open(self) -> bool:
        return self._open.is_set()

    def wait(self) -> None:
        """Block (without holding the interpreter) until no frame is being drawn."""
        if not self._open.is_set():
            self._open.wait()

    def hook(self, _frame: FrameType, _event: str, _arg: Any) -> None:
        """``sys.setprofile`` hook: at every call and return, wait for the gate; and rest
        for ``rest_s`` after every ``slice_s`` of work, so that the builder leaves the
        CPU to the frame (with software rendering the frame's pixels are CPU work too).

        The wait is bounded (``patience_s``): the builder may be holding a lock the
        render thread is waiting for (logging's, say), so after that long it carries on
        until the gate next opens rather than risk waiting for ever."""
        if not self._open.is_set():
            if self._frames == self._overrun:
                return
            if not self._open.wait(self.patience_s):
                self._overrun = self._frames
                return
            self._slice_start = time.perf_counter()
        elif self.slice_s and time.perf_counter() - self._slice_start > self.slice_s:
            time.sleep(self.rest_s)
            self._slice_start = time.perf_counter()


BuildFn = Callable[..., Any]


def _default_build(spec: Any, values: Mapping[str, Value], **kw: Any) -> Any:
    import vrtherapy.world as world  # looked up at call time, so tests can substitute it

    return world.build_world(spec, values, **kw)


class WorldBuilder:
    """Builds worlds on one worker thread; finished worlds and failures by key.

    ``request`` queues a build (urgent ones first); ``result`` answers at once with
    the world, a :class:`BuildFailed`, or None while it is still being built.
    """

    def __init__(
        self,
        library: Library,
        *,
        gate: FrameGate | None = None,
        build: BuildFn = _default_build,
        keep: int = 8,
    ) -> None:
        self.library = library
        self.gate = gate or FrameGate()
        self._build = build
        self._keep = keep
        self._lock = threading.Condition()
        self._queue: list[tuple[int, int, WorldKey]] = []
        self._order = itertools.count()
        self._queued: dict[WorldKey, int] = {}  # key -> priority it is queued at
        self._building: WorldKey | None = None
        self._worlds: OrderedDict[WorldKey, Any] = OrderedDict()
        self._failed: dict[WorldKey, BuildFailed] = {}
        self._pinned: set[WorldKey] = set()  # never evicted (the calm scenes)
        self._closed = False
        self._generation = 0  # bumped when the library is swapped (run --watch)
        self.built_on: set[str] = set()  # names of the threads that built (tests)
        self._previous_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._previous_interval, SWITCH_INTERVAL_S))
        self._thread = threading.Thread(target=self._work, name="world-builder", daemon=True)
        self._thread.start()

    # -- render thread ---------------------------------------------------------------

    def request(self, key: WorldKey, priority: int = SHOWN, *, pin: bool = False) -> None:
        with self._lock:
            if pin:
                self._pinned.add(key)
            if key in self._worlds or key in self._failed or key == self._building:
                return
            queued = self._queued.get(key)
            if queued is not None and queued <= priority:
                return
            self._queued[key] = priority
            heapq.heappush(self._queue, (priority, next(self._order), key))
            self._lock.notify()

    def result(self, key: WorldKey) -> Any:
        """The built world, a BuildFailed, or None (not built yet: requested now)."""
        with self._lock:
            world = self._worlds.get(key)
            if world is not None:
                self._worlds.move_to_end(key)
                return world
            failed = self._failed.get(key)
            if failed is not None:
                return failed
        self.request(key)
        return None

    @property
    def idle(self) -> bool:
        """Nothing queued or being built."""
        with self._lock:
            return not self._queued and self._building is None

    def wait(self, key: WorldKey, timeout: float | None = None) -> Any:
        """Block until ``key`` is built or failed (tools and tests, never the frame)."""
        self.request(key)
        with self._lock:
            self._lock.wait_for(
                lambda: key in self._worlds or key in self._failed or self._closed, timeout
            )
            return self._worlds.get(key) or self._failed.get(key)

    def use_library(self, library: Library) -> None:
        """Build from ``library`` from now on (a reload, run --watch): every world built
        from the old files is dropped, and one being built now is not kept."""
        with self._lock:
            self.library = library
            self._generation += 1
            self._worlds.clear()
            self._failed.clear()
            self._queue.clear()
            self._queued.clear()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        self._thread.join(timeout=5.0)
        sys.setswitchinterval(self._previous_interval)

    # -- the worker ----------------------------------------------------------------------

    def _next(self) -> WorldKey | None:
        with self._lock:
            while not self._closed:
                while self._queue:
                    priority, _, key = heapq.heappop(self._queue)
                    if self._queued.get(key) == priority:
                        del self._queued[key]
                        self._building = key
                        return key
                self._lock.wait()
            return None

    def _work(self) -> None:
        loaders: dict[tuple[Path, ...], Any] = {}  # one cache of assets per search order
        while True:
            key = self._next()
            if key is None:
                return
            with self._lock:
                library, generation = self.library, self._generation
            try:
                # this thread only, and only while building (never while holding our lock):
                # wait at every call while a frame is drawn
                sys.setprofile(self.gate.hook)
                try:
                    world = self._make(key, library, loaders)
                finally:
                    sys.setprofile(None)
                with self._lock:
                    if generation == self._generation:  # not built from replaced files
                        self._worlds[key] = world
                        self._evict()
            except Exception as exc:  # any failure: the calm scene instead, never a broken frame
                log.exception("building %s failed", describe_key(key))
                with self._lock:
                    if generation == self._generation:
                        self._failed[key] = BuildFailed(key, str(exc) or type(exc).__name__)
            finally:
                with self._lock:
                    self._building = None
                    self._lock.notify_all()

    def _make(self, key: WorldKey, library: Library, loaders: dict[tuple[Path, ...], Any]) -> Any:
        scenario, values = key
        spec = library.scenarios.get(scenario)
        if spec is None:
            raise KeyError(f"no scenario '{scenario}' in the library")
        # next to the scenario file, then its library's assets/, then stock: as validate looks
        dirs = tuple(library.asset_dirs(scenario))
        loader = loaders.get(dirs)
        if loader is None:
            from vrtherapy.world import AssetLoader

            loader = loaders[dirs] = AssetLoader(list(dirs))
        world = self._build(spec, dict(values), asset_dirs=list(dirs), loader=loader)
        world.draw_list()  # the first draw list is the costly one: make it here
        self.built_on.add(threading.current_thread().name)
        return world

    def _evict(self) -> None:
        spare = [k for k in self._worlds if k not in self._pinned]
        while len(self._worlds) > self._keep and spare:
            self._worlds.pop(spare.pop(0))
