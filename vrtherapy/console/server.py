"""The console server, mounted on the engine thread's asyncio loop beside the session
engine: it serves the page and the socket and pumps mirror frames; the render
thread never waits for any of it."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from vrtherapy.console.app import Export, ReportHtml, create_app
from vrtherapy.console.auth import Pairing
from vrtherapy.console.hub import Hub, ReplayFrames
from vrtherapy.console.mirror import MirrorBuffer
from vrtherapy.console.protocol import MAX_MESSAGE_BYTES
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
    mirror_fps: float = 15.0
    # proxies whose X-Forwarded-For is believed; none unless the operator names them
    trusted_proxies: tuple[str, ...] = ()


class ConsoleServer:
    """The console's web server, hub and mirror pump, mounted on the engine thread's
    loop (``vrtherapy.app.engine_thread``): it owns no thread of its own."""

    def __init__(
        self,
        service: SessionService,
        config: ConsoleConfig,
        *,
        announce: Callable[[str], None] = print,
        mirror: MirrorBuffer | None = None,
        report: ReportHtml | None = None,
        export: Export | None = None,
        replay: ReplayFrames | None = None,
    ) -> None:
        self.service = service
        self.report = report  # session id -> its HTML report, for the summary's link
        self.export = export  # (session id, what) -> its CSV or FHIR export, likewise
        self.config = config
        self.announce = announce
        self.mirror = mirror or MirrorBuffer()
        self.pairing = Pairing(
            announce=lambda code: announce(f"console pairing code: {code}"),
            idle_timeout_s=config.idle_lock_s,
        )
        self.hub = Hub(service, self.pairing, self.mirror, replay)
        self.url = ""
        self.fingerprint: str | None = None
        self._server: uvicorn.Server | None = None
        self._serve: asyncio.Task[None] | None = None
        self._pump: asyncio.Task[None] | None = None

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
            self.hub,
            self.pairing,
            secure=secure,
            allowed_hosts=allowed_hosts(cfg.listen),
            report=self.report,
            export=self.export,
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
            ws_max_size=MAX_MESSAGE_BYTES,
            # X-Forwarded-For decides which address a pairing attempt counts against;
            # it is believed only from a proxy the operator named
            proxy_headers=bool(cfg.trusted_proxies),
            forwarded_allow_ips=list(cfg.trusted_proxies) or None,
            lifespan="off",
            **kwargs,  # type: ignore[arg-type]
        )

    async def start(self) -> None:
        """Serve the console on the running loop; returns once it accepts connections."""
        try:
            server = self._server = uvicorn.Server(self._uvicorn_config())
            self._serve = asyncio.create_task(server.serve())
            while not server.started:
                if self._serve.done():
                    exc = self._serve.exception()
                    raise exc or ConsoleError("the web server stopped at start-up")
                await asyncio.sleep(0.02)
        except ConsoleError:
            raise
        except BaseException as exc:
            raise ConsoleError(f"the console could not start on {self.url}: {exc}") from exc
        self._pump = asyncio.create_task(self.hub.pump_mirror(self.config.mirror_fps))
        self.announce(f"console: {self.url}")
        if self.fingerprint:
            self.announce(f"console certificate SHA-256 fingerprint: {self.fingerprint}")

    async def stop(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
        if self._server is not None:
            self._server.should_exit = True
        if self._serve is not None:
            await self._serve

    def new_pairing_code(self) -> str:
        """A fresh code for the therapist (a key in the terminal), not held up by the
        lockout after wrong guesses; the previous code stops working."""
        return self.pairing.therapist_code()

    def bound_addresses(self) -> list[tuple[str, int]]:
        if self._server is None:
            return []
        out = []
        for srv in getattr(self._server, "servers", []):
            for sock in srv.sockets:
                name = sock.getsockname()
                out.append((str(name[0]), int(name[1])))
        return out


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
