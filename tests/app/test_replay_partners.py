"""A replay poses the virtual partners from the record: during a recorded line the
partner shows the line's expression and gesture and looks at the recorded head, as the
client saw it; before and after, it is at rest. Before this, a replay drew partners
in their default animation whatever was said."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vrtherapy.app.replay import ReplayRenderer, recorded_lines, voices_at
from vrtherapy.display.headless import HeadlessDisplay, HeadPose
from vrtherapy.reports.replay import SessionRecord
from vrtherapy.session import conversation as conv

from .test_speech_wiring import SECONDS_PER_CHAR, Rig

SIZE = (160, 120)
BODY = "interviewer/body/hips/torso"
GREETING = "Good morning! Please, take a seat."  # the fixture's first line: wave, smile


def _record(tmp_path: Path) -> tuple[SessionRecord, float]:
    """A session in which the interviewer greets the client; the greeting's start."""
    rig = Rig(tmp_path)
    rig.session_clock.advance(2.0)
    rig.act(conv.StartConversation("interviewer"))
    rig.session_clock.advance(10.0)
    rig.now += 10.0
    rig.engine_loop()
    events = rig.service.events()
    rig.store.close()
    [played] = [e for e in events if isinstance(e.payload, conv.PartnerLinePlayed)]
    assert played.payload.seconds == round(SECONDS_PER_CHAR * len(GREETING), 3)
    return SessionRecord(events, rig.service.library), played.session_time


def test_the_record_gives_each_line_its_time_gesture_and_expression(tmp_path: Path) -> None:
    record, start = _record(tmp_path)
    [line] = recorded_lines(record.events)
    assert (line.text, line.gesture, line.expression) == (GREETING, "wave", "smile")
    assert line.started == start
    assert line.seconds == pytest.approx(SECONDS_PER_CHAR * len(GREETING), abs=1e-3)
    assert voices_at("s", [line], start - 0.1).lines == ()
    assert voices_at("s", [line], start + 1.0).acts(start + 1.0)["interviewer"].gesture == "wave"


def _poses(record: SessionRecord, times: list[float], posed: bool) -> list[dict[str, np.ndarray]]:
    display = HeadlessDisplay(SIZE, head=HeadPose(yaw_degrees=20.0, x=0.3))
    display.open()
    renderer = ReplayRenderer(record, display)
    if not posed:
        renderer.view.partners = None  # as replays drew partners before
    out = []
    try:
        for t in times:
            renderer.frame(t)
            world = renderer.view.world
            torso = np.linalg.inv(world.world_matrix(BODY))
            out.append(
                {
                    "arm": torso @ world.world_matrix(f"{BODY}/shoulder_r"),
                    "head": torso @ world.world_matrix(f"{BODY}/neck/head"),
                    "brow": np.linalg.inv(world.world_matrix(f"{BODY}/neck/head"))
                    @ world.world_matrix(f"{BODY}/neck/head/brow_l"),
                }
            )
    finally:
        renderer.close()
        display.close()
    return out


def _angle(a: np.ndarray, b: np.ndarray) -> float:
    r = a[:3, :3] @ np.linalg.inv(b[:3, :3])
    return float(np.degrees(np.arccos(np.clip((np.trace(r) - 1) / 2, -1, 1))))


def test_a_replayed_frame_during_a_line_shows_the_partner_saying_it(tmp_path: Path) -> None:
    record, start = _record(tmp_path)
    times = [start + 0.9, start + 8.0]  # waving while it greets; long after
    posed = _poses(record, times, posed=True)
    default = _poses(record, times, posed=False)
    during, after = posed
    assert _angle(during["arm"], default[0]["arm"]) > 30  # the wave of the line
    assert during["brow"][1, 3] > default[0]["brow"][1, 3] + 0.002  # its smile
    # the head turns to the recorded head (20° to the side, 30 cm along)
    assert _angle(during["head"], default[0]["head"]) > 3
    # after the line the wave is over: the arm is where it rests
    np.testing.assert_allclose(after["arm"], default[1]["arm"], atol=1e-5)


FRAME_S = 1.0 / 90.0
MOST_PER_FRAME = 0.06  # the steepest ease (0.9 of the face over 0.3 s) moves 0.05 a frame


def test_the_face_never_jumps_across_a_skip_or_a_new_line_and_replay_equals_live(
    tmp_path: Path,
) -> None:
    """Live, frame by frame: the greeting (smile, wave) skipped after 1 s, then the
    timeout's 'take your time' (concern) and the next question (no expression) follow
    each other. The face and the gesture channels ease from one to the next; a replay
    of the record shows the same at each moment after the skip."""
    from vrtherapy.partners.gestures import face_valence, gesture_channels

    rig = Rig(tmp_path)
    rig.act(conv.StartConversation("interviewer"))
    offset = rig.now - rig.session_clock.monotonic()  # live clock minus session time
    faces: list[float] = []
    arms: list[np.ndarray] = []
    live: dict[float, tuple[float, np.ndarray]] = {}

    def frames(seconds: float) -> None:
        for _ in range(round(seconds / FRAME_S)):
            rig.now += FRAME_S
            rig.session_clock.advance(FRAME_S)
            rig.engine_loop()
            rig.service.tick()
            act = rig.speech.voices.acts(rig.now).get("interviewer")
            faces.append(face_valence(0.0, act))
            arms.append(gesture_channels(act))
            live[round(rig.now - offset, 4)] = (faces[-1], arms[-1])

    frames(1.0)
    rig.act(conv.SkipLine("interviewer"))
    skipped = rig.session_clock.monotonic()
    frames(12.0)  # the greeting's 8 s timeout: 'take your time', then the question
    said = [e.payload.text for e in rig.service.events() if e.kind == "partner_line_spoken"]
    assert rig.kinds().count("partner_line_played") >= 3, said
    steps = np.abs(np.diff(faces))
    assert max(faces) > 0.8 and min(faces) < -0.4  # the smile and the concern both showed
    assert steps.max() < MOST_PER_FRAME, steps.max()
    assert np.abs(np.diff(np.array(arms), axis=0)).max() < 0.1

    record = SessionRecord(rig.service.events(), rig.service.library)
    rig.store.close()
    lines = recorded_lines(record.events)
    for t, (face, arm) in live.items():
        if skipped < t < skipped + 0.7 or t > skipped + 8.0:
            act = voices_at("s", lines, t).acts(t).get("interviewer")
            assert face_valence(0.0, act) == pytest.approx(face, abs=0.03), t
            np.testing.assert_allclose(gesture_channels(act), arm, atol=0.03)
