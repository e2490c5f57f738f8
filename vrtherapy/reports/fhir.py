"""FHIR R4 export: a Bundle with a QuestionnaireResponse per questionnaire, and an
Observation (category ``survey``) per questionnaire score and per SUDS and Fast
Motion Sickness rating.

No LOINC code exists for SUDS, so measures use a local code system; values are
quantities with unit ``{score}`` and the scale's range as reference range. The
client appears only as the pseudonymous code (a logical reference by identifier,
no Patient resource). Every bundle is validated against the FHIR models of
``fhir.resources`` (R4B, whose QuestionnaireResponse and Observation match R4)
before it is returned.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable
from typing import Any

from vrtherapy.authoring.questionnaires import questionnaire
from vrtherapy.reports.session import AnsweredQuestionnaire, SessionReport

LOCAL_CODES = "urn:vrtherapy:codesystem:measures"
CLIENT_CODES = "urn:vrtherapy:client-code"
QUESTIONNAIRES = "urn:vrtherapy:questionnaire:"
UCUM = "http://unitsofmeasure.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
_NAMESPACE = uuid.UUID("5b7f6d0e-3a51-4c1e-9a4e-7d1f2f0b9c11")


def _iso(wall: float) -> str:
    return dt.datetime.fromtimestamp(wall, dt.UTC).isoformat(timespec="seconds")


def _uuid(*parts: object) -> str:
    """Stable ids: the same record always gives the same bundle."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(str(p) for p in parts)))


def _score(value: float) -> dict[str, Any]:
    return {"value": value, "unit": "{score}", "system": UCUM, "code": "{score}"}


def _range(low: float, high: float, text: str) -> list[dict[str, Any]]:
    return [{"low": _score(low), "high": _score(high), "text": text}]


def _code(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": LOCAL_CODES, "code": code, "display": display}], "text": display}


def _subject(client_code: str) -> dict[str, Any]:
    return {"identifier": {"system": CLIENT_CODES, "value": client_code}}


_SURVEY = [{"coding": [{"system": CATEGORY, "code": "survey", "display": "Survey"}]}]


def _questionnaire_entries(
    rep: SessionReport, q: AnsweredQuestionnaire, index: int
) -> list[dict[str, Any]]:
    h = rep.header
    qr_url = f"urn:uuid:{_uuid(h.session_id, 'qr', index)}"
    key = q.key.split("_", 1)[0]
    items: list[dict[str, Any]] = []
    complete = False
    try:
        spec = questionnaire(q.key)
        for item in spec.items:
            if item.id in q.answers:
                entry: dict[str, Any] = {
                    "linkId": item.id,
                    "answer": [{"valueInteger": round(q.answers[item.id])}],
                }
                if item.text:
                    entry["text"] = item.text
                items.append(entry)
        complete = len(items) == len(spec.items)
    except KeyError:  # a questionnaire this installation does not define: answers as given
        items = [
            {"linkId": k, "answer": [{"valueDecimal": v}]} for k, v in sorted(q.answers.items())
        ]
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": qr_url.removeprefix("urn:uuid:"),
        "questionnaire": QUESTIONNAIRES + key,
        "status": "completed" if complete else "in-progress",
        "subject": _subject(h.client_code),
        "authored": _iso(q.wall_time),
    }
    if q.when:
        response["extension"] = [
            {"url": "urn:vrtherapy:extension:administration", "valueString": q.when}
        ]
    if items:
        response["item"] = items
    out = [{"fullUrl": qr_url, "resource": response}]
    if q.scores is None:
        return out
    for s in q.scores.scores:
        if s.value is None:
            continue
        url = f"urn:uuid:{_uuid(h.session_id, 'qr', index, s.id)}"
        obs: dict[str, Any] = {
            "resourceType": "Observation",
            "id": url.removeprefix("urn:uuid:"),
            "status": "final",
            "category": _SURVEY,
            "code": _code(f"{key}.{s.id}", f"{q.abbreviation} {s.title}"),
            "subject": _subject(h.client_code),
            "effectiveDateTime": _iso(q.wall_time),
            "valueQuantity": _score(s.value),
            "referenceRange": _range(s.range[0], s.range[1], "possible scores"),
            "derivedFrom": [{"reference": qr_url}],
        }
        if s.reached:
            obs["note"] = [
                {"text": f"reaches the published cut-off {c.at:g} ({c.label}; {c.source})"}
                for c in s.reached
            ]
        out.append({"fullUrl": url, "resource": obs})
    return out


def _rating_entries(rep: SessionReport) -> list[dict[str, Any]]:
    h = rep.header
    out: list[dict[str, Any]] = []
    for i, r in enumerate(rep.ratings):
        url = f"urn:uuid:{_uuid(h.session_id, 'suds', i)}"
        obs = {
            "resourceType": "Observation",
            "id": url.removeprefix("urn:uuid:"),
            "status": "final",
            "category": _SURVEY,
            "code": _code("suds", "Subjective Units of Distress (SUDS)"),
            "subject": _subject(h.client_code),
            "effectiveDateTime": _iso(r.wall_time),
            "valueQuantity": _score(r.value),
            "referenceRange": _range(0, r.scale, f"SUDS 0–{r.scale}"),
            "method": {"text": f"{r.source}, {r.trigger.replace('_', ' ')}"},
            "component": [
                {
                    "code": _code("suds-0-100", "SUDS normalised to 0–100"),
                    "valueQuantity": _score(r.normalised),
                    "referenceRange": _range(0, 100, "SUDS 0–100"),
                }
            ],
        }
        out.append({"fullUrl": url, "resource": obs})
    for i, c in enumerate(rep.comfort):
        url = f"urn:uuid:{_uuid(h.session_id, 'fms', i)}"
        obs = {
            "resourceType": "Observation",
            "id": url.removeprefix("urn:uuid:"),
            "status": "final",
            "category": _SURVEY,
            "code": _code("fms", "Fast Motion Sickness scale (FMS)"),
            "subject": _subject(h.client_code),
            "effectiveDateTime": _iso(c.wall_time),
            "valueQuantity": _score(c.value),
            "referenceRange": _range(0, 20, "FMS 0–20"),
        }
        out.append({"fullUrl": url, "resource": obs})
    return out


def bundle_data(reports: Iterable[SessionReport]) -> dict[str, Any]:
    """The Bundle as plain data, validated against the FHIR models."""
    from fhir.resources.R4B.bundle import Bundle

    entries: list[dict[str, Any]] = []
    reps = list(reports)
    for rep in reps:
        for i, q in enumerate(rep.questionnaires):
            entries.extend(_questionnaire_entries(rep, q, i))
        entries.extend(_rating_entries(rep))
    ids = "+".join(r.header.session_id for r in reps)
    data: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": _uuid("bundle", ids),
        "type": "collection",
        "entry": entries,
    }
    if reps:
        data["timestamp"] = _iso(max(r.header.started_wall + r.header.duration_s for r in reps))
    Bundle.model_validate(data)  # raises pydantic's ValidationError on anything off-spec
    return data


def bundle_json(reports: Iterable[SessionReport]) -> str:
    return json.dumps(bundle_data(reports), indent=2, ensure_ascii=False) + "\n"
