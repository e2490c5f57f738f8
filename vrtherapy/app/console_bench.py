"""Benchmark of the console's effect on the client's frames.

In one process, as in `vrtherapy run --display headless`: a session, the
console server on loopback, the render loop, and a WebSocket client standing
in for a browser tab. Measures the command-to-frame latency (from sending a
command on the WebSocket to the end of the first rendered frame that reflects
it) and what serving the mirror costs per frame (frames with the mirror
readback and a tab receiving it, against frames without, in the same run).
"""

from __future__ import annotations

import json
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ConsoleBench:
    latencies_ms: tuple[float, ...]
    frame_ms_with_mirror: tuple[float, ...]
    frame_ms_without_mirror: tuple[float, ...]
    mirror_images: int
    seconds_with_mirror: float

    @staticmethod
    def _p(values: tuple[float, ...], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    def report(self) -> str:
        lat, w, wo = self.latencies_ms, self.frame_ms_with_mirror, self.frame_ms_without_mirror
        med_w, med_wo = statistics.median(w), statistics.median(wo)
        fps = self.mirror_images / self.seconds_with_mirror if self.seconds_with_mirror else 0.0
        return "\n".join(
            [
                f"command → frame latency   median {statistics.median(lat):6.1f} ms   "
                f"p99 {self._p(lat, 0.99):6.1f} ms   ({len(lat)} commands)",
                f"frame time, mirror served median {med_w:6.2f} ms   "
                f"p99 {self._p(w, 0.99):6.2f} ms",
                f"frame time, no mirror     median {med_wo:6.2f} ms   "
                f"p99 {self._p(wo, 0.99):6.2f} ms",
                f"mirror cost               x{med_w / med_wo:.2f} of the frame time "
                f"({med_w - med_wo:+.2f} ms); {fps:.1f} mirror images/s reached the tab",
            ]
        )


def run_console_bench(
    commands: int = 40, frames: int = 240, size: tuple[int, int] = (320, 240)
) -> ConsoleBench:
    from websockets.sync.client import connect
    from websockets.typing import Origin

    from vrtherapy.app.engine_thread import EngineThread
    from vrtherapy.app.run import RenderLoop, RunOptions
    from vrtherapy.authoring import load_library
    from vrtherapy.console.auth import COOKIE
    from vrtherapy.console.server import ConsoleConfig, ConsoleServer, free_port
    from vrtherapy.display.headless import HeadlessDisplay
    from vrtherapy.session.clock import SystemClock
    from vrtherapy.session.service import SessionService
    from vrtherapy.session.store import open_store

    tmp = Path(tempfile.mkdtemp(prefix="vrtherapy-bench-"))
    library = load_library()
    service = SessionService(open_store(str(tmp / "bench.sqlite3")), library, SystemClock())
    service.start(service.clients.create(library.hierarchy("heights.standard")))
    server = ConsoleServer(
        service, ConsoleConfig(port=free_port(), data_dir=tmp), announce=lambda _: None
    )
    engine = EngineThread(service)
    engine.mount(server)
    engine.start()
    display = HeadlessDisplay(size)
    display.open()
    loop = RenderLoop(service, engine, display, RunOptions(pace_hz=90.0), mirror=server.mirror)
    loop.keep_frame_log = True
    token = server.pairing.pair(server.pairing.code, "bench")
    host = server.url.split("//", 1)[1].rstrip("/")
    ws = connect(
        f"ws://{host}/ws",
        origin=Origin(f"http://{host}"),
        additional_headers={"Cookie": f"{COOKIE}={token}"},
        max_size=None,
    )
    ws.send(json.dumps({"type": "hello", "last_seq": 0}))
    images = [0]
    stop = threading.Event()

    def drain() -> None:
        while not stop.is_set():
            try:
                message = ws.recv(timeout=0.5)
            except TimeoutError:
                continue
            except Exception:
                return
            if isinstance(message, bytes):
                images[0] += 1

    sent: list[tuple[float, float]] = []

    def commander() -> None:
        time.sleep(1.0)
        for i in range(commands):
            target = 80.0 if i % 2 == 0 else 20.0
            t0 = time.perf_counter()
            ws.send(
                json.dumps(
                    {
                        "type": "command",
                        "id": f"bench-{i}",
                        "name": "set_intensity",
                        "args": {"intensity": target},
                    }
                )
            )
            sent.append((t0, target))
            time.sleep(0.15)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    # phase 1: mirror served, commands flowing
    loop.options.frames = frames
    sender = threading.Thread(target=commander, daemon=True)
    sender.start()
    started = time.perf_counter()
    images_before = images[0]
    while sender.is_alive() or loop.frames < frames:
        loop.options.frames = loop.frames + 30
        loop.run()
    seconds = time.perf_counter() - started
    shown_images = images[0] - images_before
    latencies = []
    log = list(loop.frame_log)
    for t0, target in sent:
        done = next(
            (t for t, snap in log if t > t0 and snap is not None and snap.intensity == target),
            None,
        )
        if done is not None:
            latencies.append((done - t0) * 1000)
    # phase 2: the same scene, blocks of frames with and without the mirror, interleaved
    mirror = loop.view.mirror
    with_mirror: list[float] = []
    without: list[float] = []
    block = max(10, frames // 8)
    for i in range(8):
        loop.frame_times.clear()
        loop.view.mirror = mirror if i % 2 == 0 else None
        loop.options.frames = loop.frames + block
        loop.run()
        (with_mirror if i % 2 == 0 else without).extend(t * 1000 for t in loop.frame_times[2:])
    stop.set()
    ws.close()
    loop.close()
    display.close()
    engine.stop()
    return ConsoleBench(tuple(latencies), tuple(with_mirror), tuple(without), shown_images, seconds)
