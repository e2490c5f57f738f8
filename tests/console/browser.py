"""Helpers for the console's browser tests: a running engine and a real Chromium."""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@dataclass
class Engine:
    process: subprocess.Popen[str]
    url: str
    lines: queue.Queue[str] = field(default_factory=queue.Queue)
    codes: list[str] = field(default_factory=list)
    output: list[str] = field(default_factory=list)

    def next_code(self, timeout: float = 10) -> str:
        """The newest pairing code the engine printed."""
        self._drain(timeout if not self.codes else 0.2)
        return self.codes[-1]

    def _drain(self, timeout: float) -> None:
        try:
            while True:
                line = self.lines.get(timeout=timeout)
                timeout = 0.05
                self._take(line)
        except queue.Empty:
            pass

    def _take(self, line: str) -> None:
        self.output.append(line)
        if line.startswith("console pairing code: "):
            self.codes.append(line.split(": ", 1)[1].strip())


@contextmanager
def running_engine(tmp: Path, port: int, *extra: str) -> Iterator[Engine]:
    env = {**os.environ, "VRTHERAPY_DATA_DIR": str(tmp), "PYTHONUNBUFFERED": "1"}
    env.pop("DISPLAY", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vrtherapy",
            "run",
            "--display",
            "headless",
            "--size",
            "320x240",
            "--port",
            str(port),
            *extra,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def reader() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))

    threading.Thread(target=reader, daemon=True).start()
    engine = Engine(proc, "", lines)
    try:
        while not engine.url:
            try:
                line = lines.get(timeout=60)
            except queue.Empty:
                raise RuntimeError(
                    "the engine did not start:\n" + "\n".join(engine.output)
                ) from None
            engine._take(line)
            if line.startswith("console: "):
                engine.url = line.split(": ", 1)[1].strip()
            if proc.poll() is not None:
                raise RuntimeError("the engine exited:\n" + "\n".join(engine.output))
        yield engine
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
