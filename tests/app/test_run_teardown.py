"""`vrtherapy run` with a headset whose runtime ends the session, against the pyopenxr
test double: one teardown order, and the real reason on the record and the terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.display.fake_xr import Call, FakeGraphics, FakeXr
from vrtherapy.display.openxr_backend import OpenXRBackend


class RecordingView:
    """Stands in for ClientView (no GL here): logs its release into the runtime's call log."""

    calls: list[Call] = []
    on_frame: Any = None
    presentation: Any = None  # nothing shown: the head is sampled with the view faded out
    world: Any = None

    def __init__(self, *_args: Any, **_kw: Any) -> None:
        self.frames = 0
        self.presentation = None  # what the render loop's pose sampler reads: nothing drawn
        self.world = None

    def render(self, views: Any, snap: Any, slider: Any, now: float) -> None:
        self.frames += 1
        RecordingView.on_frame(self.frames)

    def close(self) -> None:
        self.calls.append(Call("renderer.release", {}))


class RecordingMirror:
    def __init__(self, calls: list[Call]) -> None:
        self.calls = calls

    def show_framebuffer(self, framebuffer: int, size: Any) -> None:
        pass

    def close(self) -> None:
        self.calls.append(Call("mirror.close", {}))


def test_runtime_ending_the_session_tears_down_in_order_and_records_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vrtherapy.app.run as run
    import vrtherapy.cli.run_command as run_command
    import vrtherapy.display.select as select
    from vrtherapy.cli.main import cli
    from vrtherapy.console.server import free_port
    from vrtherapy.session.store import open_store

    fake = FakeXr()
    backend = OpenXRBackend(
        xr_module=fake, graphics=FakeGraphics(fake.calls), sleep=lambda _s: None
    )

    def open_headset(name: Any = None, **_kw: Any) -> OpenXRBackend:
        backend.open()
        return backend

    def runtime_quits(frame: int) -> None:
        if frame == 5:  # the client quits from the headset's own menu
            fake.exit_requested = True
            fake.queue_stopping()

    RecordingView.calls = fake.calls
    RecordingView.on_frame = runtime_quits
    monkeypatch.setattr(select, "open_or_explain", open_headset)
    monkeypatch.setattr(select, "configure_gl_platform", lambda _name: None)
    monkeypatch.setattr(run, "ClientView", RecordingView)
    monkeypatch.setattr(run_command, "_window_mirror", lambda _b: RecordingMirror(fake.calls))
    monkeypatch.setenv("VRTHERAPY_DATA_DIR", str(tmp_path))
    database = tmp_path / "run.sqlite3"
    result = CliRunner().invoke(
        cli,
        [
            "run",
            "--display",
            "openxr",
            "--hierarchy",
            "heights.standard",
            "--port",
            str(free_port()),
            "--database",
            str(database),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "the engine was stopped" not in result.output
    assert "ended the session" in result.output and "headset's menu" in result.output

    names = fake.names()
    # what drew with the GL context let go of it before the context was destroyed
    assert names.index("renderer.release") < names.index("mirror.close")
    assert names.index("mirror.close") < names.index("gl.destroy")
    assert names.index("gl.destroy") < names.index("destroy_instance")
    assert names.count("gl.destroy") == 1
    assert fake.live_handles() == []

    store = open_store(str(database))
    try:
        (session,) = store.streams(kind="session")
        ended = [e for e in store.read(session.stream) if e.kind == "session_ended"]
        assert len(ended) == 1
        assert "OpenXR runtime" in ended[0].payload.reason
        assert "headset's menu" in ended[0].payload.reason
    finally:
        store.close()
