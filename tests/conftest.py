"""Shared test fixtures."""

from __future__ import annotations

import os
from pathlib import Path

# GL tests render through Mesa's EGL without a display; PyOpenGL picks its platform
# when OpenGL is first imported, so this must happen before any test imports it.
os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def root() -> Path:
    return ROOT
