"""Exports of the demo sessions: tidy CSV, the whole record as JSON, a FHIR R4 Bundle;
and the `report` and `export` commands as a person runs them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.reports.conftest import DemoRecord
from tests.system_needs import missing
from vrtherapy.authoring.questionnaires import questionnaire
from vrtherapy.cli.main import cli
from vrtherapy.reports import fhir, tidy
from vrtherapy.reports.session import session_report
from vrtherapy.session import events as ev


def _kinds(events: list[ev.Event], kind: type[ev.Payload]) -> list[ev.Event]:
    return [e for e in events if isinstance(e.payload, kind)]


def _export(demo: DemoRecord, *args: str) -> str:
    result = CliRunner().invoke(cli, ["export", *args, "--database", demo.database])
    assert result.exit_code == 0, result.output
    return result.output


def test_trials_csv_loads_into_the_expected_columns_and_rows(demo_record: DemoRecord) -> None:
    sid = demo_record.sessions[0]
    events = demo_record.events(sid)
    rows = list(csv.DictReader(io.StringIO(_export(demo_record, sid, "--format", "csv"))))
    assert list(rows[0]) == [
        "client",
        "session",
        "trial",
        "step",
        "visit",
        "scenario",
        "level",
        "intensity",
        "intensity_end",
        "start_s",
        "end_s",
        "minutes",
        "ratings",
        "suds_first",
        "suds_peak",
        "suds_end",
        "drop_percent",
        "expectancy_before",
        "expectancy_after",
        "tracked_moments",
        "looking_at_share",
        "looking_away_share",
        "looking_down_share",
        "closest_approach_m",
        "head_path_m",
        "head_turn_deg_per_s",
    ]
    entered = _kinds(events, ev.StepEntered)
    assert len(rows) == len(entered)
    for row, e in zip(rows, entered, strict=True):
        assert isinstance(e.payload, ev.StepEntered)
        assert row["client"] == demo_record.client_code and row["session"] == sid
        assert int(row["step"]) == e.payload.index + 1
        assert float(row["start_s"]) == e.session_time
    assert sum(int(r["ratings"]) for r in rows) == len(_kinds(events, ev.SudsRated))


def test_ratings_csv_has_one_row_per_rating(demo_record: DemoRecord) -> None:
    text = _export(
        demo_record, "--client", demo_record.client_code, "--format", "csv", "--table", "ratings"
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == tidy.RATING_COLUMNS
    expected = 0
    for sid in demo_record.sessions:
        events = demo_record.events(sid)
        expected += len(_kinds(events, ev.SudsRated)) + len(_kinds(events, ev.ComfortRated))
    assert len(rows) == expected
    suds = [r for r in rows if r["measure"] == "suds"]
    assert all(0 <= float(r["value_0_100"]) <= 100 for r in suds)
    assert {r["session"] for r in rows} == set(demo_record.sessions)


def test_json_is_the_whole_record(demo_record: DemoRecord, tmp_path: Path) -> None:
    out = tmp_path / "record.json"
    _export(demo_record, "--client", demo_record.client_code, "--format", "json", "--out", str(out))
    data = json.loads(out.read_text())
    streams = {s["stream"]: s["events"] for s in data["streams"]}
    assert set(streams) == {f"client:{demo_record.client_code}", *demo_record.sessions}
    for sid in demo_record.sessions:
        stored = demo_record.events(sid)
        assert [e["hash"] for e in streams[sid]] == [e.hash for e in stored]
        assert [e["kind"] for e in streams[sid]] == [e.kind for e in stored]


def test_fhir_bundle_validates_and_holds_every_score_and_rating(demo_record: DemoRecord) -> None:
    from fhir.resources.R4B.bundle import Bundle

    text = _export(demo_record, demo_record.sessions[0], "--format", "fhir")
    bundle = Bundle.model_validate_json(text)
    assert bundle.type == "collection"
    events = demo_record.events(demo_record.sessions[0])
    resources = [e.resource for e in bundle.entry or []]
    responses = [r for r in resources if r.get_resource_type() == "QuestionnaireResponse"]
    observations = [r for r in resources if r.get_resource_type() == "Observation"]
    assert len(responses) == len(_kinds(events, ev.QuestionnaireAnswered)) == 2
    ssq_scores = len(questionnaire("ssq").scores)
    suds = len(_kinds(events, ev.SudsRated))
    fms = len(_kinds(events, ev.ComfortRated))
    assert len(observations) == 2 * ssq_scores + suds + fms
    for obs in observations:
        assert obs.category[0].coding[0].code == "survey"
        assert obs.valueQuantity.unit == "{score}" and obs.referenceRange
        assert obs.subject.identifier.value == demo_record.client_code
    first = next(o for o in observations if o.code.coding[0].code == "suds")
    assert first.referenceRange[0].high.value == 100
    assert first.code.coding[0].system == fhir.LOCAL_CODES


def test_fhir_marks_an_incomplete_questionnaire_and_skips_its_scores(
    demo_record: DemoRecord,
) -> None:
    from tests.reports.test_session_report import _hand_record

    data = fhir.bundle_data([session_report(_hand_record())])
    responses = [
        e["resource"]
        for e in data["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    ]
    status = {r["questionnaire"].rsplit(":", 1)[1]: r["status"] for r in responses}
    assert status == {"spin": "completed", "ssq": "in-progress", "lsas": "in-progress"}
    codes = [
        e["resource"]["code"]["coding"][0]["code"]
        for e in data["entry"]
        if e["resource"]["resourceType"] == "Observation"
    ]
    assert codes.count("spin.total") == 1 and not any(c.startswith("ssq") for c in codes)
    assert codes.count("suds") == 4
    spin = next(
        e["resource"]
        for e in data["entry"]
        if e["resource"].get("code", {}).get("coding", [{}])[0].get("code") == "spin.total"
    )
    assert spin["valueQuantity"]["value"] == 19 and "cut-off 19" in spin["note"][0]["text"]


def test_report_command_writes_html_and_pdf(demo_record: DemoRecord, tmp_path: Path) -> None:
    runner = CliRunner()
    html = tmp_path / "r.html"
    result = runner.invoke(
        cli,
        ["report", demo_record.sessions[0], "--out", str(html), "--database", demo_record.database],
    )
    assert result.exit_code == 0, result.output
    assert "Exposure session report" in html.read_text()
    progress = tmp_path / "p.html"
    result = runner.invoke(
        cli,
        [
            "report",
            "--client",
            demo_record.client_code,
            "--out",
            str(progress),
            "--database",
            demo_record.database,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Progress across sessions" in progress.read_text()
    try:
        import weasyprint  # noqa: F401
    except OSError:
        missing("Pango (for PDF)", "apt-get install libpango-1.0-0 libpangoft2-1.0-0")
    pdf = tmp_path / "r.pdf"
    result = runner.invoke(
        cli,
        [
            "report",
            demo_record.sessions[0],
            "--format",
            "pdf",
            "--out",
            str(pdf),
            "--database",
            demo_record.database,
        ],
    )
    assert result.exit_code == 0, result.output
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
    assert len(data) > 30_000  # the embedded SUDS plot, not an empty page


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "session:nope"], "no session 'session:nope'"),
        (["report", "--client", "C-NOPE"], "no sessions for client 'C-NOPE'"),
        (["export", "session:nope", "--format", "csv"], "no session 'session:nope'"),
        (["report"], "give a SESSION or --client CODE"),
    ],
)
def test_commands_explain_what_is_wrong(
    demo_record: DemoRecord, args: list[str], message: str
) -> None:
    result = CliRunner().invoke(cli, [*args, "--database", demo_record.database])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
