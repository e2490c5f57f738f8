"""The console's web application (Starlette): pairing, the page, its assets, the socket.

Every HTTP request and every WebSocket needs a paired browser, except the
pairing page itself. The WebSocket also checks that it was opened by a page
of this console (Origin). Nothing clinical goes into a URL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from vrtherapy.console.auth import COOKIE, Pairing, PairingRefused
from vrtherapy.console.hub import Hub, Tab

log = logging.getLogger(__name__)
ReportHtml = Callable[[str], str]  # session id -> its report as one HTML page
# (session id, format, table) -> its export as text, as `vrtherapy export` makes it
Export = Callable[[str, str, str], str]
# file served -> (media type, file name stem, export format, table)
EXPORTS = {
    "trials.csv": ("text/csv; charset=utf-8", "trials", "csv", "trials"),
    "ratings.csv": ("text/csv; charset=utf-8", "ratings", "csv", "ratings"),
    "fhir.json": ("application/fhir+json; charset=utf-8", "fhir-bundle", "fhir", ""),
}

STATIC = Path(str(resources.files("vrtherapy.console") / "static"))
ASSETS = {
    "console.css": "text/css",
    "console.js": "text/javascript",
    "chart.js": "text/javascript",
    "sound.js": "text/javascript",
    "elevator.js": "text/javascript",
    "partners.js": "text/javascript",
}
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' blob: data:; style-src 'self' 'unsafe-inline'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",  # no-referrer would make form posts send Origin: null
    "cache-control": "no-store",
}


def _origin_ok(origin: str | None, host: str | None, scheme: str) -> bool:
    """The page that opened the socket must be this console itself."""
    if not origin or not host:
        return False
    parts = urlsplit(origin)
    expected_scheme = "https" if scheme in ("https", "wss") else "http"
    return parts.scheme == expected_scheme and parts.netloc.lower() == host.lower()


def _address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class RequirePairing:
    """ASGI middleware: refuse anything from a browser that has not paired."""

    def __init__(self, app: ASGIApp, pairing: Pairing) -> None:
        self.app = app
        self.pairing = pairing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if scope["type"] == "http" and path == "/pair":
            await self.app(scope, receive, send)
            return
        token = _cookie(scope)
        if self.pairing.browser(token) is None:
            if scope["type"] == "websocket":
                await _refuse_socket(scope, receive, send)
                return
            if scope.get("method") == "GET" and path == "/":
                response: Response = RedirectResponse("/pair", status_code=303)
            else:
                response = JSONResponse({"error": "this browser is not paired"}, status_code=401)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def _refuse_socket(scope: Scope, receive: Receive, send: Send) -> None:
    """Close an unpaired console's socket so that its page learns why and goes to pairing.

    A browser never sees the code of a socket closed during the handshake (only 1006),
    so a page of this console is accepted first and then closed with 4401; a foreign
    page is refused outright."""
    headers = dict(scope.get("headers", []))
    origin = headers.get(b"origin", b"").decode("latin-1") or None
    host = headers.get(b"host", b"").decode("latin-1") or None
    if not _origin_ok(origin, host, str(scope.get("scheme", "ws"))):
        await send({"type": "websocket.close", "code": 4403, "reason": "foreign origin"})
        return
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": 4401, "reason": "not paired"})


def _cookie(scope: Scope) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                name, _, v = part.strip().partition("=")
                if name == COOKIE:
                    return str(v)
    return None


def create_app(
    hub: Hub,
    pairing: Pairing,
    *,
    secure: bool = False,
    allowed_hosts: list[str] | None = None,
    report: ReportHtml | None = None,
    export: Export | None = None,
) -> ASGIApp:
    """The console app; with ``allowed_hosts``, requests naming another Host are refused
    (a guard against DNS rebinding on top of pairing). ``report`` makes the HTML report of
    a session (the wiring passes it: the console itself does not import the reports); the
    console serves it for the session it shows at ``/report``, which names no session.
    ``export`` likewise makes the shown session's tidy CSV (trials, ratings) and FHIR
    bundle, served at ``/export/trials.csv``, ``/export/ratings.csv``, ``/export/fhir.json``."""

    async def index(request: Request) -> Response:
        return _secure(FileResponse(STATIC / "index.html", media_type="text/html"))

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ASSETS:
            return _secure(JSONResponse({"error": "not found"}, status_code=404))
        return _secure(FileResponse(STATIC / name, media_type=ASSETS[name]))

    async def report_page(request: Request) -> Response:
        snap = hub.service.snapshot
        if report is None:
            return _secure(JSONResponse({"error": "reports are not available here"}, 404))
        if snap is None or not snap.session_id:
            return _secure(JSONResponse({"error": "no session to report on"}, status_code=404))
        try:  # off the engine thread's loop: drawing the plots takes a while
            html = await run_in_threadpool(report, snap.session_id)
        except Exception as exc:
            log.exception("the session report could not be made")
            message = f"the session report could not be made ({type(exc).__name__}; see the log)"
            return _secure(JSONResponse({"error": message}, status_code=500))
        return _secure(HTMLResponse(html))

    async def export_file(request: Request) -> Response:
        name = request.path_params["name"]
        snap = hub.service.snapshot
        if name not in EXPORTS:
            return _secure(JSONResponse({"error": "not found"}, status_code=404))
        if export is None:
            return _secure(JSONResponse({"error": "exports are not available here"}, 404))
        if snap is None or not snap.session_id:
            return _secure(JSONResponse({"error": "no session to export"}, status_code=404))
        try:  # off the engine thread's loop, with its own store connection
            media, stem, fmt, table = EXPORTS[name]
            text = await run_in_threadpool(export, snap.session_id, fmt, table)
        except Exception as exc:
            log.exception("the session export could not be made")
            message = f"the export could not be made ({type(exc).__name__}; see the log)"
            return _secure(JSONResponse({"error": message}, status_code=500))
        suffix = name.rsplit(".", 1)[1]
        filename = f"session-{stem}.{suffix}"  # names no client and no session
        return _secure(
            Response(
                text,
                media_type=media,
                headers={"content-disposition": f'attachment; filename="{filename}"'},
            )
        )

    async def pair_page(request: Request) -> Response:
        if request.method == "GET":
            return _secure(HTMLResponse((STATIC / "pair.html").read_text(encoding="utf-8")))
        origin = request.headers.get("origin")
        if origin is not None and not _origin_ok(
            origin, request.headers.get("host"), request.url.scheme
        ):
            return _secure(JSONResponse({"error": "foreign origin"}, status_code=403))
        body = (await request.body())[:4096]
        code = parse_qs(body.decode("utf-8", "replace")).get("code", [""])[0]
        try:
            token = pairing.pair(code, _address(request.scope))
        except PairingRefused as exc:
            headers = {"retry-after": str(int(exc.retry_after))} if exc.retry_after else {}
            status = 429 if exc.retry_after else 403
            page = (STATIC / "pair.html").read_text(encoding="utf-8")
            page = page.replace("<!--message-->", f'<p class="error" role="alert">{exc}</p>')
            return _secure(HTMLResponse(page, status_code=status, headers=headers))
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(
            COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/"
        )
        return _secure(response)

    async def socket(websocket: WebSocket) -> None:
        if not _origin_ok(
            websocket.headers.get("origin"), websocket.headers.get("host"), websocket.url.scheme
        ):
            await websocket.close(code=4403, reason="foreign origin")
            return
        token = websocket.cookies.get(COOKIE, "")
        await websocket.accept()
        await hub.serve(Tab(websocket, token, _address(websocket.scope)))

    app = Starlette(
        routes=[
            Route("/", index),
            Route("/pair", pair_page, methods=["GET", "POST"]),
            Route("/static/{name}", asset),
            Route("/report", report_page),
            Route("/export/{name}", export_file),
            WebSocketRoute("/ws", socket),
        ]
    )
    guarded: ASGIApp = RequirePairing(app, pairing)
    if allowed_hosts:
        guarded = TrustedHostMiddleware(guarded, allowed_hosts=allowed_hosts)
    return guarded


def _secure(response: Response) -> Response:
    for key, value in SECURITY_HEADERS.items():
        response.headers[key] = value
    return response
