"""The scenario's `sounds:` section: every problem located at file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from vrtherapy.authoring import AuthoringError
from vrtherapy.authoring.scenario import load_scenario

HEAD = """\
id: test.sounds
title: Sounds
family: custom
parameters:
  wind: {type: number, min: 0, max: 1}
  engines: {type: boolean}
levels:
  - {name: a, values: {wind: 0, engines: true}}
objects:
  - name: box
    procedural: ground
    children:
      - {name: lamp, procedural: lamp}
"""


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "s.yaml"
    path.write_text(HEAD + text, encoding="utf-8")
    with pytest.raises(AuthoringError) as info:
        load_scenario(path)
    return [f"{p.line}:{p.column}: {p.message}" for p in info.value.problems]


def test_a_valid_sounds_section_loads(tmp_path: Path) -> None:
    (tmp_path / "hum.wav").write_bytes(b"")
    import numpy as np
    import soundfile

    soundfile.write(str(tmp_path / "hum.wav"), np.zeros(480, dtype=np.float32), 48_000)
    path = tmp_path / "ok.yaml"
    path.write_text(
        HEAD
        + """\
partners:
  - {id: host, name: Host}
sounds:
  beds: [{name: wind, sound: wind, gain: $wind}]
  sources:
    - {name: hum, file: hum.wav, attach: lamp, position: [0, 1, 0], playing: $engines}
    - {name: voice, sound: murmur, attach: host}
  cues: [{name: gust, sound: gust, on_level: [a], every: 30, label: Gust}]
""",
        encoding="utf-8",
    )
    spec = load_scenario(path)
    assert spec.sounds.cue_names == ("gust",)
    assert spec.sounds.sources[0].attach == "lamp"  # a child object can carry a sound
    assert spec.sounds.sources[1].attach == "host"  # and a partner (its voice)


def test_each_problem_is_located(tmp_path: Path) -> None:
    (tmp_path / "broken.wav").write_text("not a sound", encoding="utf-8")
    problems = _problems(
        tmp_path,
        """\
sounds:
  beds:
    - {name: w, sound: wind, gain: $wnd}
    - {name: w, file: gone.ogg, playing: $wind}
  sources:
    - {name: s, sound: waves, attach: bx, gain: 9}
    - {name: both, sound: waves, file: broken.wav}
  cues:
    - {name: c, sound: chime, on_level: [b]}
    - {name: d, file: broken.wav}
    - {name: e, sound: thunder}
""",
    )
    expected = [
        "16:36: '$wnd' refers to an undefined parameter 'wnd'",
        "17:14: duplicate sound name 'w'",
        "17:23: sound file 'gone.ogg' not found",
        "17:42: '$wind' is a number parameter, but a boolean is needed here",
        "19:39: sound 's' is attached to 'bx', which is not an object or partner here",
        "19:49: 9 is outside 0–4",
        "20:7: sound 'both' needs exactly one of 'file' or 'sound'",
        "22:42: cue 'c' names an unknown level 'b'",
        "23:23: sound file 'broken.wav' cannot be read",
        "24:24: 'thunder' is not a valid 'sound'",
    ]
    for want in expected:
        assert any(p.startswith(want) for p in problems), (want, problems)


def test_ambient_audio_says_where_it_moved(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "environment:\n  ambient_audio: {sound: wind, volume: 0.2}\n")
    assert any(
        p.startswith("15:18: 'ambient_audio' has moved to the scenario's 'sounds:'")
        for p in problems
    ), problems
