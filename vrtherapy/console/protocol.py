"""The console's WebSocket protocol: JSON messages in, commands out; snapshots and
events back to the browser.

Browser → server::
    {"type": "hello", "last_seq": 41}
    {"type": "command", "id": "<uuid>", "name": "step_up", "args": {}}
    {"type": "unlock", "code": "123-456"}
    {"type": "activity"}
Server → browser: "welcome", "snapshot", "events", "ack", "setup", "summary",
"export", "locked", "slider" (JSON) and the mirror image (binary JPEG).

Every command the console knows is one row of ``COMMANDS``: its name, how its
arguments are checked, and what it becomes — a session command for the engine
or a setup request for the hub. Arguments are checked here against the
definitions (numbers finite and in range, known items, questionnaires and
partners, text of bounded size), so nothing the engine would store can be
malformed; a refusal names the argument and why.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import JsonValue

from vrtherapy.session import commands as c
from vrtherapy.session import conversation as conv
from vrtherapy.session.questionnaires import form, forms
from vrtherapy.session.snapshot import Snapshot
from vrtherapy.session.vocabulary import PROMPT_KINDS, SAFETY_KINDS

MAX_MESSAGE_BYTES = 64 * 1024  # a console message is small; anything bigger is refused
MAX_TEXT_BYTES = 4096  # notes, reasons and other free text
MAX_NAME_CHARS = 200  # ids, codes, names
MAX_DEPTH = 6


class ProtocolError(ValueError):
    """A message the console should never send; the reason goes back in the ack."""


SAFETY = SAFETY_KINDS  # the session's own words (session/vocabulary.py)
PROMPTS = PROMPT_KINDS
PARTNER_EVENTS = ("say", "choice", "attitude")
HIERARCHY_EDITS = (
    "reorder",
    "set_anticipated",
    "remove_step",
    "add_step",
    "set_mode",
    "use_template",
)


# -- reading a frame -----------------------------------------------------------------------------
def _no_constant(name: str) -> Any:
    raise ProtocolError(f"'{name}' is not a number the console accepts")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ProtocolError(f"the number {text[:20]} is out of range")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > 15:
        raise ProtocolError(f"the number {text[:20]}… has too many digits")
    return int(text)


def parse_message(frame: str | bytes | None) -> dict[str, Any]:
    """One WebSocket frame as a message object; ProtocolError says why it is not one.

    Refuses binary and empty frames, invalid JSON, NaN and Infinity, numbers with
    absurdly many digits, nesting beyond a few levels and anything but an object."""
    if frame is None or isinstance(frame, bytes):
        raise ProtocolError("messages are JSON text, not binary frames")
    if not frame.strip():
        raise ProtocolError("an empty message")
    if len(frame.encode("utf-8", "replace")) > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"a message is at most {MAX_MESSAGE_BYTES // 1024} KB")
    try:
        message = json.loads(
            frame,
            parse_constant=_no_constant,
            parse_float=_finite_float,
            parse_int=_bounded_int,
        )
    except ProtocolError:
        raise
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"not valid JSON ({type(exc).__name__})") from None
    if not isinstance(message, dict):
        raise ProtocolError("messages are JSON objects")
    if _depth(message) > MAX_DEPTH:
        raise ProtocolError("a message is nested too deeply")
    return message


def _depth(value: object, level: int = 0) -> int:
    if level > MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


def _clean(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def dumps(message: Mapping[str, Any]) -> str:
    """JSON for the browser. A non-finite number (from a record written before
    numbers were checked) becomes null, so the page can always parse what it gets."""
    try:
        return json.dumps(message, allow_nan=False)
    except ValueError:
        return json.dumps(_clean(message), allow_nan=False)


# -- arguments ----------------------------------------------------------------------------------
def _num(
    args: Mapping[str, Any], key: str, low: float | None = None, high: float | None = None
) -> float:
    value = args.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProtocolError(f"'{key}' must be a number")
    if not math.isfinite(value) or abs(value) > 1e12:
        raise ProtocolError(f"'{key}' is out of range")
    number = float(value)
    if (low is not None and number < low) or (high is not None and number > high):
        raise ProtocolError(f"'{key}' must be between {low:g} and {high:g}, got {number:g}")
    return number


def _int(args: Mapping[str, Any], key: str, low: int = 0, high: int = 10_000) -> int:
    value = args.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProtocolError(f"'{key}' must be a whole number")
    if not low <= value <= high:
        raise ProtocolError(f"'{key}' must be between {low} and {high}, got {value}")
    return value


def _text(args: Mapping[str, Any], key: str, default: str | None = None) -> str:
    """Free text (notes, reasons): at most MAX_TEXT_BYTES of UTF-8."""
    value = args.get(key, default)
    if not isinstance(value, str):
        raise ProtocolError(f"'{key}' must be text")
    size = len(value.encode("utf-8", "replace"))
    if size > MAX_TEXT_BYTES:
        raise ProtocolError(
            f"'{key}' is too long ({size} bytes); at most {MAX_TEXT_BYTES} bytes "
            f"(about {MAX_TEXT_BYTES // 6} words) — split it into several notes"
        )
    return value


def _name(args: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = args.get(key, default)
    if not isinstance(value, str) or not value:
        raise ProtocolError(f"'{key}' must be a name")
    if len(value) > MAX_NAME_CHARS:
        raise ProtocolError(f"'{key}' is too long")
    return value


def _choice(
    args: Mapping[str, Any], key: str, allowed: tuple[str, ...], default: str | None = None
) -> str:
    value = args.get(key, default)
    if value not in allowed:
        raise ProtocolError(f"'{key}' must be one of {', '.join(allowed)}")
    return str(value)


def _bool(args: Mapping[str, Any], key: str) -> bool:
    value = args.get(key)
    if not isinstance(value, bool):
        raise ProtocolError(f"'{key}' must be true or false")
    return value


def _mapping(args: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = args.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ProtocolError(f"'{key}' must be a mapping")
    return {str(k): v for k, v in value.items()}


def _scalar(value: object, what: str) -> float | bool | str | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return _num({what: value}, what)
    if isinstance(value, str):
        return _text({what: value}, what)
    raise ProtocolError(f"'{what}' must be a number, true/false or text")


# -- what a command becomes ----------------------------------------------------------------------
@dataclass(frozen=True)
class Context:
    """What arguments are checked against: the running session, if any."""

    snapshot: Snapshot | None = None
    partners: frozenset[str] = frozenset()  # partners of the current scenario


@dataclass(frozen=True)
class Setup:
    """A request the hub handles itself (clients, hierarchies, starting, reports)."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)


