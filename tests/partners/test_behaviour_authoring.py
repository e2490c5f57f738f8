"""Partner behaviour as a scenario sets it: per level through $parameters, checked with
its line like every authored value."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from vrtherapy.authoring import AuthoringError, load_library
from vrtherapy.authoring.behaviour import BEHAVIOUR
from vrtherapy.authoring.intensity import parameter_values
from vrtherapy.authoring.stock import scenes_dir
from vrtherapy.partners.behaviour import Behaviour, behaviour_of

FIXTURES = Path(__file__).parent / "fixtures"
SCENE = FIXTURES / "interview_levels.yaml"


def test_levels_set_the_partners_behaviour() -> None:
    lib = load_library([FIXTURES], context=[scenes_dir()])
    spec = lib.scenario("test.interview_levels")
    partner = spec.partners[0]
    friendly, problems = behaviour_of(partner, parameter_values(spec, 0.0))
    assert problems == []
    assert friendly == Behaviour(eye_contact=0.7, valence=0.8, latency_s=1.5, attitude="interested")
    critical, _ = behaviour_of(partner, parameter_values(spec, 100.0))
    assert (critical.valence, critical.eye_contact, critical.attitude) == (-0.7, 0.95, "hostile")


def test_defaults_are_spelled_once() -> None:
    assert {f.name: f.default for f in fields(Behaviour)} == {
        k: a.default for k, a in BEHAVIOUR.items()
    }


def _problems(tmp_path: Path, old: str, new: str) -> list[str]:
    text = SCENE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "scene.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(AuthoringError) as info:
        load_library([path, FIXTURES / "interview.yaml"], context=[scenes_dir()])
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize(
    ("old", "new", "where", "words"),
    [
        ("latency_s: 1.5", "latency: 1.5", "scene.yaml:21:7:", "no argument 'latency'"),
        ("latency_s: 1.5", "latency_s: 12", "scene.yaml:21:18:", "outside 0–10"),
        ("eye_contact: {type: number, min: 0, max: 1}",
         "eye_contact: {type: number, min: 0, max: 2}",
         "scene.yaml:20:20:", "accepts only 0–1"),
        ("choices: [interested, hostile]", "choices: [interested, angry]", "scene.yaml:22:17:",
         "'angry'"),
        ("valence: $warmth", "valence: $warm", "scene.yaml:19:16:", "undefined parameter 'warm'"),
    ],
)  # fmt: skip
def test_behaviour_errors_are_located(
    tmp_path: Path, old: str, new: str, where: str, words: str
) -> None:
    problems = _problems(tmp_path, old, new)
    assert any(where in p and words in p for p in problems), problems


@pytest.mark.parametrize(
    ("new", "where", "words"),
    [
        ("flags: {bragged: $shy}", "scene.yaml:18:22:", "undefined parameter 'shy'"),
        ("flags: {bragged: $warmth}", "scene.yaml:18:22:", "a number parameter, but a boolean"),
        ("flags: {braged: true}", "scene.yaml:18:13:", "flag 'braged', which dialogue"),
        ("flags: {bragged: maybe}", "scene.yaml:18:22:", ""),
    ],
)
def test_partner_flags_errors_are_located(tmp_path: Path, new: str, where: str, words: str) -> None:
    """A partner's ``flags:`` name flags its dialogue declares, as booleans or boolean
    parameters."""
    problems = _problems(
        tmp_path, "    dialogue: test.interview\n", f"    dialogue: test.interview\n    {new}\n"
    )
    assert any(where in p and words in p for p in problems), problems
    if "braged" in new:
        assert any("did you mean 'bragged'" in p for p in problems), problems


def test_partner_flags_that_fit_load(tmp_path: Path) -> None:
    text = SCENE.read_text(encoding="utf-8")
    text = text.replace(
        "    dialogue: test.interview\n",
        "    dialogue: test.interview\n    flags: {bragged: true}\n",
    )
    path = tmp_path / "scene.yaml"
    path.write_text(text, encoding="utf-8")
    lib = load_library([path, FIXTURES / "interview.yaml"], context=[scenes_dir()])
    assert lib.scenario("test.interview_levels").partners[0].flags == {"bragged": True}


def test_one_lookup_of_a_behaviour_number_for_session_engine_and_stage() -> None:
    """The session's interruption, the engine's latency and speaking rate and the stage's
    behaviour read a number alike: live value, else the level's $parameter, else the
    default, brought into range (before, the session had a lookup of its own)."""
    from vrtherapy.app.speech_wiring import live_number
    from vrtherapy.authoring.behaviour import BEHAVIOUR, behaviour_number
    from vrtherapy.authoring.scenario import PartnerSpec, ScenarioSpec
    from vrtherapy.partners.behaviour import NUMERIC, behaviour_of
    from vrtherapy.session.conversation.decide import Scene, interruption_of
    from vrtherapy.session.conversation.state import ConversationState

    behaviour = {n: f"${n}" for n in NUMERIC} | {"valence": 3.0, "eye_contact": True}
    partner = PartnerSpec.model_construct(id="p", behaviour=behaviour)
    for values in (
        {},
        {n: 99.0 for n in NUMERIC},
        {n: -5.0 for n in NUMERIC},
        {n: 0.5 for n in NUMERIC},
        {n: "x" for n in NUMERIC},
    ):
        level, _problems = behaviour_of(partner, values)
        for n in NUMERIC:
            assert behaviour_number(partner.behaviour, n, values) == getattr(level, n), (n, values)
            assert live_number(partner, n, values) == getattr(level, n)
    # a live value is brought into range the same way wherever it is read
    assert live_number(partner, "latency_s", {}, {"latency_s": 50.0}) == BEHAVIOUR["latency_s"].max
    scenario = ScenarioSpec.model_construct(id="s", partners=[partner])
    scene = Scene(scenario, None, "s", 0.0, {"interruption": 7.0})  # type: ignore[arg-type]
    assert interruption_of(scene, ConversationState(), "p") == 1.0
    live = ConversationState(behaviour=(("p", (("interruption", 0.25),)),))
    assert interruption_of(scene, live, "p") == 0.25
