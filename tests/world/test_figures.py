"""Human figures: who a person is (seeded, or fixed per partner in the scenario), the
shape of the body and face, the rig's contract, and how attitudes show in the pose."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vrtherapy.authoring import AuthoringError, load_scenario
from vrtherapy.world.model import Part, PoseContext, walk
from vrtherapy.world.procedural import build
from vrtherapy.world.procedural.avatar import (
    JOINTS,
    LID_L,
    MOUTH_L,
    MOUTH_R,
    SKIN,
    TORSO,
    Look,
    meshes,
)
from vrtherapy.world.procedural.figure import EYE_IN_HEAD, Y_MOUTH, face
from vrtherapy.world.transforms import identity

HEAD_PATH = "body/hips/torso/neck/head"


def parts(args: dict[str, object]) -> dict[str, Part]:
    return {path: p for path, p, _ in walk(build("avatar", args).root)}


def world_points(args: dict[str, object]) -> dict[str, np.ndarray]:
    """Every part's origin in the avatar's frame, at rest."""
    out: dict[str, np.ndarray] = {}
    mats: dict[str, np.ndarray] = {}
    for path, p, parent in walk(build("avatar", args).root):
        m = p.transform if parent is None else mats[parent] @ p.transform
        mats[path] = m
        out[path] = m[:3, 3]
    return out


def test_the_rig_keeps_its_joints_and_adds_mouth_corners_at_the_end() -> None:
    """Partner behaviour, crowds and the batching of parts address joints by these paths
    and indices: new joints only ever go at the end."""
    assert JOINTS[:19] == (
        "", "hips", "hips/torso", "hips/torso/neck/head", "hips/torso/neck/head/eye_l",
        "hips/torso/neck/head/eye_r", "hips/torso/neck/head/lid_l", "hips/torso/neck/head/lid_r",
        "hips/torso/neck/head/jaw", "hips/torso/neck/head/brow_l", "hips/torso/neck/head/brow_r",
        "hips/torso/shoulder_l", "hips/torso/shoulder_r", "hips/torso/shoulder_l/elbow_l",
        "hips/torso/shoulder_r/elbow_r", "hips/hip_l", "hips/hip_r", "hips/hip_l/knee_l",
        "hips/hip_r/knee_r",
    )  # fmt: skip
    assert (JOINTS[MOUTH_L], JOINTS[MOUTH_R]) == (
        "hips/torso/neck/head/mouth_l",
        "hips/torso/neck/head/mouth_r",
    )
    p = parts({"seed": 1})
    for j in JOINTS[1:]:
        assert f"body/{j}" in p, j


def test_the_same_seed_is_the_same_person_and_seeds_differ() -> None:
    assert Look.from_seed(11) == Look.from_seed(11)
    looks = [Look.from_seed(s) for s in range(40)]
    assert len({lk.skin for lk in looks}) >= 5
    assert {lk.hair_style for lk in looks} == {"short", "long", "bun", "none"}
    assert {lk.sex for lk in looks} == {"female", "male"}
    assert {lk.age for lk in looks} == {"young", "middle", "older"}
    heights = [lk.height for lk in looks]
    assert max(heights) - min(heights) > 0.2
    assert min(heights) > 1.5 and max(heights) < 2.0
    assert max(lk.girth for lk in looks) > 1.1 > 0.95 > min(lk.girth for lk in looks)
    # women are shorter than men on average, and only women get the female torso
    f = [lk.height for lk in looks if lk.sex == "female"]
    m = [lk.height for lk in looks if lk.sex == "male"]
    assert np.mean(f) < np.mean(m) - 0.05
    assert all(lk.torso == f"torso_{lk.sex}" for lk in looks)


def test_older_people_have_grey_hair() -> None:
    looks = [Look.from_seed(s, {"age": "older"}) for s in range(20)]
    greys = [max(lk.hair[:3]) - min(lk.hair[:3]) < 0.05 and lk.hair[0] > 0.15 for lk in looks]
    assert all(greys)


def test_a_partner_s_appearance_is_fixed_by_its_arguments() -> None:
    a = {"seed": 4, "sex": "female", "age": "young", "skin": 7, "hair": "bun", "build": "slim"}
    lk = Look.from_seed(4, a)  # type: ignore[arg-type]
    assert (lk.sex, lk.age, lk.hair_style, lk.torso) == ("female", "young", "bun", "torso_female")
    from vrtherapy.world.geometry import rgba

    assert lk.skin == rgba(SKIN[6])
    # fixing one trait leaves the others as the seed drew them
    assert Look.from_seed(4, {"skin": 2}).shirt == Look.from_seed(4).shirt
    # in the built avatar: the hair mesh, the skin on the head, the height
    p = parts({"seed": 4, "hair": "bald"})
    assert f"{HEAD_PATH}/hair" not in p
    p = parts({"seed": 4, "hair": "long", "skin": 1})
    assert p[f"{HEAD_PATH}/hair"].mesh is meshes()["hair_long"]
    assert p[HEAD_PATH].material.tint == rgba(SKIN[0])
    tall = world_points({"seed": 4, "sex": "male", "stature": "tall"})[HEAD_PATH][1]
    short = world_points({"seed": 4, "sex": "female", "stature": "short"})[HEAD_PATH][1]
    assert tall - short > 0.2


def test_bodies_stand_on_the_floor_with_believable_proportions() -> None:
    for seed in range(6):
        lk = Look.from_seed(seed)
        pts = world_points({"seed": seed})
        b = build("avatar", {"seed": seed})
        lowest = np.inf
        for path, p, _ in walk(b.root):
            if p.mesh is not None and path.endswith("foot"):
                lowest = min(lowest, _lowest(b, path))
        assert lowest == pytest.approx(0.0, abs=0.03), seed
        eyes = pts[f"{HEAD_PATH}/eye_l"][1]
        # eyes sit about 0.93 of the standing height up; shoulders about 0.82
        assert eyes / lk.height == pytest.approx(0.935, abs=0.03)
        shoulder = pts["body/hips/torso/shoulder_l"][1]
        assert shoulder / lk.height == pytest.approx(0.82, abs=0.03)


def _lowest(built: object, path: str) -> float:
    mats: dict[str, np.ndarray] = {}
    for p_, part, parent in walk(built.root):  # type: ignore[attr-defined]
        mats[p_] = part.transform if parent is None else mats[parent] @ part.transform
        if p_ == path:
            pos = part.mesh.positions
            return float((mats[p_][:3, :3] @ pos.T + mats[p_][:3, 3:4])[1].min())
    raise KeyError(path)


def test_the_face_has_a_nose_brow_ridge_and_chin_and_the_jaw_fits_it() -> None:
    head, jaw, jaw_at, lips_z = face()
    p = head.positions

    def front(x: float, y: float) -> float:
        near = np.hypot(p[:, 0] - x, p[:, 1] - y) < 0.012
        return float(p[near, 2].max())

    nose = front(0.0, 0.092)
    cheek = front(0.04, 0.092)
    assert nose - cheek > 0.02  # the nose stands out of the face
    assert front(0.0, 0.158) > front(0.0, 0.185) + 0.003  # a brow ridge over the eyes
    eye_socket = front(EYE_IN_HEAD[0], EYE_IN_HEAD[1])
    assert eye_socket < EYE_IN_HEAD[2]  # the eyeballs sit in their sockets, in front
    # the jaw is cut from the same surface: its upper edge meets the head exactly
    jaw_world = jaw.positions + jaw_at[:3, 3]
    shared = (np.abs(jaw_world[:, None, :] - p[None, :, :]).max(axis=2) < 1e-6).any(axis=1)
    assert shared.sum() >= 10
    whole = np.concatenate([p, jaw_world])
    near = np.hypot(whole[:, 0], whole[:, 1] - Y_MOUTH) < 0.012
    assert lips_z == pytest.approx(whole[near, 2].max())
    cheek_by_mouth = whole[np.hypot(whole[:, 0] - 0.04, whole[:, 1] - Y_MOUTH) < 0.012, 2].max()
    assert lips_z > cheek_by_mouth + 0.01  # the lips stand out of the face


def test_an_attitude_shows_in_posture_arms_and_face() -> None:
    """Hostile people lean back with arms crossed, brows drawn down and eyes narrowed;
    interested people lean in with their hands in their laps and a friendly face
    (measured from the rig's pose, averaged over ten seconds)."""
    ctx = PoseContext(identity(), (0.0, 1.6, 3.0), {})
    measured = {}
    for att in ("interested", "hostile"):
        b = build("audience", {"size": 6, "rows": 1, "attitude": att, "seed": 3})
        (anim,) = b.animators
        j = len(JOINTS)
        lean, lids, corners, wrist_x = [], [], [], []
        for t in np.arange(0.0, 10.0, 0.5):
            pose = anim.pose(float(t), ctx).reshape(-1, j, 4, 4)
            torso = pose[:, TORSO]
            lean.append(np.arctan2(torso[:, 2, 1], torso[:, 1, 1]))
            lids.append(np.arctan2(pose[:, LID_L, 2, 1], pose[:, LID_L, 1, 1]))
            corners.append(np.arctan2(pose[:, MOUTH_L, 1, 0], pose[:, MOUTH_L, 0, 0]))
        at = dict(walk_parts(b))
        for name, m in at.items():
            if name.endswith("elbow_l/hand"):  # the left hand, in its owner's frame
                owner = at[name.split("/hips/")[0]]
                wrist_x.append((np.linalg.inv(owner) @ m)[0, 3])
        measured[att] = (np.mean(lean), np.mean(lids), np.mean(corners), np.mean(wrist_x))
    (li, lid_i, mouth_i, hands_i), (lh, lid_h, mouth_h, hands_h) = (
        measured["interested"],
        measured["hostile"],
    )
    assert np.degrees(li - lh) > 15  # leaning in versus leaning back
    assert np.degrees(lid_h - lid_i) > 10  # a glare: the lids come down
    assert np.degrees(mouth_i - mouth_h) > 30  # a smile versus a frown
    assert hands_i > 0.06  # the left hand rests on the left thigh
    assert hands_h < 0.0  # ... and crosses over to the right in front of the chest


def walk_parts(built: object) -> list[tuple[str, np.ndarray]]:
    """(path, transform in the object) of every part, at rest."""
    mats: dict[str, np.ndarray] = {}
    out = []
    for path, p, parent in walk(built.root):  # type: ignore[attr-defined]
        mats[path] = p.transform if parent is None else mats[parent] @ p.transform
        out.append((path, mats[path]))
    return out


def test_a_crowd_of_sixty_shares_a_handful_of_meshes() -> None:
    b = build("audience", {"size": 60, "rows": 4, "attitude": "negative", "seed": 5})
    keys = {p.mesh.key for _, p, _ in walk(b.root) if p.mesh is not None}
    avatar_keys = {m.key for m in meshes().values()}
    assert len(keys & avatar_keys) <= 20


def test_an_unknown_appearance_is_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "id: t.p\ntitle: P\nfamily: social\nlevels: [{name: a}]\npartners:\n"
        "  - id: anna\n    name: Anna\n    avatar: {seed: 2, sex: female, hair: mohawk}\n",
        encoding="utf-8",
    )
    with pytest.raises(AuthoringError) as info:
        load_scenario(path)
    (problem,) = [str(p) for p in info.value.problems]
    assert problem.startswith(f"{path}:8:")
    assert "'mohawk' is not one of any, short, long, bun, bald" in problem