Builder = Callable[[str, Mapping[str, Any], Context], "c.Command | Setup"]


def _suds_scale(ctx: Context) -> int:
    return ctx.snapshot.suds_scale if ctx.snapshot is not None else 100


def _step(a: Mapping[str, Any], ctx: Context) -> int:
    if ctx.snapshot is None or ctx.snapshot.step_count < 1:
        return _int(a, "index")  # no session: the engine refuses it with its own reason
    return _int(a, "index", 0, ctx.snapshot.step_count - 1)


def _questionnaire(cid: str, a: Mapping[str, Any], ctx: Context) -> c.Command:
    name = _name(a, "questionnaire")
    known = form(name)
    if known is None:
        raise ProtocolError(f"unknown questionnaire '{name}'; known: {', '.join(sorted(forms()))}")
    answers = _answers(a)
    problem = known.problem(answers)
    if problem:
        raise ProtocolError(problem)
    when = _choice(a, "when", ("baseline", "during", "post", ""), "")
    return c.AnswerQuestionnaire(cid, questionnaire=name, answers=answers, when=when)


def _answers(a: Mapping[str, Any]) -> dict[str, float]:
    raw = a.get("answers")
    if not isinstance(raw, dict):
        raise ProtocolError("'answers' must be a mapping")
    return {str(k)[:MAX_NAME_CHARS]: _num(raw, k) for k in raw}


def _partner(cid: str, a: Mapping[str, Any], ctx: Context) -> c.Command:
    partner = _name(a, "partner_id")
    if partner not in ctx.partners:
        known = ", ".join(sorted(ctx.partners)) or "none in this scene"
        raise ProtocolError(f"no partner '{partner}' in the current scene (partners: {known})")
    event = _choice(a, "event", PARTNER_EVENTS)
    data = _mapping(a, "data")
    if len(data) > 16:
        raise ProtocolError("'data' has too many entries")
    checked: dict[str, JsonValue] = {k[:MAX_NAME_CHARS]: _scalar(v, k) for k, v in data.items()}
    if event == "attitude":
        _num(checked, "attitude", -1.0, 1.0)
    return c.PartnerCommand(cid, partner_id=partner, event=event, data=checked)


