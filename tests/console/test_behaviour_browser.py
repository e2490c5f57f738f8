"""In the browser: the current step's behaviour measures beside SUDS, from the client's
head as the render loop samples it, and the session report from the summary."""

from __future__ import annotations

import csv
import json
import math
import sqlite3
from pathlib import Path
from typing import Any

from tests.console.browser import running_engine
from tests.console.test_browser import _pair, browser  # noqa: F401  (the browser fixture)
from vrtherapy.session.tracking import decode_chunk
from vrtherapy.session.tracking.measures import AT_DEG, AWAY_DEG

READOUT = "document.getElementById('behaviour').textContent"


def test_head_measures_beside_suds_and_the_report_from_the_summary(
    browser: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    from vrtherapy.console.server import free_port

    port = free_port()
    with running_engine(tmp_path, port, "--hierarchy", "spiders.standard") as engine:
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
        page = context.new_page()
        _pair(page, engine)
        page.wait_for_selector("#live:not([hidden])")
        # the headless head looks straight ahead from 1.6 m; the spider's jar is on the
        # table 1.75 m ahead and 0.8 m below the eyes: about 25° off — neither looking at
        # it (20°) nor away (45°), not looking down, 1.9 m from the head
        page.wait_for_timeout(1500)  # a few batches of moments on the engine thread
        page.fill("#suds-value", "30")
        page.click("#suds-record")  # any change sends a fresh snapshot
        page.wait_for_function(f"{READOUT}.includes('looking at')", timeout=30000)
        shown = page.text_content("#behaviour") or ""
        assert "looking at 0 % · away 0 % · down 0 % · closest 1.9 m" in shown, shown
        # what a client avoiding the stimulus looks like
        page.evaluate(
            "renderBehaviour({moments: 400, with_stimulus: 380, at_share: 0.12,"
            " away_share: 0.61, down_share: 0.3, closest_m: 2.44, path_m: 1.2,"
            " turn_deg_per_s: 37.6, seconds: 20})"
        )
        shown = page.text_content("#behaviour") or ""
        assert shown == (
            "Head on this step: looking at 12 % · away 61 % · down 30 % · closest 2.4 m"
            " · turning 38°/s"
        )

        page.once("dialog", lambda d: d.accept())
        page.click("#end-session")
        page.wait_for_selector("#after:not([hidden])", timeout=15000)
        with context.expect_page() as opened:
            page.click("#report-link")
        report = opened.value
        report.wait_for_load_state()
        assert report.url.endswith("/report")  # no session id in the URL
        text = report.text_content("body") or ""
        assert "Exposure session report" in text and "Behaviour" in text
        assert report.locator("#behaviour tbody tr").count() >= 1
        # the summary's exports download as files a spreadsheet or R reads
        with page.expect_download() as got:
            page.click("#export-trials")
        download = got.value
        assert download.suggested_filename == "session-trials.csv"
        trials = list(csv.DictReader(open(download.path(), encoding="utf-8")))  # noqa: SIM115
        assert len(trials) == 1 and trials[0]["scenario"] == "spiders.kitchen"
        with page.expect_download() as got:
            page.click("#export-fhir")
        bundle = json.loads(open(got.value.path(), encoding="utf-8").read())  # noqa: SIM115
        assert bundle["resourceType"] == "Bundle"
        context.close()

    # the record holds the same head: recompute the angle to the spider from it
    db = sqlite3.connect(tmp_path / "sessions.sqlite3")
    chunks = [bytes(r[0]) for r in db.execute("SELECT data FROM tracking_chunks ORDER BY seq")]
    db.close()
    assert chunks
    samples = decode_chunk(chunks[0])
    head, spider = samples.head.positions[-1], samples.stimulus.positions[-1]
    to = spider.astype(float) - head
    angle = math.degrees(math.acos(-to[2] / math.dist((0, 0, 0), to)))
    assert AT_DEG < angle < AWAY_DEG
