"""Shared test fixtures."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# GL tests render through Mesa's EGL without a display; PyOpenGL picks its platform
# when OpenGL is first imported, so this must happen before any test imports it.
os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
# the record signing key (and any other config) of tests lives in a throw-away folder,
# never in the user's config folder; child processes inherit it
os.environ.setdefault("VRTHERAPY_CONFIG_DIR", tempfile.mkdtemp(prefix="vrtherapy-config-"))

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def root() -> Path:
    return ROOT
