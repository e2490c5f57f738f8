"""Benchmark of the console's effect on the client's frames.

In one process, as in `vrtherapy run --display headless`: a session, the
console server on loopback, the render loop, and a WebSocket client standing
in for a browser tab. Measures the command-to-frame latency (from sending a
command on the WebSocket to the end of the first rendered frame that reflects
it) and what serving the mirror costs per frame (frames with the mirror
readback and a tab receiving it, against frames without, in the same run).

When Chromium is installed (Debian's /usr/bin/chromium, driven by Playwright)
a real console page also runs: it counts the mirror images the browser shows
per second and times Blackout, from the click to the first black mirror image
the page has decoded.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vrtherapy.session.snapshot import Snapshot

MIRROR_TARGET_FPS = 10.0
MIRROR_TARGET_COST = 0.05  # of the frame time
LATENCY_TARGET_FRAMES = 2.0


@dataclass(frozen=True)
class BrowserNumbers:
    mirror_fps: float  # mirror images the page loaded per second
    blackout_ms: tuple[float, ...]  # click on Blackout -> first black mirror image shown


@dataclass(frozen=True)
class ConsoleBench:
    latencies_ms: tuple[float, ...]
    # per command: frames finished after it was sent, up to the first that shows it (1 when it
    # came between frames, 2 when a frame was being drawn; more means a frame missed it)
    latency_frames: tuple[int, ...]
    stored_ms: tuple[float, ...]  # the part of each latency until the change was stored
    frame_ms_with_mirror: tuple[float, ...]
    frame_ms_without_mirror: tuple[float, ...]
    mirror_images: int
    seconds_with_mirror: float
    browser: BrowserNumbers | None = None
    browser_problem: str = ""

    @staticmethod
    def _p(values: tuple[float, ...], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    def report(self) -> str:
        lat, w, wo = self.latencies_ms, self.frame_ms_with_mirror, self.frame_ms_without_mirror
        med_w, med_wo = statistics.median(w), statistics.median(wo)
        fps = self.mirror_images / self.seconds_with_mirror if self.seconds_with_mirror else 0.0
        cost = med_w / med_wo - 1.0
        counts = tuple(float(n) for n in self.latency_frames)
        p99_frames = self._p(counts, 0.99) if counts else float("nan")
        lines = [
            f"command → frame latency   median {statistics.median(lat):6.1f} ms   "
            f"p99 {self._p(lat, 0.99):6.1f} ms; the {_nth(p99_frames)} frame after the "
            f"command at p99, worst the {_nth(max(counts))} "
            f"(target ≤ {LATENCY_TARGET_FRAMES:g}: {_met(p99_frames <= LATENCY_TARGET_FRAMES)}; "
            f"{len(lat)} commands, frames of {med_w:.1f} ms)"
            if lat
            else "command → frame latency   no command reached a frame",
            f"  of which to stored      median {statistics.median(self.stored_ms):6.1f} ms   "
            f"p99 {self._p(self.stored_ms, 0.99):6.1f} ms (socket, engine thread, record "
            "written); the rest waits for and draws the next frame"
            if self.stored_ms
            else "  of which to stored      not measured",
            f"frame time, mirror served median {med_w:6.2f} ms   p99 {self._p(w, 0.99):6.2f} ms",
            f"frame time, no mirror     median {med_wo:6.2f} ms   p99 {self._p(wo, 0.99):6.2f} ms",
            f"mirror cost               x{med_w / med_wo:.2f} of the frame time "
            f"({med_w - med_wo:+.2f} ms; target ≤ {MIRROR_TARGET_COST:.0%}: "
            f"{_met(cost <= MIRROR_TARGET_COST)}); {fps:.1f} mirror images/s reached the socket",
        ]
        b = self.browser
        if b is None:
            lines.append(f"browser                   not measured: {self.browser_problem}")
        else:
            lines.append(
                f"mirror in the browser     {b.mirror_fps:5.1f} images/s shown "
                f"(target ≥ {MIRROR_TARGET_FPS:g}: {_met(b.mirror_fps >= MIRROR_TARGET_FPS)})"
            )
            if b.blackout_ms:
                lines.append(
                    "Blackout → black mirror   "
                    f"median {statistics.median(b.blackout_ms):6.1f} ms   "
                    f"p95 {self._p(b.blackout_ms, 0.95):6.1f} ms   ({len(b.blackout_ms)} clicks)"
                )
            else:
                lines.append("Blackout → black mirror   the mirror never turned black")
        return "\n".join(lines)


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _nth(n: float) -> str:
    k = int(n)
    return f"{k}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(k if k < 20 else k % 10, 'th') }"


# In the page: count mirror images shown, and time one Blackout click to a black image.
_COUNT_IMAGES = """(ms) => new Promise((resolve) => {
  const img = document.getElementById('mirror'); let n = 0;
  const seen = () => { n += 1; };
  img.addEventListener('load', seen);
  setTimeout(() => { img.removeEventListener('load', seen); resolve(n); }, ms);
})"""
_TIME_BLACKOUT = """() => new Promise((resolve) => {
  const img = document.getElementById('mirror');
  const c = document.createElement('canvas');
  const g = c.getContext('2d', {willReadFrequently: true});
  const t0 = performance.now();
  const check = () => {
    c.width = img.naturalWidth; c.height = img.naturalHeight; g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data; let max = 0;
    for (let i = 0; i < d.length; i += 4) max = Math.max(max, d[i], d[i + 1], d[i + 2]);
    if (max <= 8) { img.removeEventListener('load', check); resolve(performance.now() - t0); }
  };
  img.addEventListener('load', check);
  setTimeout(() => { img.removeEventListener('load', check); resolve(null); }, 5000);
  document.querySelector('[data-safety=blackout]').click();
})"""


def _browser_phase(url: str, code: str, seconds: float, clicks: int) -> BrowserNumbers:
    """A real console page in Chromium: mirror images per second, Blackout latency."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(chromium):
        raise FileNotFoundError("Chromium is not installed (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.goto(url + "pair")
            page.fill("#code", code)
            page.click("button[type=submit]")
            page.wait_for_selector("#live:not([hidden])", timeout=20000)
            page.wait_for_timeout(1500)
            shown = page.evaluate(_COUNT_IMAGES, int(seconds * 1000))
            times: list[float] = []
            for _ in range(clicks):
                t = page.evaluate(_TIME_BLACKOUT)
                if t is not None:
                    times.append(float(t))
                page.click("[data-safety=resume]")
                page.wait_for_timeout(1200)
            return BrowserNumbers(shown / seconds, tuple(times))
        finally:
            browser.close()


def run_console_bench(
    commands: int = 40,
    frames: int = 240,
    size: tuple[int, int] = (320, 240),
    blackouts: int = 10,
    browser: bool = True,
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
    display = HeadlessDisplay(size, finish=True)  # a frame's time includes its drawing
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

    published: list[tuple[float, float]] = []  # (when, intensity) of each new snapshot

    def on_change(snapshot: Snapshot, _events: object) -> None:
        published.append((time.perf_counter(), snapshot.intensity))

    service.subscribe(on_change)
    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    browser_result: list[BrowserNumbers] = []
    browser_problem: list[str] = []

    def in_browser() -> None:
        try:
            code = server.pairing.code
            browser_result.append(_browser_phase(server.url, code, 5.0, blackouts))
        except Exception as exc:  # reported, the other numbers still count
            browser_problem.append(f"{type(exc).__name__}: {exc}")

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
    latencies: list[float] = []
    to_engine: list[float] = []
    counts: list[int] = []
    log = list(loop.frame_log)
    changes = list(published)
    for t0, target in sent:
        done = next(
            (t for t, snap in log if t > t0 and snap is not None and snap.intensity == target),
            None,
        )
        stored = next((t for t, value in changes if t > t0 and value == target), None)
        if done is not None:
            latencies.append((done - t0) * 1000)
            counts.append(sum(1 for t, _ in log if t0 < t <= done))
            if stored is not None and stored <= done:
                to_engine.append((stored - t0) * 1000)
    # phase 2: the same scene, blocks of frames with and without the mirror, interleaved,
    # once the last intensity's world is on screen (not a fade, which is cheaper to draw)
    settle = loop.frames + 2000
    while not loop.view.showing_wanted and loop.frames < settle:
        loop.options.frames = loop.frames + 1
        loop.run()
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
    # phase 3: a real console page, with the render loop going
    loop.view.mirror = mirror
    if browser:
        page = threading.Thread(target=in_browser, daemon=True)
        page.start()
        while page.is_alive():
            loop.options.frames = loop.frames + 30
            loop.run()
    else:
        browser_problem.append("skipped")
    stop.set()
    ws.close()
    loop.close()
    display.close()
    engine.stop()
    return ConsoleBench(
        tuple(latencies),
        tuple(counts),
        tuple(to_engine),
        tuple(with_mirror),
        tuple(without),
        shown_images,
        seconds,
        browser_result[0] if browser_result else None,
        browser_problem[0] if browser_problem else "",
    )
