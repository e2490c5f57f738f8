"""What a context draws a frame's runs with, from its OpenGL version and extensions
(a stand-in for GL answers the queries: every version and extension set, no driver)."""

from __future__ import annotations

from typing import Any

import pytest
from OpenGL import GL

from vrtherapy.render.mesh_cache import draw_support


class _Context:
    """Answers the version and extension queries as a context of ``version`` would."""

    def __init__(self, version: tuple[int, int], extensions: tuple[str, ...]) -> None:
        self._version = version
        self._extensions = [e.encode() for e in extensions]

    def __getattr__(self, name: str) -> Any:
        return getattr(GL, name)  # the constants

    def glGetIntegerv(self, what: int) -> int:
        return {
            GL.GL_MAJOR_VERSION: self._version[0],
            GL.GL_MINOR_VERSION: self._version[1],
            GL.GL_NUM_EXTENSIONS: len(self._extensions),
        }[what]

    def glGetStringi(self, what: int, i: int) -> bytes:
        assert what == GL.GL_EXTENSIONS
        return self._extensions[i]


MDI, BASE = "GL_ARB_multi_draw_indirect", "GL_ARB_base_instance"


@pytest.mark.parametrize(
    ("version", "extensions", "expected"),
    [
        ((4, 6), (), (True, True)),
        ((4, 3), (), (True, True)),
        ((4, 2), (), (False, True)),  # base instances are core from 4.2
        ((4, 2), (MDI,), (True, True)),
        # a command's first instance must be zero without base instances: no multi-draw
        ((4, 1), (MDI,), (False, False)),
        ((4, 1), (MDI, BASE), (True, True)),
        ((3, 3), (BASE,), (False, True)),
        ((3, 3), ("GL_ARB_other",), (False, False)),
    ],
)
def test_multi_draws_need_base_instances_too(
    version: tuple[int, int], extensions: tuple[str, ...], expected: tuple[bool, bool]
) -> None:
    assert draw_support(_Context(version, extensions)) == expected


def test_without_a_context_nothing_is_assumed() -> None:
    class NoContext:
        def __getattr__(self, name: str) -> Any:
            if name.startswith("gl"):

                def fail(*_: Any) -> Any:
                    raise GL.GLError(err=GL.GL_INVALID_OPERATION)

                return fail
            return getattr(GL, name)

    assert draw_support(NoContext()) == (False, False)
