"""Choosing a display backend, and setting up PyOpenGL for it.

``choose_backend('openxr' | 'desktop' | 'headless' | None)``: ``None`` picks the
headset when an OpenXR runtime reports one, else a desktop window when there is
a display, else headless rendering.

PyOpenGL fixes its platform (GLX, EGL, WGL) once, when ``OpenGL`` is first
imported, and importing pyopenxr on Linux imports OpenGL and forces GLX. So the
automatic probe for a headset runs in a short-lived child process: the parent
has imported neither and can still pick EGL for headless rendering.
"""

from __future__ import annotations

import importlib
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any, Literal, TextIO

from vrtherapy.display.base import DisplayBackend, DisplayUnavailable

log = logging.getLogger(__name__)

BackendName = Literal["openxr", "desktop", "headless"]
NAMES: tuple[BackendName, ...] = ("openxr", "desktop", "headless")

PROBE_TIMEOUT = 20.0  # seconds; a runtime that is starting up can take a while


def probe_openxr(xr_module: Any = None) -> bool:
    """Whether an OpenXR runtime is installed and reports a head-mounted display.

    Creates an instance and asks for the HMD system, then destroys the instance.
    Imports pyopenxr (and with it OpenGL) unless ``xr_module`` is given; see
    ``probe_openxr_isolated`` for the variant that keeps this process clean.
    """
    xr = xr_module
    if xr is None:
        os.environ.setdefault("XR_LOADER_DEBUG", "none")
        try:
            xr = importlib.import_module("xr")
        except ImportError:
            return False
    try:
        instance = xr.create_instance(
            create_info=xr.InstanceCreateInfo(
                application_info=xr.ApplicationInfo(
                    application_name="vrtherapy-probe",
                    engine_name="vrtherapy",
                    api_version=xr.Version(1, 0, 0),
                ),
            )
        )
    except xr.XrException as exc:  # RuntimeUnavailableError, InitializationFailedError, ...
        log.debug("no OpenXR runtime: %s", exc)
        return False
    try:
        xr.get_system(
            instance=instance,
            get_info=xr.SystemGetInfo(form_factor=xr.FormFactor.HEAD_MOUNTED_DISPLAY),
        )
        return True
    except xr.XrException as exc:  # FormFactorUnavailableError: runtime without headset
        log.debug("OpenXR runtime without a headset: %s", exc)
        return False
    finally:
        try:
            xr.destroy_instance(instance=instance)
        except xr.XrException:
            log.debug("could not destroy the probe instance", exc_info=True)


def probe_openxr_isolated(timeout: float = PROBE_TIMEOUT) -> bool:
    """``probe_openxr`` in a child process, so this process imports neither xr nor OpenGL."""
    env = dict(os.environ, XR_LOADER_DEBUG=os.environ.get("XR_LOADER_DEBUG", "none"))
    code = "import sys; from vrtherapy.display.select import probe_openxr; " + (
        "sys.exit(0 if probe_openxr() else 3)"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        log.info("the OpenXR probe did not finish; not using a headset", exc_info=True)
        return False
    return done.returncode == 0


def automatic_choice(
    probe: Callable[[], bool] = probe_openxr_isolated,
    display: Callable[[], bool] | None = None,
) -> BackendName:
    """The backend ``choose_backend(None)`` takes: headset, else window, else headless."""
    if display is None:
        from vrtherapy.display.desktop import display_available

        display = display_available
    if probe():
        return "openxr"
    if display():
        return "desktop"
    return "headless"


def configure_gl_platform(name: str) -> str | None:
    """Set ``PYOPENGL_PLATFORM`` for backend ``name`` before OpenGL is imported.

    Linux: 'egl' for headless; GLX (unset, or 'glx' when it was 'egl') for desktop
    and OpenXR, whose glfw windows and runtimes use GLX contexts. Other systems:
    left alone. Returns the value now in force. Raises RuntimeError when OpenGL was
    already imported with a platform that does not fit, since it cannot change then.
    """
    if name not in NAMES:
        raise ValueError(f"unknown display backend {name!r}; use one of {', '.join(NAMES)}")
    current = os.environ.get("PYOPENGL_PLATFORM")
    if not sys.platform.startswith("linux"):
        return current
    wanted: str | None = "egl" if name == "headless" else "glx" if current == "egl" else current
    loaded = sys.modules.get("OpenGL.platform")
    if loaded is not None and wanted != current:
        platform = type(getattr(loaded, "PLATFORM", None)).__name__
        raise RuntimeError(
            f"OpenGL was already imported (platform {platform}); the {name} display needs "
            f"PYOPENGL_PLATFORM={wanted or 'glx'} set before OpenGL is first imported"
        )
    if wanted is None:
        os.environ.pop("PYOPENGL_PLATFORM", None)
    else:
        os.environ["PYOPENGL_PLATFORM"] = wanted
    return wanted


def choose_backend(
    name: str | None = None,
    *,
    probe: Callable[[], bool] = probe_openxr_isolated,
    **options: Any,
) -> DisplayBackend:
    """Make (not open) the backend called ``name``, or the best one for this machine.

    ``options`` go to the backend's constructor. Also sets PyOpenGL's platform.
    """
    if name is None:
        name = automatic_choice(probe)
        log.info("display: %s (chosen automatically)", name)
    if name not in NAMES:
        raise DisplayUnavailable(f"unknown display {name!r}: use one of {', '.join(NAMES)}")
    configure_gl_platform(name)
    if name == "openxr":
        from vrtherapy.display.openxr_backend import OpenXRBackend

        return OpenXRBackend(**options)
    if name == "desktop":
        from vrtherapy.display.desktop import DesktopBackend

        return DesktopBackend(**options)
    from vrtherapy.display.headless import HeadlessDisplay

    return HeadlessDisplay(**options)


def open_or_explain(
    name: str | None = None,
    *,
    err: TextIO | None = None,
    exit_code: int = 2,
    **options: Any,
) -> DisplayBackend:
    """Choose and open a backend; when it can't run, print one line and exit non-zero.

    For the CLI: the therapist sees what to install or which ``--display`` to use,
    never a traceback.
    """
    stream = err if err is not None else sys.stderr
    backend: DisplayBackend | None = None
    try:
        backend = choose_backend(name, **options)
        backend.open()
    except DisplayUnavailable as exc:
        if backend is not None:
            backend.close()
        message = " ".join(str(exc).split())
        print(f"error: {message}", file=stream)
        raise SystemExit(exit_code) from None
    return backend
