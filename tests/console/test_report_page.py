"""The session report, from the console's summary: served to a paired browser only, for
the session the console shows, with no session id in the URL."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from tests.console.conftest import ORIGIN, Console
from vrtherapy.cli.run_command import _export, _report_html
from vrtherapy.console.app import SECURITY_HEADERS, create_app
from vrtherapy.session import commands as c


def _client(console: Console, tmp_path: Path) -> TestClient:
    database = str(tmp_path / "console.sqlite3")  # the console fixture's store
    app = create_app(
        console.hub, console.pairing, report=_report_html(database), export=_export(database)
    )
    return TestClient(app, base_url=ORIGIN)


def _pair(console: Console, client: TestClient) -> None:
    r = client.post("/pair", data={"code": console.pairing.code}, follow_redirects=False)
    assert r.status_code == 303, r.text


def test_the_report_of_the_shown_session_needs_pairing(console: Console, tmp_path: Path) -> None:
    with _client(console, tmp_path) as client:
        assert client.get("/report").status_code == 401
        _pair(console, client)
        none = client.get("/report")
        assert none.status_code == 404 and "no session" in none.json()["error"]
        code = console.service.create_client("heights.standard")
        engine = console.service.start(code)
        console.service.handle(c.RecordSuds("r1", "therapist", 40.0))
        console.service.handle(c.EndSession("end"))
        page = client.get("/report")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "Exposure session report" in page.text and code in page.text
        assert engine.session_id in page.text
        for key, value in SECURITY_HEADERS.items():
            assert page.headers[key] == value
        assert "<script" not in page.text  # self-contained, nothing to run


def test_without_the_reports_wired_in_the_link_says_so(console: Console) -> None:
    console.pair()
    r = console.client.get("/report")
    assert r.status_code == 404 and "not available" in r.json()["error"]


def test_the_shown_sessions_exports_need_pairing_and_load_as_csv_and_fhir(
    console: Console, tmp_path: Path
) -> None:
    import csv
    import io
    import json

    with _client(console, tmp_path) as client:
        assert client.get("/export/trials.csv").status_code == 401
        _pair(console, client)
        assert client.get("/export/trials.csv").status_code == 404  # no session yet
        assert client.get("/export/passwd").status_code == 404
        code = console.service.create_client("heights.standard")
        console.service.start(code)
        console.service.handle(c.RecordSuds("r1", "therapist", 40.0))
        console.service.handle(c.RecordSuds("r2", "therapist", 30.0))
        console.service.handle(c.EndSession("end"))
        trials = client.get("/export/trials.csv")
        assert trials.status_code == 200 and trials.headers["content-type"].startswith("text/csv")
        assert 'filename="session-trials.csv"' in trials.headers["content-disposition"]
        assert code not in trials.headers["content-disposition"]  # the name names nobody
        rows = list(csv.DictReader(io.StringIO(trials.text)))
        assert len(rows) == 1 and rows[0]["client"] == code and float(rows[0]["suds_peak"]) == 40
        ratings = list(csv.DictReader(io.StringIO(client.get("/export/ratings.csv").text)))
        assert [float(r["value"]) for r in ratings if r["measure"] == "suds"] == [40, 30]
        bundle = json.loads(client.get("/export/fhir.json").text)
        assert bundle["resourceType"] == "Bundle" and bundle["entry"]
        for key, value in SECURITY_HEADERS.items():
            assert trials.headers[key] == value
