"""A thin counting wrapper around PyOpenGL, so every frame reports its GL work.

On Mesa's llvmpipe (and in any PyOpenGL program) the cost of a frame is largely
the number of GL calls made from Python, so the renderer makes all of its calls
through a :class:`CountingGL` and reports them as :class:`FrameStats`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from OpenGL import GL

_DRAW_CALLS = frozenset(
    {
        "glDrawArrays",
        "glDrawElements",
        "glDrawArraysInstanced",
        "glDrawElementsInstanced",
        "glDrawElementsBaseVertex",
        "glDrawElementsInstancedBaseVertex",
        "glDrawElementsInstancedBaseVertexBaseInstance",
        "glDrawRangeElements",
    }
)


@dataclass(frozen=True)
class FrameStats:
    """What one call of ``Renderer.render`` asked of GL (all views together) and, where
    the renderer's ``CountingGL.timing`` is on, its CPU time outside and inside the GL
    driver: ``prepare_s`` planning batches and preparing uploads (our Python and numpy),
    ``submit_s`` issuing the draws (our Python), ``driver_s`` inside GL calls."""

    draw_calls: int = 0
    gl_calls: int = 0
    triangles: int = 0
    prepare_s: float = 0.0
    submit_s: float = 0.0
    driver_s: float = 0.0


def _triangles(name: str, args: tuple[Any, ...]) -> int:
    if args[0] != GL.GL_TRIANGLES:
        return 0
    if name in ("glDrawArrays", "glDrawArraysInstanced"):
        count, instances = int(args[2]), int(args[3]) if len(args) > 3 else 1
    elif name.startswith("glDrawElementsInstanced"):  # BaseVertex, BaseInstance too
        count, instances = int(args[1]), int(args[4])
    elif name == "glDrawRangeElements":
        count, instances = int(args[3]), 1
    else:
        count, instances = int(args[1]), 1
    return (count // 3) * instances


class CountingGL:
    """``gl.glFoo(...)`` calls ``OpenGL.GL.glFoo(...)`` and counts it.

    Constants (``gl.GL_TRIANGLES``) pass through uncounted. Wrapped functions and
    constants are cached on the instance, so the per-call overhead is one extra Python
    call. With ``timing`` on (benchmarks), the time spent inside GL calls adds up in
    ``gl_seconds``, measured with ``clock`` (the renderer times its stages with the same
    clock; ``time.thread_time`` counts this thread's CPU time only, as on a busy machine).
    With ``rasterise`` off (benchmarks only) draw calls are counted but not passed to GL:
    what the Python side costs where a GPU, not the CPU, draws the triangles.
    """

    def __init__(self) -> None:
        self.gl_calls = 0
        self.draw_calls = 0
        self.triangles = 0
        self.timing = False
        self.rasterise = True
        self.gl_seconds = 0.0
        self.clock: Callable[[], float] = time.perf_counter

    def reset(self) -> None:
        self.gl_calls = self.draw_calls = self.triangles = 0
        self.gl_seconds = 0.0

    def stats(self, prepare_s: float = 0.0, submit_s: float = 0.0) -> FrameStats:
        return FrameStats(
            self.draw_calls, self.gl_calls, self.triangles, prepare_s, submit_s, self.gl_seconds
        )

    def draw_indirect(self, commands: int, triangles: int) -> None:
        """``glMultiDrawElementsIndirect`` of ``commands`` tightly packed 32-bit-index
        commands from the start of the bound draw-indirect buffer: one draw call, with
        the ``triangles`` its commands draw (which GL's arguments do not show)."""
        self.gl_calls += 1
        self.draw_calls += 1
        self.triangles += triangles
        if not self.rasterise:
            return
        args = (GL.GL_TRIANGLES, GL.GL_UNSIGNED_INT, None, commands, 0)
        if self.timing:
            self._timed(GL.glMultiDrawElementsIndirect, args)
        else:
            GL.glMultiDrawElementsIndirect(*args)

    def __getattr__(self, name: str) -> Any:
        target = getattr(GL, name)
        if name.startswith("gl") and callable(target):
            target = self._wrap(name, target)
        setattr(self, name, target)  # looked up once: constants too
        return target

    def _wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        if name in _DRAW_CALLS:

            def draw(*args: Any) -> Any:
                self.gl_calls += 1
                self.draw_calls += 1
                self.triangles += _triangles(name, args)
                if not self.rasterise:
                    return None
                return self._timed(fn, args) if self.timing else fn(*args)

            return draw

        def call(*args: Any, **kwargs: Any) -> Any:
            self.gl_calls += 1
            if self.timing:
                return self._timed(fn, args, kwargs)
            return fn(*args, **kwargs)

        return call

    def _timed(
        self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any] | None = None
    ) -> Any:
        clock = self.clock
        start = clock()
        try:
            return fn(*args, **(kwargs or {}))
        finally:
            self.gl_seconds += clock() - start
