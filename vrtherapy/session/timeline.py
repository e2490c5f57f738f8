"""One readable line per event, for the demo, the CLI and the console's event log."""

from __future__ import annotations

from datetime import UTC, datetime

from vrtherapy.session import conversation as conv
from vrtherapy.session import events as ev


def _utc(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%H:%M:%S UTC")


def clock(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    return f"{m:3d}:{s:02d}"


def describe(e: ev.Event, *, verbose: bool = False) -> str | None:
    """The line for an event, or None for events only shown when ``verbose``."""
    p = e.payload
    who = e.actor
    if type(p) in conv.EVENTS:
        return conv.describe(p, verbose)
    if isinstance(p, ev.SessionStarted):
        steps = len(p.hierarchy.get("steps", []))
        return (
            f"session started for client {p.client_code}: '{p.hierarchy.get('title')}', "
            f"{steps} steps, starting at step {p.start_step + 1}"
        )
    if isinstance(p, ev.StepEntered):
        at = f"level {p.level}, " if p.level else ""
        why = p.reason.replace("_", " ")
        return f"── step {p.index + 1}: {p.scenario} ({at}intensity {p.intensity:.0f}) [{why}]"
    if isinstance(p, ev.SudsRated):
        scale = f"/{p.scale}"
        return f"SUDS {p.value:g}{scale} from {p.source} ({p.trigger.replace('_', ' ')})"
    if isinstance(p, ev.PromptIssued):
        return (
            f"asks for {p.prompt.replace('_', ' ')} ({p.trigger.replace('_', ' ')})"
            if verbose
            else None
        )
    if isinstance(p, ev.PromptTimedOut):
        return f"no answer to the {p.prompt.replace('_', ' ')} prompt (timed out)"
    if isinstance(p, ev.ComfortRated):
        return f"comfort (motion sickness) {p.value:g}/20" if verbose or p.value >= 5 else None
    if isinstance(p, ev.ExpectancyRecorded):
        return f"expectancy {p.phase}: '{p.feared_outcome}' {p.likelihood:g}% likely"
    if isinstance(p, ev.ProgressionProposed):
        arrow = {
            "up": "▲ step up",
            "down": "▼ step down",
            "variation": "◆ variation",
            "calm": "▼ calm scene",
        }[p.direction]
        return f"PROPOSAL {arrow} to step {p.target_step + 1}: {p.reason}"
    if isinstance(p, ev.ProgressionDecided):
        note = f" ({p.note})" if p.note else ""
        return f"proposal {p.decision} by {who}{note}"
    if isinstance(p, ev.SafetyAction):
        reason = f": {p.reason}" if p.reason else ""
        return f"SAFETY {p.action.replace('_', ' ')} by {who}{reason}"
    if isinstance(p, ev.ClientStopRequested):
        return "the client asked to stop"
    if isinstance(p, ev.SessionEnded):
        return f"session ended: {p.reason}"
    if isinstance(p, ev.SessionInterrupted):
        where = f" on {p.station}" if p.station else ""
        return f"SESSION INTERRUPTED{where}: nothing recorded after {_utc(p.last_event_at)}"
    if isinstance(p, ev.SessionResumed):
        return f"session resumed on {p.station} after a gap of {p.gap / 60:.1f} min"
    if isinstance(p, ev.SessionTakenOver):
        return f"SESSION TAKEN OVER by {p.to_station} from {p.from_station}"
    if isinstance(p, ev.IntensityChanged):
        return f"intensity set to {p.intensity:.0f} by {who}"
    if isinstance(p, ev.ParameterChanged):
        return f"parameter {p.name} = {p.value} by {who}"
    if isinstance(p, ev.AutoModeChanged):
        return f"auto mode {'on' if p.enabled else 'off'}"
    if isinstance(p, ev.NoteAdded):
        return f"note: {p.text}"
    if isinstance(p, ev.QuestionnaireAnswered):
        return (
            f"questionnaire {p.questionnaire} answered ({p.when})"
            if p.when
            else f"questionnaire {p.questionnaire} answered"
        )
    if isinstance(p, ev.ScenarioLoadFailed):
        return f"scenario {p.scenario} failed to load: {p.message}"
    if isinstance(p, ev.FrameTimes):
        late = f", {p.late} late, {p.dropped} dropped" if p.late or p.dropped else ""
        return (
            f"display: {p.fps:.0f} of {p.target_hz:.0f} frames/s, median {p.median_ms:.1f} ms,"
            f" worst {p.worst_ms:.1f} ms{late}"
        )
    if isinstance(p, ev.TrackingChunk):  # every few seconds: shown only when asked for all
        if not verbose:
            return None
        span = f"{clock(p.start).strip()}–{clock(p.end).strip()}"
        return f"tracked poses {span} stored ({p.moments} moments, {p.size} bytes)"
    if isinstance(p, ev.SoundCueFired):
        how = {"timer": "(timer)", "level": "(on entering the level)"}.get(
            p.trigger, f"fired by {who}"
        )
        return f"sound cue {p.cue} {how}"
    if isinstance(p, ev.SoundOutputSet):
        return f"sound {'muted' if p.muted else 'on'}, volume {p.volume * 100:.0f} % by {who}"
    if isinstance(p, ev.VoiceRecordingSet):
        return f"recording of the client's voice turned {'on' if p.on else 'off'} by {who}"
    if isinstance(p, ev.ClientAudioStored):
        return f"client's voice recorded: {p.file}, {p.seconds:.0f} s (sha256 {p.sha256[:12]}…)"
    if isinstance(p, ev.ElevatorFloorRequested):
        return f"elevator sent from floor {p.from_floor:g} to floor {p.to_floor:g} by {p.by}"
    if isinstance(p, ev.ElevatorRequestRefused):
        return (
            f"elevator request ({p.direction}, at floor {p.from_floor:g}) by {p.by} "
            f"refused: {p.reason}"
        )
    if isinstance(p, ev.ElevatorLockSet):
        state = "locked" if p.locked else "unlocked"
        return f"the client's elevator controls {state} by {who}"
    if isinstance(p, ev.PartnerEvent):
        return f"partner {p.partner_id}: {p.event}"
    return None
