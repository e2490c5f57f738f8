"""Tidy tables for researchers (one row per rating, one row per exposure trial) and the
whole record as JSON. Values are written unrounded; a missing value is an empty cell."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from vrtherapy.reports.session import SessionReport
from vrtherapy.session import events as ev

if TYPE_CHECKING:
    from vrtherapy.session.tracking.measures import Behaviour

RATING_COLUMNS: tuple[str, ...] = (
    "client",
    "session",
    "trial",
    "step",
    "visit",
    "scenario",
    "level",
    "measure",  # suds or fms
    "time_s",
    "wall_time",
    "value",
    "scale_max",
    "value_0_100",
    "source",
    "trigger",
    "intensity",
)

TRIAL_COLUMNS: tuple[str, ...] = (
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
    # behaviour measures from the tracked head (empty where nothing was tracked; see
    # docs/behaviour-measures.md): shares 0–1, distance and path in metres
    "tracked_moments",
    "looking_at_share",
    "looking_away_share",
    "looking_down_share",
    "closest_approach_m",
    "head_path_m",
    "head_turn_deg_per_s",
)


def _iso(wall: float) -> str:
    return dt.datetime.fromtimestamp(wall, dt.UTC).isoformat(timespec="seconds")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def rating_rows(reports: Iterable[SessionReport]) -> list[dict[str, str]]:
    """One row per SUDS rating and per Fast Motion Sickness rating."""
    rows: list[dict[str, str]] = []
    for rep in reports:
        h = rep.header
        by_number = {t.number: t for t in rep.trials}
        for r in rep.ratings:
            t = by_number.get(r.trial)
            rows.append(
                {
                    "client": h.client_code,
                    "session": h.session_id,
                    "trial": _cell(r.trial or None),
                    "step": str(r.step_index + 1),
                    "visit": _cell(t.visit if t else None),
                    "scenario": t.scenario if t else "",
                    "level": _cell(t.level if t else None),
                    "measure": "suds",
                    "time_s": _cell(r.time),
                    "wall_time": _iso(r.wall_time),
                    "value": _cell(r.value),
                    "scale_max": str(r.scale),
                    "value_0_100": _cell(r.normalised),
                    "source": r.source,
                    "trigger": r.trigger,
                    "intensity": _cell(r.intensity),
                }
            )
        for c in rep.comfort:
            t = next((tr for tr in reversed(rep.trials) if tr.start <= c.time), None)
            rows.append(
                {
                    "client": h.client_code,
                    "session": h.session_id,
                    "trial": _cell(t.number if t else None),
                    "step": str(c.step_index + 1),
                    "visit": _cell(t.visit if t else None),
                    "scenario": t.scenario if t else "",
                    "level": _cell(t.level if t else None),
                    "measure": "fms",
                    "time_s": _cell(c.time),
                    "wall_time": _iso(c.wall_time),
                    "value": _cell(c.value),
                    "scale_max": "20",
                    "value_0_100": _cell(c.value * 5),
                    "source": c.source,
                    "trigger": "prompt" if c.prompted else "unprompted",
                    "intensity": "",
                }
            )
    rows.sort(key=lambda row: (row["session"], float(row["time_s"])))
    return rows


def trial_rows(reports: Iterable[SessionReport]) -> list[dict[str, str]]:
    """One row per exposure trial (a visit to a hierarchy step)."""
    rows: list[dict[str, str]] = []
    for rep in reports:
        h = rep.header
        for t in rep.trials:
            rows.append(
                {
                    "client": h.client_code,
                    "session": h.session_id,
                    "trial": str(t.number),
                    "step": str(t.step_index + 1),
                    "visit": str(t.visit),
                    "scenario": t.scenario,
                    "level": _cell(t.level),
                    "intensity": _cell(t.intensity),
                    "intensity_end": _cell(t.intensity_end),
                    "start_s": _cell(t.start),
                    "end_s": _cell(t.end),
                    "minutes": _cell(t.minutes),
                    "ratings": str(len(t.ratings)),
                    "suds_first": _cell(t.first_suds),
                    "suds_peak": _cell(t.peak_suds),
                    "suds_end": _cell(t.end_suds),
                    "drop_percent": _cell(t.drop_percent),
                    "expectancy_before": _cell(t.expectancy_before),
                    "expectancy_after": _cell(t.expectancy_after),
                    **_behaviour_cells(t.behaviour),
                }
            )
    return rows


def _behaviour_cells(b: Behaviour | None) -> dict[str, str]:
    tracked = b is not None and b.moments > 0
    return {
        "tracked_moments": _cell(b.moments if b is not None else None),
        "looking_at_share": _cell(b.at_share if b is not None else None),
        "looking_away_share": _cell(b.away_share if b is not None else None),
        "looking_down_share": _cell(b.down_share if b is not None else None),
        "closest_approach_m": _cell(b.closest_m if b is not None else None),
        "head_path_m": _cell(b.path_m if b is not None and tracked else None),
        "head_turn_deg_per_s": _cell(b.turn_deg_per_s if b is not None else None),
    }


def to_csv(columns: Sequence[str], rows: Iterable[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def event_data(e: ev.Event) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "wall_time": _iso(e.wall_time),
        "session_time": e.session_time,
        "actor": e.actor,
        "kind": e.kind,
        "data": e.payload.to_data(),
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    }


def record_json(streams: Sequence[tuple[str, str, Sequence[ev.Event]]]) -> str:
    """The whole record: each (stream id, kind, events) with every event and its hashes."""
    data = {
        "format": "vrtherapy-record/1",
        "streams": [
            {"stream": sid, "kind": kind, "events": [event_data(e) for e in events]}
            for sid, kind, events in streams
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