def _partner_id(a: Mapping[str, Any], ctx: Context) -> str:
    partner = _name(a, "partner_id")
    if partner not in ctx.partners:
        known = ", ".join(sorted(ctx.partners)) or "none in this scene"
        raise ProtocolError(f"no partner '{partner}' in the current scene (partners: {known})")
    return partner


def _converse(
    build: Callable[[Mapping[str, Any], Context], conv.ConversationCommand],
) -> Builder:
    """A conversation action (partners panel, scores): one session command each."""
    return lambda cid, a, ctx: c.Converse.of(cid, "therapist", build(a, ctx))


def _behaviour(a: Mapping[str, Any], ctx: Context) -> conv.SetBehaviour:
    value = a.get("value")
    checked: float | str | None = (
        None if value is None else _num(a, "value") if not isinstance(value, str) else
        _name(a, "value")
    )  # fmt: skip
    return conv.SetBehaviour(_partner_id(a, ctx), _name(a, "name"), checked)


CONVERSATION: dict[str, Builder] = {
    "partner_start": _converse(lambda a, ctx: conv.StartConversation(_partner_id(a, ctx))),
    # the therapist marks the client's spoken answer (Wizard-of-Oz)
    "partner_choose": _converse(
        lambda a, ctx: conv.ChooseOption(_partner_id(a, ctx), _int(a, "index", 0, 99), "therapist")
    ),
    "partner_trigger": _converse(
        lambda a, ctx: conv.TriggerPartner(_partner_id(a, ctx), _name(a, "trigger_id"))
    ),
    "partner_say_again": _converse(lambda a, ctx: conv.SayAgain(_partner_id(a, ctx))),
    "partner_skip": _converse(lambda a, ctx: conv.SkipLine(_partner_id(a, ctx))),
    # the therapist marks that the client began to speak (a waiting partner may cut in)
    "client_speaking": _converse(lambda a, ctx: conv.ClientStartsSpeaking("therapist")),
    "partner_say": _converse(lambda a, ctx: conv.SayThisNow(_partner_id(a, ctx), _text(a, "text"))),
    "partner_behaviour": _converse(_behaviour),
    "subtitles": _converse(lambda a, ctx: conv.ShowSubtitles(_bool(a, "on"))),
    "score_skill": _converse(
        lambda a, ctx: conv.ScoreSkill(
            _name(a, "skill"), _int(a, "score", 1, 5), _text(a, "note", "")
        )
    ),
}


def _safety(action: str) -> Builder:
    def build(cid: str, a: Mapping[str, Any], ctx: Context) -> c.Command:
        return c.Safety(cid, "therapist", action, _text(a, "reason", ""))  # type: ignore[arg-type]

    return build


def _setup(name: str, check: Callable[[Mapping[str, Any]], dict[str, Any]]) -> Builder:
    return lambda cid, a, ctx: Setup(name, check(a))


def _start_args(a: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"code": _name(a, "code")}
    if a.get("baseline_ssq") is not None:
        answers = _answers({"answers": a.get("baseline_ssq")})
        ssq = form("ssq")
        problem = ssq.problem(answers) if ssq is not None else "the SSQ is not installed"
        if problem:
            raise ProtocolError(f"baseline {problem}")
        out["baseline_ssq"] = answers
    if "auto_mode" in a:
        out["auto_mode"] = _bool(a, "auto_mode")
    return out


def _edit_args(a: Mapping[str, Any]) -> dict[str, Any]:
    edit = _mapping(a, "args")
    op = _choice(a, "op", HIERARCHY_EDITS)
    if op == "set_anticipated":
        edit["value"] = _num(edit, "value", 0, 100)
        edit["index"] = _int(edit, "index")
    elif op == "remove_step":
        edit["index"] = _int(edit, "index")
    elif op == "add_step":
        edit["index"] = _int(edit, "index")
        step = _mapping(edit, "step")
        if "anticipated_suds" in step:
            _num(step, "anticipated_suds", 0, 100)
        if "intensity" in step:
            _num(step, "intensity", 0, 100)
    elif op == "reorder":
        order = edit.get("order")
        if not isinstance(order, list) or len(order) > 1000:
            raise ProtocolError("'order' must be a list of step numbers")
        edit["order"] = [_int({"order": i}, "order") for i in order]
    elif op == "set_mode":
        _name(edit, "mode")
    elif op == "use_template":
        _name(edit, "template")
    return {"code": _name(a, "code"), "op": op, "args": edit}


