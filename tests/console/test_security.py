"""Console security: pairing, cookies, Origin, rate limits, idle lock, loopback, TLS."""

from __future__ import annotations

import socket
import ssl
from pathlib import Path
from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect

from tests.console.conftest import ORIGIN, Console
from vrtherapy.console.auth import PairingRefused
from vrtherapy.session import commands as c


def _ws(console: Console, origin: str | None = ORIGIN) -> Any:
    headers = {"origin": origin} if origin else {}
    return console.client.websocket_connect("/ws", headers=headers)


def _start_session(console: Console) -> str:
    """A new client with the stock heights hierarchy, and their session running."""
    code = console.service.create_client("heights.standard")
    console.service.start(code)
    return code


def _join(ws: Any) -> None:
    """Say hello as a fresh tab and wait for the first snapshot."""
    ws.send_json({"type": "hello", "last_seq": 0})
    _until(ws, "snapshot")


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
    assert c.get("/report").status_code == 401
    assert c.get("/export/trials.csv").status_code == 401
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
    _start_session(console)
    with _ws(console) as ws:
        _join(ws)
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
    _start_session(console)
    with _ws(console) as ws:
        _join(ws)
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
    # /report and /export/{name}: the shown session; name is one of three fixed file kinds
    routes = {"/", "/pair", "/static/{name}", "/report", "/export/{name}", "/ws"}
    app = console.client.app.app  # type: ignore[attr-defined]
    assert {r.path for r in app.routes} == routes


def _server(tmp_path: Path, **config: Any) -> Any:
    from vrtherapy.app.engine_thread import EngineThread
    from vrtherapy.authoring import load_library
    from vrtherapy.console.server import ConsoleConfig, ConsoleServer, free_port
    from vrtherapy.session.clock import SystemClock
    from vrtherapy.session.service import SessionService
    from vrtherapy.session.store import open_store

    service = SessionService(open_store(str(tmp_path / "s.sqlite3")), load_library(), SystemClock())
    cfg = ConsoleConfig(port=free_port(), data_dir=tmp_path, **config)
    lines: list[str] = []
    server = ConsoleServer(service, cfg, announce=lines.append)
    engine = EngineThread(service)
    engine.mount(server)
    engine.start()
    server.stop = engine.stop  # type: ignore[method-assign,assignment]  # the tests end the thread
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


def test_an_idle_tab_is_told_it_locked_and_gets_no_clinical_data(console: Console) -> None:
    token1 = console.pair()
    _start_session(console)
    with _ws(console) as idle:
        _join(idle)
        console.time.t += 601  # this browser is left idle
        console.pair()  # a second browser, paired now, keeps working
        assert console.client.cookies.get("vrtherapy_console") != token1
        with _ws(console) as active:
            _join(active)
            for cid, name, args in [
                ("n1", "note", {"text": "client mentioned her brother"}),
                ("p1", "pause", {}),
            ]:
                active.send_json({"type": "command", "id": cid, "name": name, "args": args})
                assert _until(active, "ack")["accepted"]
        seen: list[dict[str, Any]] = []
        for _ in range(50):
            m = idle.receive_json()
            seen.append(m)
            state = m.get("safety") or (m.get("snapshot") or {}).get("safety")
            if state == "paused":
                break
        kinds = [m["type"] for m in seen]
        assert "locked" in kinds  # the idle tab was locked without touching anything
        assert "events" not in kinds and "snapshot" not in kinds, kinds
        assert "brother" not in str(seen)
        assert seen[-1] == {"type": "safety", "safety": "paused", "status": "running"}


def _events_after_hello(console: Console, hello: dict[str, Any]) -> dict[str, Any]:
    with _ws(console) as ws:
        ws.send_json({"type": "hello", **hello})
        return _until(ws, "events")


def test_a_tab_from_an_earlier_session_starts_over_when_it_reconnects(console: Console) -> None:
    console.pair()
    code = console.service.create_client("heights.standard")
    first = console.service.start(code)
    for n, value in enumerate([40, 50, 60, 50, 40, 30]):
        assert console.service.handle(c.RecordSuds(f"r{n}", value=value)).accepted
    assert console.service.handle(c.EndSession("end")).accepted
    old_seq, old_id = first.state.last_seq, first.session_id
    second = console.service.start(code)
    new_seq = second.state.last_seq
    assert new_seq < old_seq
    # the tab saw more events of the old session than the new one has
    m = _events_after_hello(console, {"last_seq": old_seq, "session_id": old_id})
    assert m["reset"] and [e["seq"] for e in m["events"]] == list(range(1, new_seq + 1))
    # ... or fewer: it must still start over, not skip the new session's first events
    m = _events_after_hello(console, {"last_seq": new_seq - 1, "session_id": old_id})
    assert m["reset"] and [e["seq"] for e in m["events"]] == list(range(1, new_seq + 1))
    # the same session: only what the tab has not seen
    m = _events_after_hello(console, {"last_seq": new_seq - 1, "session_id": second.session_id})
    assert not m["reset"] and [e["seq"] for e in m["events"]] == [new_seq]


