"""`vrtherapy run` and `devices` on a machine without a sound card: one warning, and the
session runs as it would with sound."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from vrtherapy.audio import ListenerPose
from vrtherapy.display.headless import HeadPose

# OpenAL Soft with no usable backend: what a machine without a sound card looks like,
# even on a test machine that has one
NO_SOUND_CARD = {"ALSOFT_DRIVERS": "none-here"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _vrtherapy(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **NO_SOUND_CARD, "VRTHERAPY_DATA_DIR": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-m", "vrtherapy", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=120,
    )


@pytest.mark.slow
def test_run_without_a_sound_card_warns_once_and_runs(tmp_path: Path) -> None:
    proc = _vrtherapy(
        "run",
        "heights.balcony",
        "--display",
        "headless",
        "--size",
        "64x48",
        "--frames",
        "30",
        "--port",
        str(_free_port()),
        tmp_path=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == [
        "warning: no sound: no audio output device; the session runs silently"
    ]
    assert "started for client" in proc.stdout
    assert "ended: the frame limit (30) was reached" in proc.stdout  # the real reason
    assert "note: no voice measures: no microphone could be opened" in proc.stdout


@pytest.mark.slow
def test_run_with_a_sound_output_plays_without_a_word(tmp_path: Path) -> None:
    """OpenAL's null backend stands in for a sound card: the audio thread follows the
    session and the head for the whole run and closes cleanly."""
    env = {**os.environ, "ALSOFT_DRIVERS": "null", "VRTHERAPY_DATA_DIR": str(tmp_path)}
    args = ["run", "heights.balcony", "--display", "headless", "--size", "64x48"]
    proc = subprocess.run(
        [sys.executable, "-m", "vrtherapy", *args, "--frames", "90", "--port", str(_free_port())],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "ended: the frame limit (90) was reached" in proc.stdout  # the real reason


def test_devices_says_there_are_none_without_a_sound_card(tmp_path: Path) -> None:
    env_names = _vrtherapy("devices", tmp_path=tmp_path)
    assert env_names.returncode == 0
    assert "sound outputs: none found" in env_names.stdout
    assert "microphones: none found (no voice measures)" in env_names.stdout


def test_the_head_pose_from_the_view_matrices_matches_the_head() -> None:
    head = HeadPose(eye_height=1.7, x=0.3, z=-0.2, yaw_degrees=90.0, pitch_degrees=-20.0)
    m = head.matrix().astype(np.float64)
    eyes = []
    for dx in (-0.032, 0.032):
        eye = m.copy()
        eye[:3, 3] += m[:3, 0] * dx
        eyes.append(np.linalg.inv(eye).astype(np.float32))
    pose = ListenerPose.from_view(eyes, (10.0, 30.0, 5.0))
    want = ListenerPose.facing((10.3, 31.7, 4.8), 90.0, -20.0)
    assert np.allclose(pose.position, want.position, atol=1e-4)
    assert np.allclose(pose.forward, want.forward, atol=1e-4)
    assert np.allclose(pose.up, want.up, atol=1e-4)
