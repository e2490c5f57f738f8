"""GLSL programs: sources live in ``vrtherapy/render/shaders/*.glsl``.

A source may ``#include "other.glsl"`` (expanded here, once per file); the
``#version`` line and any ``#define`` lines are prepended when compiling.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from importlib import resources

from OpenGL import GL

GLSL_VERSION = "#version 330 core"
_INCLUDE = re.compile(r'^\s*#include\s+"([^"]+)"\s*$', re.MULTILINE)


class ShaderError(RuntimeError):
    """A shader failed to compile or link; the message holds the driver's log."""


@cache
def shader_source(name: str) -> str:
    """The text of ``shaders/<name>`` with its includes expanded."""
    text = resources.files("vrtherapy.render").joinpath("shaders").joinpath(name).read_text("utf-8")
    return _INCLUDE.sub(lambda m: shader_source(m.group(1)), text)


def _compile(kind: int, name: str, defines: Sequence[str]) -> int:
    header = "\n".join([GLSL_VERSION, *(f"#define {d}" for d in defines), "#line 1", ""])
    shader = int(GL.glCreateShader(kind))
    GL.glShaderSource(shader, header + shader_source(name))
    GL.glCompileShader(shader)
    if not GL.glGetShaderiv(shader, GL.GL_COMPILE_STATUS):
        log = GL.glGetShaderInfoLog(shader)
        GL.glDeleteShader(shader)
        text = log.decode(errors="replace") if isinstance(log, bytes) else str(log)
        raise ShaderError(f"{name}: {text.strip()}")
    return shader


def build_program(vertex: str, fragment: str, defines: Sequence[str] = ()) -> int:
    """Compile and link a program from two shader files; raise ShaderError on failure.

    The ``Frame`` uniform block, when the program uses it, is bound to binding point 0.
    """
    vs = _compile(GL.GL_VERTEX_SHADER, vertex, defines)
    fs = _compile(GL.GL_FRAGMENT_SHADER, fragment, defines)
    program = int(GL.glCreateProgram())
    GL.glAttachShader(program, vs)
    GL.glAttachShader(program, fs)
    GL.glLinkProgram(program)
    GL.glDeleteShader(vs)
    GL.glDeleteShader(fs)
    if not GL.glGetProgramiv(program, GL.GL_LINK_STATUS):
        log = GL.glGetProgramInfoLog(program)
        GL.glDeleteProgram(program)
        text = log.decode(errors="replace") if isinstance(log, bytes) else str(log)
        raise ShaderError(f"{vertex} + {fragment}: {text.strip()}")
    block = GL.glGetUniformBlockIndex(program, "Frame")
    if block != GL.GL_INVALID_INDEX:
        GL.glUniformBlockBinding(program, block, FRAME_BINDING)
    return program


FRAME_BINDING = 0
