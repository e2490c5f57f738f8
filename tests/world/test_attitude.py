"""The shared attitude model: one table of how attitudes show, read by every avatar."""

from __future__ import annotations

import numpy as np
import pytest

from vrtherapy.world import attitude
from vrtherapy.world.model import PoseContext
from vrtherapy.world.procedural import build
from vrtherapy.world.procedural.avatar import HEAD, JOINTS, TORSO, rest_pose
from vrtherapy.world.transforms import identity


def test_attitudes_order_gaze_and_posture_as_pertaub_describes() -> None:
    a = attitude.ATTITUDES
    assert a["interested"].gaze > a["neutral"].gaze > a["bored"].gaze
    assert a["hostile"].gaze > a["neutral"].gaze  # a hostile audience stares
    assert a["interested"].lean > 0 > a["hostile"].lean > a["bored"].lean - 0.1
    assert a["bored"].hands == "phone" and a["hostile"].hands == "crossed"
    assert a["hostile"].brows < a["neutral"].brows < a["interested"].brows


def test_aliases_keep_older_files_working() -> None:
    assert attitude.attitude("friendly").name == "interested"
    assert attitude.attitude("positive").name == "interested"
    assert attitude.assign("negative", 4) == ("bored", "hostile", "bored", "bored")
    assert attitude.assign("neutral", 2) == ("neutral", "neutral")
    with pytest.raises(KeyError, match="unknown attitude 'grumpy'"):
        attitude.attitude("grumpy")


def test_posture_follows_the_model() -> None:
    def lean(name: str) -> float:
        torso = rest_pose(True, name)[TORSO]
        return float(np.arctan2(torso[2, 1], torso[1, 1]))  # +: towards the client (+z)

    assert lean("interested") > lean("neutral") == pytest.approx(0.0, abs=1e-6)
    assert lean("bored") < lean("hostile") < 0


def test_a_bored_person_holds_a_lit_phone_and_others_do_not() -> None:
    def phones(att: str) -> list[str]:
        b = build("avatar", {"attitude": att, "pose": "seated"})
        names = []
        stack = [("", b.root)]
        while stack:
            path, p = stack.pop()
            if p.name == "phone":
                names.append(path)
                assert p.material.emissive > 0.3  # the screen lights the face
            stack += [(f"{path}/{c.name}", c) for c in p.children]
        return names

    assert len(phones("bored")) == 1 and "hand" in phones("bored")[0]
    assert phones("interested") == phones("hostile") == phones("neutral") == []


def test_a_crowd_looks_down_when_bored_and_at_the_client_when_interested() -> None:
    """Head pitch over a minute: bored people mostly look down (at their phones)."""
    ctx = PoseContext(identity(), (0.0, 1.6, 4.0), {})
    pitch = {}
    for att in ("interested", "bored"):
        b = build("audience", {"size": 8, "rows": 1, "attitude": att, "seed": 2})
        (anim,) = b.animators
        head = [i for i, p in enumerate(anim.paths) if p.endswith(JOINTS[HEAD])]
        samples = []
        for t in np.arange(0.0, 60.0, 0.7):
            pose = anim.pose(float(t), ctx)[head]
            samples.append(np.arctan2(pose[:, 2, 1], pose[:, 1, 1]))  # rot_x angle
        pitch[att] = float(np.mean(samples))
    assert pitch["bored"] > pitch["interested"] + 0.2, pitch