def _close_code(ws: Any) -> int | None:
    try:
        ws.receive_json()
    except WebSocketDisconnect as exc:
        return int(exc.code)
    return None


def test_an_unpaired_page_is_told_why_its_socket_closed(console: Console) -> None:
    """A browser sees a close code only on a socket that was accepted: without it the page
    of a forgotten pairing (e.g. after the engine restarted) would retry for ever instead
    of going to the pairing page."""
    with _ws(console) as ws:  # the handshake completes, then the close says why
        code = _close_code(ws)
    assert code == 4401
    with pytest.raises(WebSocketDisconnect) as refused, _ws(console, "http://evil.example"):
        pass
    assert refused.value.code == 4403  # a foreign page is refused during the handshake


def test_a_malformed_command_is_refused_without_dropping_the_connection(
    console: Console,
) -> None:
    console.pair()
    _start_session(console)
    with _ws(console) as ws:
        _join(ws)
        bad = {"partner_id": "p", "event": "say", "data": [1, 2, 3]}
        ws.send_json({"type": "command", "id": "bad-1", "name": "partner", "args": bad})
        ack = _until(ws, "ack")
        assert not ack["accepted"] and "partner" in ack["reason"]
        ws.send_json({"type": "command", "id": "ok-1", "name": "pause", "args": {}})
        assert _until(ws, "ack")["accepted"]


def test_unlock_is_not_blocked_by_strangers_guessing_codes(console: Console) -> None:
    token = console.pair()
    browser = console.pairing.browser(token)
    assert browser is not None
    for i in range(30):  # a flood of wrong pairing codes from many addresses
        wrong = "000-001" if console.pairing.code != "000-001" else "000-002"
        with pytest.raises(PairingRefused):
            console.pairing.pair(wrong, f"10.9.9.{i}")
    browser.locked = True
    console.pairing.unlock(token, console.pairing.code, "127.0.0.1")
    assert not browser.locked


def test_server_refuses_a_foreign_host_name(tmp_path: Path) -> None:
    server, cfg, _ = _server(tmp_path)
    try:
        with socket.create_connection(("127.0.0.1", cfg.port), timeout=5) as s:
            s.sendall(b"GET /pair HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
            bad = s.recv(100)
        with socket.create_connection(("127.0.0.1", cfg.port), timeout=5) as s:
            s.sendall(b"GET /pair HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            good = s.recv(100)
        assert bad.startswith(b"HTTP/1.1 400") and good.startswith(b"HTTP/1.1 200")
    finally:
        server.stop()


def _post_pair(port: int, code: str, forwarded: str) -> bytes:
    body = f"code={code}".encode()
    request = (
        f"POST /pair HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: {forwarded}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(request)
        return s.recv(100)


def test_x_forwarded_for_does_not_dodge_the_pairing_limit(tmp_path: Path) -> None:
    server, cfg, _ = _server(tmp_path)
    try:
        wrong = "000-000" if server.pairing.code != "000-000" else "000-001"
        replies = [_post_pair(cfg.port, wrong, f"203.0.113.{i}") for i in range(7)]
        assert replies[0].startswith(b"HTTP/1.1 403")
        assert replies[-1].startswith(b"HTTP/1.1 429")  # all counted against 127.0.0.1
    finally:
        server.stop()


def test_x_forwarded_for_is_believed_from_a_named_proxy(tmp_path: Path) -> None:
    server, cfg, _ = _server(tmp_path, trusted_proxies=("127.0.0.1",))
    try:
        wrong = "000-000" if server.pairing.code != "000-000" else "000-001"
        replies = [_post_pair(cfg.port, wrong, f"203.0.113.{i}") for i in range(7)]
        assert all(r.startswith(b"HTTP/1.1 403") for r in replies)  # seven addresses
    finally:
        server.stop()
