"""Run a snippet in a fresh Python process, where PyOpenGL can pick its own platform."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, **env_overrides: str) -> dict[str, Any]:
    """Run ``code``; its last line of output is JSON, returned as a dict."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYOPENGL_PLATFORM", "DISPLAY")}
    env.update(PYTHONPATH=str(ROOT), XR_LOADER_DEBUG="none", **env_overrides)
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
