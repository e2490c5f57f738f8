"""The counting GL wrapper: what it counts, and the bench's switch that keeps draws off
the rasteriser."""

from __future__ import annotations

from typing import Any

import pytest
from OpenGL import GL

from vrtherapy.render.glcalls import CountingGL


def test_draws_not_rasterised_are_counted_but_not_issued(monkeypatch: pytest.MonkeyPatch) -> None:
    issued: list[tuple[Any, ...]] = []
    monkeypatch.setattr(GL, "glDrawElementsInstanced", lambda *a: issued.append(a))
    monkeypatch.setattr(GL, "glBindVertexArray", lambda *a: issued.append(a))
    gl = CountingGL()
    gl.timing = True
    gl.glBindVertexArray(1)
    gl.glDrawElementsInstanced(GL.GL_TRIANGLES, 36, GL.GL_UNSIGNED_INT, None, 5)
    assert len(issued) == 2
    gl.rasterise = False
    gl.glBindVertexArray(1)  # other calls still go to GL
    gl.glDrawElementsInstanced(GL.GL_TRIANGLES, 36, GL.GL_UNSIGNED_INT, None, 5)
    assert len(issued) == 3
    assert (gl.draw_calls, gl.gl_calls, gl.triangles) == (2, 4, 2 * 12 * 5)
