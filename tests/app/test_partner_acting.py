"""What a client sees a talking partner do, read from the posed scene graph: its lips take
the shape of each viseme of the line (and shut in silence), a line's expression shows in
its brows and mouth while it is said, and its gesture moves the head or arm once and
returns. The partner is posed by the render thread's own :class:`PartnersOnStage` from
the published :class:`Voices`, as in ``vrtherapy run``."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from vrtherapy.app.conversation_wiring import PartnersOnStage
from vrtherapy.app.speech_wiring import Voiced, Voices
from vrtherapy.authoring import load_library
from vrtherapy.authoring.intensity import parameter_values
from vrtherapy.authoring.scenario import ScenarioSpec
from vrtherapy.authoring.stock import scenes_dir
from vrtherapy.partners.speech import Utterance
from vrtherapy.partners.visemes import VISEMES, viseme_track
from vrtherapy.session import conversation as conv
from vrtherapy.world import build_world
from vrtherapy.world.transforms import translate
from vrtherapy.world.world import World

from .test_speech_wiring import Rig

FIXTURES = Path(__file__).parents[1] / "partners" / "fixtures"
HEAD = "interviewer/body/hips/torso/neck/head"
RATE = 22050


@dataclass(frozen=True)
class _View:
    view: np.ndarray  # world -> eye, as the display's eye views carry it


VIEWS = [_View(np.linalg.inv(translate(0.0, 1.6, 0.0)).astype(np.float64))]


@functools.cache
def _spec() -> ScenarioSpec:
    return load_library([FIXTURES], context=[scenes_dir()]).scenario("test.interview_room")


def _world() -> World:
    spec = _spec()
    return build_world(spec, parameter_values(spec, 50.0))


def _posed(world: World, voices: Voices, t: float) -> dict[str, np.ndarray]:
    """The partner posed at ``t`` (the line clock and world time alike): joints in its head."""
    stage = PartnersOnStage(lambda: voices, clock=lambda: t)
    stage.animate(world, None, VIEWS, t)
    world.advance(t)
    inv_head = np.linalg.inv(world.world_matrix(HEAD))
    head = world.world_matrix(HEAD)
    torso = world.world_matrix(HEAD.rsplit("/", 2)[0])
    return {
        j: inv_head @ world.world_matrix(f"{HEAD}/{j}")
        for j in ("mouth_l", "mouth_r", "jaw", "brow_l", "brow_r")
    } | {
        "head": np.linalg.inv(torso) @ head,
        "arm": np.linalg.inv(torso) @ world.world_matrix(f"{HEAD.rsplit('/', 2)[0]}/shoulder_r"),
    }


def _width(p: dict[str, np.ndarray]) -> float:
    return float(np.linalg.norm(p["mouth_l"][:3, 3] - p["mouth_r"][:3, 3]))


def _line(gesture: str = "none", expression: str = "", seconds: float = 2.0) -> Voices:
    return Voices(
        "s", (Voiced(1, "interviewer", "Sure.", None, 0.0, seconds, gesture, expression),)
    )


# -- 1. visemes ------------------------------------------------------------------------------
def test_the_lips_follow_the_visemes_of_a_line_and_shut_in_silence() -> None:
    # "_ u i m a _": silence, a rounded 'oo', a spread 'ee', closed lips, an open 'a'
    phonemes = [("_", 0.3), ("u", 0.25), ("i", 0.25), ("m", 0.2), ("a", 0.25), ("_", 0.3)]
    track = viseme_track([(p, int(s * RATE)) for p, s in phonemes], RATE)
    samples = np.zeros(int(sum(s for _, s in phonemes) * RATE), np.float32)
    said = Utterance(Path("line.wav"), samples, RATE, track, True)
    voices = Voices("s", (Voiced(1, "interviewer", "Oo, ee, ma.", said, 10.0, said.seconds),))
    quiet = Voices("s")

    at = {"ou": 10.5, "ih": 10.75, "PP": 10.97, "aa": 11.2, "sil": 11.45}
    for shape, t in at.items():
        assert VISEMES[voices.lines[0].viseme(t) or 0] == shape, shape
    talking = {s: _posed(_world(), voices, t) for s, t in at.items()}
    silent = {s: _posed(_world(), quiet, t) for s, t in at.items()}

    # the lips round for 'oo' and spread for 'ee', against the same moment in silence
    assert _width(talking["ou"]) < _width(silent["ou"]) - 0.006
    assert _width(talking["ih"]) > _width(silent["ih"]) + 0.006
    assert _width(talking["ih"]) - _width(talking["ou"]) > 0.015

    # the jaw: open on 'a', shut on 'm' and in the line's silences, as when not talking
    def jaw_turn(p: dict[str, np.ndarray], q: dict[str, np.ndarray]) -> float:
        a, b = p["jaw"][:3, 1], q["jaw"][:3, 1]
        cos = a @ b / np.linalg.norm(a) / np.linalg.norm(b)
        return float(np.degrees(np.arccos(np.clip(cos, -1, 1))))

    assert jaw_turn(talking["aa"], silent["aa"]) > 8
    assert jaw_turn(talking["PP"], silent["PP"]) < 3
    assert jaw_turn(talking["sil"], silent["sil"]) < 0.5  # shut (the last 40 ms release)
    for j in ("mouth_l", "mouth_r"):
        np.testing.assert_allclose(talking["sil"][j][:3, 3], silent["sil"][j][:3, 3], atol=1e-4)
    # before and after the line nothing of it shows
    for t in (9.0, 12.5):
        before = _posed(_world(), voices, t)
        same = _posed(_world(), quiet, t)
        np.testing.assert_allclose(before["mouth_l"], same["mouth_l"], atol=1e-6)


# -- 2. expressions and gestures --------------------------------------------------------------
def test_a_lines_expression_shows_while_it_is_said() -> None:
    t = 1.0
    neutral = _posed(_world(), _line(expression="neutral"), t)
    smile = _posed(_world(), _line(expression="smile"), t)
    frown = _posed(_world(), _line(expression="frown"), t)
    brow_y = {k: p["brow_l"][1, 3] for k, p in [("n", neutral), ("s", smile), ("f", frown)]}
    assert brow_y["s"] - brow_y["n"] > 0.003 and brow_y["n"] - brow_y["f"] > 0.003
    corner_up = {k: p["mouth_l"][1, 0] for k, p in [("n", neutral), ("s", smile), ("f", frown)]}
    assert corner_up["s"] - corner_up["n"] > 0.2 and corner_up["n"] - corner_up["f"] > 0.2
    # after the line the face is the level's valence again, whatever the line showed
    after = 2.0 + 1.0
    back = [_posed(_world(), _line(expression=e), after)["brow_l"] for e in ("smile", "frown")]
    plain = _posed(_world(), Voices("s"), after)["brow_l"]
    for b in back:
        np.testing.assert_allclose(b, plain, atol=1e-6)


def _yaw(m: np.ndarray) -> float:
    return float(np.degrees(np.arctan2(m[0, 2], m[2, 2])))


@pytest.mark.parametrize(
    ("gesture", "part", "moved"),
    [("shake_head", "head", 5.0), ("wave", "arm", 30.0), ("nod", "head", 4.0)],
)
def test_a_gesture_plays_once_during_the_line_and_returns(
    gesture: str, part: str, moved: float
) -> None:
    def angle(a: np.ndarray, b: np.ndarray) -> float:
        r = a[:3, :3] @ np.linalg.inv(b[:3, :3])
        return float(np.degrees(np.arccos(np.clip((np.trace(r) - 1) / 2, -1, 1))))

    during = [0.25, 0.35, 0.6, 0.9, 1.2, 1.5]
    diffs = [
        angle(_posed(_world(), _line(gesture), t)[part], _posed(_world(), Voices("s"), t)[part])
        for t in during
    ]
    assert max(diffs) > moved, diffs
    for t in (4.5, 6.0):  # over: the same pose as without it
        with_it = _posed(_world(), _line(gesture), t)[part]
        np.testing.assert_allclose(with_it, _posed(_world(), Voices("s"), t)[part], atol=1e-6)


def test_a_dialogue_nodes_gesture_and_expression_reach_the_rig(tmp_path: Path) -> None:
    """From the session's event to the pose: the fixture greeting (wave, smile)."""
    rig = Rig(tmp_path)
    try:
        rig.act(conv.StartConversation("interviewer"))
        [line] = rig.speech.voices.lines
        assert (line.gesture, line.expression) == ("wave", "smile")
        world = _world()
        shifted = Voices(line and rig.speech.voices.scope, (_shift(line, -line.started),))
        greeting = _posed(world, shifted, 0.9)
        plain = _posed(_world(), Voices("s"), 0.9)
        assert greeting["brow_l"][1, 3] > plain["brow_l"][1, 3]  # smiling more
        r = greeting["arm"][:3, :3] @ np.linalg.inv(plain["arm"][:3, :3])
        assert np.degrees(np.arccos(np.clip((np.trace(r) - 1) / 2, -1, 1))) > 30  # waving
    finally:
        rig.store.close()


def test_a_gesture_without_words_is_played_in_its_turn(tmp_path: Path) -> None:
    """A node with a gesture and no line becomes a silent line with that gesture."""
    rig = Rig(tmp_path)
    try:
        rig.act(conv.StartConversation("interviewer"))
        rig.act(conv.SkipLine("interviewer"))
        from vrtherapy.session.conversation import PartnerLineSpoken
        from vrtherapy.session.events import Event

        gesture_only = PartnerLineSpoken("interviewer", "", "nodding", gesture="nod")
        snap = rig.service.snapshot
        assert snap is not None
        event = Event("s", 999, 0.0, 0.0, "therapist", gesture_only)  # type: ignore[arg-type]
        rig.speech.on_change(snap, (event,))
        rig.engine_loop()
        acts = rig.speech.voices.acts(rig.now + 0.1)
        assert acts["interviewer"].gesture == "nod"
        assert not rig.speech.voices.jaws(rig.now + 0.1)  # nothing said
    finally:
        rig.store.close()


def _shift(v: Voiced, by: float) -> Voiced:
    from dataclasses import replace

    return replace(v, started=v.started + by)
