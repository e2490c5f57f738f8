"""Import the real pyopenxr for tests without disturbing PyOpenGL's platform.

pyopenxr's Linux module replaces PyOpenGL's platform with GLX on import. Other GL
tests in the same pytest process render through EGL, so the platform that was in
force before the import is put back afterwards.
"""

from __future__ import annotations

from typing import Any


def import_real_xr() -> Any:
    import OpenGL.platform as gl_platform

    before = gl_platform.PLATFORM
    import xr

    gl_platform.PLATFORM = before
    return xr