COMMANDS: dict[str, Builder] = {
    **{name: _safety(name) for name in SAFETY},
    "step_up": lambda cid, a, ctx: c.StepUp(cid),
    "step_down": lambda cid, a, ctx: c.StepDown(cid),
    "go_to_step": lambda cid, a, ctx: c.GoToStep(cid, index=_step(a, ctx)),
    "set_intensity": lambda cid, a, ctx: c.SetIntensity(
        cid, intensity=_num(a, "intensity", 0, 100)
    ),
    "set_parameter": lambda cid, a, ctx: c.SetParameter(
        cid, name=_name(a, "name"), value=_scalar(a.get("value"), "value")
    ),
    "record_suds": lambda cid, a, ctx: c.RecordSuds(
        cid, value=_num(a, "value", 0, _suds_scale(ctx)), source="therapist"
    ),
    "ask_now": lambda cid, a, ctx: c.AskNow(cid, prompt=_choice(a, "prompt", PROMPTS, "suds")),  # type: ignore[arg-type]
    "record_comfort": lambda cid, a, ctx: c.RecordComfort(cid, value=_num(a, "value", 0, 20)),
    "record_expectancy": lambda cid, a, ctx: c.RecordExpectancy(
        cid,
        phase=_choice(a, "phase", ("before", "after")),  # type: ignore[arg-type]
        likelihood=_num(a, "likelihood", 0, 100),
        feared_outcome=_text(a, "feared_outcome", ""),
    ),
    "accept": lambda cid, a, ctx: c.AcceptProposal(cid, proposal_id=_name(a, "proposal_id")),
    "decline": lambda cid, a, ctx: c.DeclineProposal(
        cid, proposal_id=_name(a, "proposal_id"), note=_text(a, "note", "")
    ),
    "auto_mode": lambda cid, a, ctx: c.SetAutoMode(cid, enabled=_bool(a, "enabled")),
    "note": lambda cid, a, ctx: c.AddNote(cid, text=_text(a, "text")),
    "questionnaire": _questionnaire,
    "partner": _partner,
    **CONVERSATION,
    "fire_cue": lambda cid, a, ctx: c.FireCue(cid, cue=_name(a, "cue")),
    "send_elevator": lambda cid, a, ctx: c.SendElevator(cid, floor=_num(a, "floor", -1000, 1000)),
    "lock_elevator": lambda cid, a, ctx: c.LockElevator(cid, locked=_bool(a, "locked")),
    "sound_output": lambda cid, a, ctx: c.SetSoundOutput(
        cid,
        volume=_num(a, "volume", 0, 1) if "volume" in a else None,
        muted=_bool(a, "muted") if "muted" in a else None,
    ),
    "voice_recording": lambda cid, a, ctx: c.SetVoiceRecording(cid, on=_bool(a, "on")),
    "end_session": lambda cid, a, ctx: c.EndSession(
        cid, reason=_text(a, "reason", "ended by therapist")
    ),
    # set-up and reports, handled by the hub
    "create_client": _setup("create_client", lambda a: {"template": _name(a, "template")}),
    "select_client": _setup("select_client", lambda a: {"code": _name(a, "code")}),
    "edit_hierarchy": _setup("edit_hierarchy", _edit_args),
    "start_session": _setup("start_session", _start_args),
    "new_session": _setup("new_session", lambda a: {}),
    "resume_session": _setup(
        "resume_session",
        lambda a: {
            "session_id": _name(a, "session_id"),
            "take_over": _bool(a, "take_over") if "take_over" in a else False,
        },
    ),
    "close_interrupted": _setup(
        "close_interrupted", lambda a: {"session_id": _name(a, "session_id")}
    ),
    "reload_scene": _setup("reload_scene", lambda a: {}),
    "summary": _setup("summary", lambda a: {}),
    "export": _setup("export", lambda a: {}),
}


def build_command(
    name: str, command_id: str, args: Mapping[str, Any], ctx: Context
) -> c.Command | Setup:
    """What a console command becomes; ProtocolError for an unknown name or bad arguments."""
    builder = COMMANDS.get(name)
    if builder is None:
        raise ProtocolError(f"unknown command '{name[:MAX_NAME_CHARS]}'")
    return builder(command_id, args, ctx)


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
