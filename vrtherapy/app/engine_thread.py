"""The engine thread: one asyncio loop that runs the session engine's ticks (and the
store writes they make) and whatever is mounted on it, such as the console server.

Other threads hand work to it with ``call``; the render thread never waits for it.
Commands are handled one at a time on this loop, so session state needs no locks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Protocol

from vrtherapy.session.service import SessionService

log = logging.getLogger(__name__)


class EngineStopped(RuntimeError):
    """Work was handed to the engine thread when its loop was not running."""


class Mounted(Protocol):
    """Something that runs on the engine thread's loop (the console server)."""

    async def start(self) -> None:
        """Return once it is serving; raise if it cannot start."""

    async def stop(self) -> None: ...


class EngineThread:
    def __init__(
        self,
        service: SessionService,
        *,
        tick_s: float = 0.25,
        on_tick: Callable[[], None] | None = None,
        name: str = "engine",
    ) -> None:
        self.service = service
        self.tick_s = tick_s
        self.on_tick = on_tick
        self.name = name
        self._mounted: list[Mounted] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._stop: asyncio.Event | None = None

    def mount(self, part: Mounted) -> None:
        if self._thread is not None:
            raise RuntimeError("mount everything before the engine thread starts")
        self._mounted.append(part)

    @property
    def running(self) -> bool:
        loop = self._loop
        return loop is not None and loop.is_running() and not loop.is_closed()

    def start(self, timeout_s: float = 30.0) -> None:
        """Start the loop and everything mounted on it; returns once all of it runs.
        Raises what stopped a mounted part from starting."""
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout=timeout_s):
            raise EngineStopped(f"the engine thread did not start within {timeout_s:g} s")
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            loop.run_until_complete(self._main())
        except BaseException as exc:  # reported to start(), or logged
            if not self._ready.is_set():
                self._error = exc
                self._ready.set()
            else:
                log.exception("the engine thread stopped")
        finally:
            self._loop = None
            loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        started: list[Mounted] = []
        try:
            for part in self._mounted:
                await part.start()
                started.append(part)
            self._ready.set()
            while not self._stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self.tick_s)
                if not self._stop.is_set():
                    self._tick()
        finally:
            for part in reversed(started):
                try:
                    await part.stop()
                except Exception:
                    log.exception("stopping %s failed", type(part).__name__)

    def _tick(self) -> None:
        try:
            self.service.tick()
            if self.on_tick is not None:
                self.on_tick()
        except Exception:
            log.exception("engine tick failed")

    def call(self, fn: Callable[[], object]) -> None:
        """Run ``fn`` on the engine thread (from the render thread, for client input).

        Raises EngineStopped when the loop is not running: client input is never
        dropped silently."""
        loop = self._loop
        if loop is None or loop.is_closed() or not loop.is_running():
            raise EngineStopped("the engine thread is not running; the input was not handled")
        try:
            loop.call_soon_threadsafe(fn)
        except RuntimeError as exc:  # closed between the check and the call
            raise EngineStopped(str(exc)) from None

    def stop(self, timeout_s: float = 10.0) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # already closing
                loop.call_soon_threadsafe(stop.set)
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)
