"""Choosing a backend, probing for a headset, and PyOpenGL's platform."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.display.child_process import run_python
from tests.display.fake_xr import FakeXr, real_xr
from vrtherapy.display.base import DisplayUnavailable
from vrtherapy.display.desktop import DesktopBackend
from vrtherapy.display.openxr_backend import OpenXRBackend
from vrtherapy.display.select import (
    automatic_choice,
    choose_backend,
    open_or_explain,
    probe_openxr,
    probe_openxr_isolated,
)

ROOT = Path(__file__).resolve().parents[2]


child = run_python


def test_probe_finds_a_headset_and_cleans_up() -> None:
    fake = FakeXr()
    assert probe_openxr(fake) is True
    assert fake.names() == ["create_instance", "get_system", "destroy_instance"]
    assert fake.live_handles() == []


def test_probe_without_runtime_or_headset() -> None:
    assert probe_openxr(FakeXr(runtime_available=False)) is False
    no_hmd = FakeXr(hmd_present=False)
    assert probe_openxr(no_hmd) is False
    assert "destroy_instance" in no_hmd.names()
    assert no_hmd.live_handles() == []


def test_isolated_probe_with_real_pyopenxr_finds_no_runtime_here() -> None:
    try:
        real_xr.create_instance(real_xr.InstanceCreateInfo())
    except real_xr.RuntimeUnavailableError:
        pass
    else:  # pragma: no cover - a machine with a runtime
        pytest.skip("an OpenXR runtime is installed here")
    assert probe_openxr_isolated() is False


def test_automatic_choice_order() -> None:
    assert automatic_choice(lambda: True, lambda: True) == "openxr"
    assert automatic_choice(lambda: False, lambda: True) == "desktop"
    assert automatic_choice(lambda: False, lambda: False) == "headless"


def test_explicit_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYOPENGL_PLATFORM", raising=False)
    xr_backend = choose_backend("openxr", far=100.0)
    assert isinstance(xr_backend, OpenXRBackend) and xr_backend.far == 100.0
    desktop = choose_backend("desktop", stereo=True)
    assert isinstance(desktop, DesktopBackend) and desktop.stereo
    auto = choose_backend(None, probe=lambda: True)
    assert isinstance(auto, OpenXRBackend)
    with pytest.raises(DisplayUnavailable, match="unknown display 'cave'"):
        choose_backend("cave")


def test_headless_choice_sets_egl_before_opengl_loads() -> None:
    out = child(
        """
        import json, os, sys
        from vrtherapy.display.select import choose_backend
        backend = choose_backend(None, probe=lambda: False)  # no DISPLAY here
        env = os.environ.get("PYOPENGL_PLATFORM")
        import OpenGL.platform
        print(json.dumps({"name": backend.name, "env": env,
                          "platform": type(OpenGL.platform.PLATFORM).__name__}))
        """
    )
    assert out == {"name": "headless", "env": "egl", "platform": "EGLPlatform"}


def test_desktop_choice_undoes_egl_and_refuses_a_late_switch() -> None:
    out = child(
        """
        import json, os
        from vrtherapy.display.select import configure_gl_platform
        desktop = configure_gl_platform("desktop")
        import OpenGL.platform
        platform = type(OpenGL.platform.PLATFORM).__name__
        try:
            configure_gl_platform("headless")
            late = "allowed"
        except RuntimeError as exc:
            late = str(exc)
        print(json.dumps({"desktop": desktop, "platform": platform, "late": late}))
        """,
        PYOPENGL_PLATFORM="egl",
        DISPLAY=":0",
    )
    assert out["desktop"] == "glx"
    assert out["platform"] == "GLXPlatform"
    assert "already imported" in out["late"] and "PYOPENGL_PLATFORM=egl" in out["late"]


def test_open_or_explain_prints_one_line_and_exits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("PYOPENGL_PLATFORM", raising=False)
    err = io.StringIO()
    with pytest.raises(SystemExit) as raised:
        open_or_explain("desktop", err=err)
    assert raised.value.code == 2
    lines = err.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: no desktop display")


def test_open_or_explain_returns_the_open_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYOPENGL_PLATFORM", raising=False)
    fake = FakeXr()
    from tests.display.fake_xr import FakeGraphics

    backend = open_or_explain(
        "openxr", xr_module=fake, graphics=FakeGraphics(fake.calls), sleep=lambda s: None
    )
    assert isinstance(backend, OpenXRBackend) and backend.session is not None
    backend.close()
    assert fake.live_handles() == []
