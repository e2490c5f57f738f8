"""Console security: pairing, cookies, Origin, rate limits, idle lock, loopback, TLS."""

from __future__ import annotations

import socket
import ssl
from pathlib import Path
from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect

from tests.console.conftest import ORIGIN, Console


def _ws(console: Console, origin: str | None = ORIGIN) -> Any:
    headers = {"origin": origin} if origin else {}
    return console.client.websocket_connect("/ws", headers=headers)


def _until(ws: Any, kind: str) -> dict[str, Any]:
    for _ in range(50):
        m = ws.receive_json()
        if m.get("type") == kind:
            return m  # type: ignore[no-any-return]
    raise AssertionError(f"no {kind} message")


def test_everything_needs_pairing(console: Console) -> None:
    c = console.client
    r = c.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/pair"
    assert c.get("/static/console.js").status_code == 401
    assert c.get("/pair").status_code == 200
    with pytest.raises(WebSocketDisconnect) as info, _ws(console) as ws:
        ws.receive_json()
    assert info.value.code == 4401


def test_wrong_code_is_refused_and_the_code_works_once(console: Console) -> None:
    c = console.client
    r = c.post(
        "/pair", data={"code": "000-000" if console.pairing.code != "000-000" else "111-111"}
    )
    assert r.status_code == 403 and "not right" in r.text
    assert "vrtherapy_console" not in c.cookies
    first_code = console.pairing.code
    console.pair()
    assert c.get("/").status_code == 200
    assert c.get("/static/console.js").status_code == 200
    # the code was one-time: a new one was announced, the old one no longer pairs
    assert console.codes[-1] != first_code
    c.cookies.clear()
    assert c.post("/pair", data={"code": first_code}).status_code == 403


def test_repeated_wrong_codes_are_rate_limited(console: Console) -> None:
    c = console.client
    wrong = "999-999" if console.pairing.code != "999-999" else "888-888"
    for _ in range(5):
        assert c.post("/pair", data={"code": wrong}).status_code == 403
    r = c.post("/pair", data={"code": console.pairing.code})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    console.time.t += 61
    assert (
        c.post("/pair", data={"code": console.pairing.code}, follow_redirects=False).status_code
        == 303
    )


def test_a_made_up_token_is_refused(console: Console) -> None:
    console.client.cookies.set("vrtherapy_console", "forged-token")
    assert console.client.get("/static/console.js").status_code == 401


def test_foreign_origin_is_refused(console: Console) -> None:
    console.pair()
    for origin in ("http://evil.example", None, "https://testserver"):
        with pytest.raises(WebSocketDisconnect) as info, _ws(console, origin) as ws:
            ws.receive_json()
        assert info.value.code == 4403
    r = console.client.post("/pair", data={"code": "1"}, headers={"origin": "http://evil.example"})
    assert r.status_code == 403


def test_replayed_command_is_applied_once(console: Console) -> None:
    console.pair()
    code = console.service.create_client("heights.standard")
    console.service.start(code)
    with _ws(console) as ws:
        ws.send_json({"type": "hello", "last_seq": 0})
        _until(ws, "snapshot")
        cmd = {"type": "command", "id": "same-id-1", "name": "record_suds", "args": {"value": 40}}
        ws.send_json(cmd)
        first = _until(ws, "ack")
        ws.send_json(cmd)
        second = _until(ws, "ack")
    assert first["accepted"] and not first["duplicate"]
    assert second["accepted"] and second["duplicate"]
    engine = console.service.engine
    assert engine is not None
    kinds = [e.kind for e in console.service.store.read(engine.session_id)]
    assert kinds.count("suds_rated") == 1


def test_idle_console_locks_but_safety_still_works(console: Console) -> None:
    console.pair()
    code = console.service.create_client("heights.standard")
    console.service.start(code)
    with _ws(console) as ws:
        ws.send_json({"type": "hello", "last_seq": 0})
        _until(ws, "snapshot")
        console.time.t += 601  # idle longer than the lock time
        ws.send_json({"type": "command", "id": "n1", "name": "note", "args": {"text": "x"}})
        ack = _until(ws, "ack")
        assert not ack["accepted"] and ack["reason"] == "the console is locked"
        ws.send_json({"type": "command", "id": "b1", "name": "blackout", "args": {}})
        ack = _until(ws, "ack")
        assert ack["accepted"]
        assert (
            console.service.snapshot is not None and console.service.snapshot.safety == "blackout"
        )
        ws.send_json({"type": "unlock", "code": "wrong"})
        assert _until(ws, "locked")["reason"]
        ws.send_json({"type": "unlock", "code": console.pairing.code})
        _until(ws, "unlocked")
        ws.send_json({"type": "command", "id": "n2", "name": "note", "args": {"text": "back"}})
        assert _until(ws, "ack")["accepted"]


def test_no_clinical_data_in_urls(console: Console) -> None:
    from vrtherapy.console.app import create_app

    assert create_app  # the routes are fixed; none takes a client code or session id
    routes = {"/", "/pair", "/static/{name}", "/ws"}
    app = console.client.app.app  # type: ignore[attr-defined]
    assert {r.path for r in app.routes} == routes


def _server(tmp_path: Path, **config: Any) -> Any:
    from vrtherapy.authoring import load_library
    from vrtherapy.console.server import ConsoleConfig, ConsoleServer, free_port
    from vrtherapy.session.clock import SystemClock
    from vrtherapy.session.service import SessionService
    from vrtherapy.session.store import open_store

    service = SessionService(open_store(str(tmp_path / "s.sqlite3")), load_library(), SystemClock())
    cfg = ConsoleConfig(port=free_port(), data_dir=tmp_path, **config)
    lines: list[str] = []
    server = ConsoleServer(service, cfg, announce=lines.append)
    server.start()
    return server, cfg, lines


def test_default_server_listens_on_loopback_only(tmp_path: Path) -> None:
    server, cfg, lines = _server(tmp_path)
    try:
        assert server.bound_addresses() and all(
            a == "127.0.0.1" for a, _ in server.bound_addresses()
        )
        assert any(line.startswith("console pairing code: ") for line in lines)
        assert f"console: http://127.0.0.1:{cfg.port}/" in lines
        with socket.create_connection(("127.0.0.1", cfg.port), timeout=2):
            pass
        # another loopback address of this same machine: nothing listens there
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.2", cfg.port), timeout=2)
    finally:
        server.stop()


def test_tls_serves_the_announced_certificate(tmp_path: Path) -> None:
    import hashlib

    server, cfg, lines = _server(tmp_path, tls=True)
    try:
        fingerprint = next(x for x in lines if "fingerprint" in x).split(": ")[1]
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with (
            socket.create_connection(("127.0.0.1", cfg.port), timeout=5) as raw,
            ctx.wrap_socket(raw, server_hostname="localhost") as tls,
        ):
            der = tls.getpeercert(binary_form=True)
            assert der is not None
            got = ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())
            tls.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            reply = tls.recv(200)
        assert got == fingerprint
        assert reply.startswith(b"HTTP/1.1 303")  # not paired: sent to the pairing page
        assert f"console: https://127.0.0.1:{cfg.port}/" in lines
    finally:
        server.stop()
