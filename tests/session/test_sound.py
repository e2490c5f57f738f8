"""Sound cues in the session: fired by the therapist, by timers and by level changes,
each an event in the record; the master volume and mute are events too."""

from __future__ import annotations

from dataclasses import replace

from tests.session.helpers import Ids, start
from vrtherapy.authoring import Library
from vrtherapy.session import commands as c
from vrtherapy.session.store.base import EventStore
from vrtherapy.session.timeline import describe


def _with_timer(library: Library, every: float) -> Library:
    """The stock library with the balcony's gust cue also fired every ``every`` s."""
    spec = library.scenarios["heights.balcony"]
    gust = spec.sounds.cues[0].model_copy(update={"every": every, "on_level": []})
    sounds = spec.sounds.model_copy(update={"cues": [gust]})
    scenarios = {**library.scenarios, spec.id: spec.model_copy(update={"sounds": sounds})}
    return replace(library, scenarios=scenarios)


def _cues(engine: object) -> list[tuple[str, str]]:
    events = engine.store.read(engine.session_id)  # type: ignore[attr-defined]
    return [(e.payload.cue, e.payload.trigger) for e in events if e.kind == "sound_cue_fired"]


def test_a_timer_cue_fires_every_period_while_the_scene_is_shown(
    sqlite_store: EventStore, library: Library
) -> None:
    engine, clock = start(sqlite_store, _with_timer(library, 30.0))
    ids = Ids()
    clock.advance(29.0)
    engine.tick()
    assert _cues(engine) == []
    clock.advance(1.5)
    engine.tick()
    assert _cues(engine) == [("gust", "timer")]
    clock.advance(10.0)
    engine.tick()
    assert len(_cues(engine)) == 1
    engine.handle(c.Safety(ids(), action="pause"))
    clock.advance(40.0)
    engine.tick()
    assert len(_cues(engine)) == 1  # no timer cues while paused
    engine.handle(c.Safety(ids(), action="resume"))
    engine.tick()
    assert _cues(engine) == [("gust", "timer")] * 2


def test_entering_a_level_fires_its_cue_once_per_entry(
    sqlite_store: EventStore, library: Library
) -> None:
    engine, clock = start(sqlite_store, library)
    ids = Ids()
    h = engine.state.hierarchy
    assert h is not None
    top = next(i for i, s in enumerate(h.steps) if s.level == "floor_20")
    engine.handle(c.GoToStep(ids(), index=top))
    clock.advance(5.0)
    engine.tick()
    assert _cues(engine) == [("gust", "level")]
    engine.handle(c.GoToStep(ids(), index=top - 1))
    engine.handle(c.GoToStep(ids(), index=top))
    assert _cues(engine) == [("gust", "level")] * 2


def test_the_therapist_fires_a_cue_and_it_is_in_the_timeline(
    sqlite_store: EventStore, library: Library
) -> None:
    engine, _ = start(sqlite_store, library)
    outcome = engine.handle(c.FireCue("cue-1", cue="gust"))
    assert outcome.accepted
    [event] = outcome.events
    assert describe(event) == "sound cue gust fired by therapist"
    assert engine.snapshot.cues_fired == ((event.seq, "gust", event.session_time),)
    assert engine.snapshot.cues == (("gust", "Wind gust"),)


def test_the_calm_scene_offers_its_own_cues(sqlite_store: EventStore, library: Library) -> None:
    engine, _ = start(sqlite_store, library)
    engine.handle(c.Safety("calm-1", action="calm_scene"))
    assert engine.snapshot.cues == (("chime", "Soft chime"),)
    refused = engine.handle(c.FireCue("cue-1", cue="gust"))
    assert not refused.accepted
    assert "calm.room" in refused.reason and "chime" in refused.reason
    assert engine.handle(c.FireCue("cue-2", cue="chime")).accepted


def test_volume_and_mute_are_recorded_and_in_the_snapshot(
    sqlite_store: EventStore, library: Library
) -> None:
    engine, _ = start(sqlite_store, library)
    assert engine.handle(c.SetSoundOutput("v-1", volume=0.4)).accepted
    assert engine.handle(c.SetSoundOutput("v-2", muted=True)).accepted
    assert not engine.handle(c.SetSoundOutput("v-3", volume=1.5)).accepted
    snap = engine.snapshot
    assert (snap.sound_volume, snap.sound_muted) == (0.4, True)
    events = [e for e in engine.store.read(engine.session_id) if e.kind == "sound_output_set"]
    assert [describe(e) for e in events] == [
        "sound on, volume 40 % by therapist",
        "sound muted, volume 40 % by therapist",
    ]
