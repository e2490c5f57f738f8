"""The console's WebSocket protocol: JSON messages in, commands out; snapshots and
events back to the browser.

Browser → server::
    {"type": "hello", "last_seq": 41}
    {"type": "command", "id": "<uuid>", "name": "step_up", "args": {}}
    {"type": "unlock", "code": "123-456"}
    {"type": "activity"}
Server → browser: "welcome", "snapshot", "events", "ack", "setup", "summary",
"export", "locked" (JSON) and the mirror image (binary JPEG).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from vrtherapy.session import commands as c
from vrtherapy.session.snapshot import Snapshot


class ProtocolError(ValueError):
    """A message the console should never send; the reason goes back in the ack."""


SAFETY = ("pause", "blackout", "calm_scene", "resume", "stop")


def _num(args: dict[str, Any], key: str) -> float:
    value = args.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProtocolError(f"'{key}' must be a number")
    return float(value)


def _int(args: dict[str, Any], key: str) -> int:
    value = args.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProtocolError(f"'{key}' must be a whole number")
    return value


def _str(args: dict[str, Any], key: str, default: str | None = None) -> str:
    value = args.get(key, default)
    if not isinstance(value, str):
        raise ProtocolError(f"'{key}' must be text")
    return value


def _value(args: dict[str, Any]) -> float | bool | str | None:
    value = args.get("value")
    if value is None or isinstance(value, bool | int | float | str):
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value
    raise ProtocolError("'value' must be a number, true/false or text")


_BUILDERS: dict[str, Callable[[str, dict[str, Any]], c.Command]] = {
    **{name: (lambda n: lambda cid, a: _safety(cid, n, a))(name) for name in SAFETY},
    "step_up": lambda cid, a: c.StepUp(cid),
    "step_down": lambda cid, a: c.StepDown(cid),
    "go_to_step": lambda cid, a: c.GoToStep(cid, index=_int(a, "index")),
    "set_intensity": lambda cid, a: c.SetIntensity(cid, intensity=_num(a, "intensity")),
    "set_parameter": lambda cid, a: c.SetParameter(cid, name=_str(a, "name"), value=_value(a)),
    "record_suds": lambda cid, a: c.RecordSuds(cid, value=_num(a, "value"), source="therapist"),
    "ask_now": lambda cid, a: c.AskNow(cid, prompt=_prompt(_str(a, "prompt", "suds"))),
    "record_comfort": lambda cid, a: c.RecordComfort(cid, value=_num(a, "value")),
    "record_expectancy": lambda cid, a: c.RecordExpectancy(
        cid,
        phase="after" if _str(a, "phase") == "after" else "before",
        likelihood=_num(a, "likelihood"),
        feared_outcome=_str(a, "feared_outcome", ""),
    ),
    "accept": lambda cid, a: c.AcceptProposal(cid, proposal_id=_str(a, "proposal_id")),
    "decline": lambda cid, a: c.DeclineProposal(
        cid, proposal_id=_str(a, "proposal_id"), note=_str(a, "note", "")
    ),
    "auto_mode": lambda cid, a: c.SetAutoMode(cid, enabled=bool(a.get("enabled"))),
    "note": lambda cid, a: c.AddNote(cid, text=_str(a, "text")),
    "questionnaire": lambda cid, a: c.AnswerQuestionnaire(
        cid, questionnaire=_str(a, "questionnaire"), answers=_answers(a), when=_str(a, "when", "")
    ),
    "partner": lambda cid, a: c.PartnerCommand(
        cid,
        partner_id=_str(a, "partner_id"),
        event=_str(a, "event"),
        data=_mapping(a, "data"),
    ),
    "fire_cue": lambda cid, a: c.FireCue(cid, cue=_str(a, "cue")),
    "sound_output": lambda cid, a: c.SetSoundOutput(
        cid,
        volume=_num(a, "volume") if "volume" in a else None,
        muted=bool(a["muted"]) if "muted" in a else None,
    ),
    "end_session": lambda cid, a: c.EndSession(cid, reason=_str(a, "reason", "ended by therapist")),
}


def _safety(cid: str, action: str, a: dict[str, Any]) -> c.Command:
    if action not in SAFETY:
        raise ProtocolError(f"unknown safety action '{action}'")
    return c.Safety(cid, "therapist", action, _str(a, "reason", ""))  # type: ignore[arg-type]


def _prompt(kind: str) -> Any:
    if kind not in ("suds", "comfort", "expectancy_before", "expectancy_after"):
        raise ProtocolError(f"unknown prompt '{kind}'")
    return kind


def _mapping(a: dict[str, Any], key: str) -> dict[str, Any]:
    value = a.get(key) or {}
    if not isinstance(value, dict):
        raise ProtocolError(f"'{key}' must be a mapping")
    return {str(k): v for k, v in value.items()}


def _answers(a: dict[str, Any]) -> dict[str, float]:
    raw = a.get("answers")
    if not isinstance(raw, dict):
        raise ProtocolError("'answers' must be a mapping")
    out = {}
    for k, v in raw.items():
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ProtocolError(f"answer '{k}' must be a number")
        out[str(k)] = float(v)
    return out


def session_command(name: str, command_id: str, args: dict[str, Any]) -> c.Command | None:
    """The engine command for a console message, or None if it is not an engine command."""
    builder = _BUILDERS.get(name)
    return builder(command_id, args) if builder else None


def is_safety(name: str) -> bool:
    return name in SAFETY


def snapshot_data(s: Snapshot | None) -> dict[str, Any] | None:
    if s is None:
        return None
    data = dataclasses.asdict(s)
    data["parameters"] = [list(p) for p in s.parameters]
    data["overrides"] = [list(p) for p in s.overrides]
    data["cues"] = [{"name": n, "label": label} for n, label in s.cues]
    data["cues_fired"] = [list(f) for f in s.cues_fired]
    data["partners"] = [{"id": pid, **{k: v for k, v in fields}} for pid, fields in s.partners]
    if s.proposal is not None:
        data["proposal"]["numbers"] = dict(s.proposal.numbers)
    return data
