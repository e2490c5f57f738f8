"""Run the console on the engine thread's asyncio loop, beside the session engine.

The loop serves the console, ticks the engine a few times a second and pumps
mirror frames; the render thread never waits for any of it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from vrtherapy.console.app import create_app
from vrtherapy.console.auth import Pairing
from vrtherapy.console.hub import Hub
from vrtherapy.console.mirror import MirrorBuffer
from vrtherapy.console.tls import ensure_certificate
from vrtherapy.session.service import SessionService

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"


class ConsoleError(RuntimeError):
    """The console cannot start; the message says why."""


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return address == "localhost"


@dataclass
class ConsoleConfig:
    listen: str = LOOPBACK
    port: int = 8765
    tls: bool | None = None  # None: TLS exactly when listening beyond this machine
    data_dir: Path | None = None  # where the TLS certificate lives
    idle_lock_s: float = 600.0
    tick_s: float = 0.25
    mirror_fps: float = 15.0


class ConsoleServer:
    """Owns the engine thread: an asyncio loop with the web server, ticks and mirror."""

    def __init__(
        self,
        service: SessionService,
        config: ConsoleConfig,
        *,
        announce: Callable[[str], None] = print,
        mirror: MirrorBuffer | None = None,
        on_tick: Callable[[], None] | None = None,
    ) -> None:
        self.service = service
        self.config = config
        self.announce = announce
        self.mirror = mirror or MirrorBuffer()
        self.on_tick = on_tick
        self.pairing = Pairing(
            announce=lambda code: announce(f"console pairing code: {code}"),
            idle_timeout_s=config.idle_lock_s,
        )
        self.hub = Hub(service, self.pairing, self.mirror)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.url = ""
        self.fingerprint: str | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def _uvicorn_config(self) -> uvicorn.Config:
        cfg = self.config
        secure = cfg.tls if cfg.tls is not None else not is_loopback(cfg.listen)
        kwargs: dict[str, object] = {}
        if secure:
            if cfg.data_dir is None:
                raise ConsoleError("opening the console to the network needs a data folder for TLS")
            cert = ensure_certificate(cfg.data_dir, cfg.listen)
            self.fingerprint = cert.fingerprint
            kwargs = {"ssl_certfile": str(cert.cert_file), "ssl_keyfile": str(cert.key_file)}
        app = create_app(
            self.hub, self.pairing, secure=secure, allowed_hosts=allowed_hosts(cfg.listen)
        )
        scheme = "https" if secure else "http"
        host = f"[{cfg.listen}]" if ":" in cfg.listen else cfg.listen
        self.url = f"{scheme}://{host}:{cfg.port}/"
        return uvicorn.Config(
            app,
            host=cfg.listen,
            port=cfg.port,
            log_level="warning",
            access_log=False,  # no clinical data in logs
            ws_max_size=4 * 1024 * 1024,
            lifespan="off",
            **kwargs,  # type: ignore[arg-type]
        )

    def start(self) -> None:
        """Start the engine thread; returns once the console accepts connections."""
        config = self._uvicorn_config()
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="engine", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=30)
        if self._error is not None:
            raise ConsoleError(f"the console could not start on {self.url}: {self._error}")
        if not self._ready.is_set():
            raise ConsoleError(f"the console did not start on {self.url} within 30 s")
        self.announce(f"console: {self.url}")
        if self.fingerprint:
            self.announce(f"console certificate SHA-256 fingerprint: {self.fingerprint}")

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self.loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._main())
        except BaseException as exc:  # reported to start() or logged
            self._error = exc
            self._ready.set()
            log.exception("the engine thread stopped")
        finally:
            loop.close()

    async def _main(self) -> None:
        assert self._server is not None
        server = self._server
        serve = asyncio.create_task(server.serve())
        while not server.started:
            if serve.done():
                exc = serve.exception()
                raise exc or ConsoleError("the web server stopped at start-up")
            await asyncio.sleep(0.02)
        self._ready.set()
        pump = asyncio.create_task(self.hub.pump_mirror(self.config.mirror_fps))
        try:
            while not server.should_exit:
                await asyncio.sleep(self.config.tick_s)
                try:
                    self.service.tick()
                    if self.on_tick is not None:
                        self.on_tick()
                    self.hub.broadcast_snapshot()
                except Exception:
                    log.exception("engine tick failed")
        finally:
            pump.cancel()
            await serve

    def call(self, fn: Callable[[], object]) -> None:
        """Run ``fn`` on the engine thread (from the render thread, for client input)."""
        if self.loop is not None:
            self.loop.call_soon_threadsafe(fn)

    def bound_addresses(self) -> list[tuple[str, int]]:
        if self._server is None:
            return []
        out = []
        for srv in getattr(self._server, "servers", []):
            for sock in srv.sockets:
                name = sock.getsockname()
                out.append((str(name[0]), int(name[1])))
        return out

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)


def allowed_hosts(listen: str) -> list[str]:
    """Host names a browser may use to reach the console (checked on every request)."""
    if listen in ("0.0.0.0", "::", ""):
        return ["*"]  # every address of this machine: the host name can't be known here
    hosts = {listen, "localhost", "127.0.0.1", "::1"} if is_loopback(listen) else {listen}
    return sorted(hosts)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])
