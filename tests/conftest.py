"""Shared test fixtures."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

MEMORY_TEMP = Path("/dev/shm")
MEMORY_TEMP_NEEDED = 2 << 30  # free bytes; a whole run writes well under 100 MB


def _temp_in_memory() -> None:
    """Put every temporary file of the run (``tmp_path``, ``tempfile``, child processes)
    in a folder of its own on a memory file system, removed when the run ends.

    The session record commits every event with ``synchronous=FULL``, which waits for
    the disk each time (about 7 ms on a virtual disk, thousands of times in a run); on
    tmpfs the same commits cost nothing, and what the tests check of the store (what
    survives a crash of the process, the order, the size) is the same. A ``TMPDIR``
    that is set, or no roomy writable tmpfs, leaves the temporary folder as it is.
    """
    if os.environ.get("TMPDIR"):
        return
    try:
        stat = os.statvfs(MEMORY_TEMP)
    except OSError:
        return
    if stat.f_bavail * stat.f_frsize < MEMORY_TEMP_NEEDED or not os.access(MEMORY_TEMP, os.W_OK):
        return
    root = tempfile.mkdtemp(prefix="vrtherapy-tests-", dir=MEMORY_TEMP)
    os.chmod(root, 0o755)  # the test PostgreSQL server runs as its own user, in a folder here
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    os.environ["TMPDIR"] = root
    tempfile.tempdir = root


_temp_in_memory()
# GL tests render through Mesa's EGL without a display; PyOpenGL picks its platform
# when OpenGL is first imported, so this must happen before any test imports it.
os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
# the record signing key (and any other config) of tests lives in a throw-away folder,
# never in the user's config folder; child processes inherit it
os.environ.setdefault("VRTHERAPY_CONFIG_DIR", tempfile.mkdtemp(prefix="vrtherapy-config-"))
# and so do made sounds (the espeak-ng crowd murmur), never in the user's cache folder
os.environ.setdefault("VRTHERAPY_CACHE_DIR", tempfile.mkdtemp(prefix="vrtherapy-cache-"))

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def root() -> Path:
    return ROOT
