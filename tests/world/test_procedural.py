from __future__ import annotations

import numpy as np
import pytest

from vrtherapy.authoring.procedural import CATALOGUE
from vrtherapy.world import BUILDERS, build
from vrtherapy.world.model import PoseContext, walk
from vrtherapy.world.transforms import identity
from vrtherapy.world.types import Mesh

KINDS = sorted(CATALOGUE)
SEEDED = [k for k in KINDS if "seed" in CATALOGUE[k]]


def meshes(kind: str, **args: object) -> list[Mesh]:
    built = build(kind, args)  # type: ignore[arg-type]
    return [p.mesh for _, p, _ in walk(built.root) if p.mesh is not None]


def test_every_catalogue_kind_has_a_builder() -> None:
    assert set(BUILDERS) == set(CATALOGUE)


@pytest.mark.parametrize("kind", KINDS)
def test_kind_builds_with_defaults_into_sound_geometry(kind: str) -> None:
    ms = meshes(kind)
    assert ms, f"{kind} drew nothing"
    for m in ms:
        assert len(m.positions) >= 3 and len(m.indices) >= 1
        assert np.isfinite(m.positions).all() and np.isfinite(m.colors).all()
        np.testing.assert_allclose(np.linalg.norm(m.normals, axis=1), 1.0, atol=1e-4)
        assert m.indices.max() < len(m.positions)
        assert m.positions.dtype == np.float32 and m.indices.dtype == np.uint32
        assert ((m.colors >= 0) & (m.colors <= 1)).all()


@pytest.mark.parametrize("kind", SEEDED)
def test_seed_decides_the_look(kind: str) -> None:
    def keys(seed: int) -> list[tuple[str, str]]:
        built = build(kind, {"seed": seed})
        return [
            (
                p.mesh.key if p.mesh else "",
                repr(p.material) + repr(np.round(p.transform, 4).tolist()),
            )
            for _, p, _ in walk(built.root)
        ]

    assert keys(5) == keys(5)
    assert keys(5) != keys(6)


def test_sixty_person_audience_shares_a_few_meshes() -> None:
    built = build("audience", {"size": 60, "rows": 5})
    parts = [p for _, p, _ in walk(built.root) if p.mesh is not None]
    people = [p for p in built.root.children if p.name.startswith("member_")]
    assert len(people) == 60
    distinct = {p.mesh.key for p in parts if p.mesh is not None}
    assert len(parts) > 60 * 15  # every person is many segments ...
    assert len(distinct) <= 25  # ... drawn from one small shared set
    bigger = build("audience", {"size": 120, "rows": 6})
    more = {p.mesh.key for _, p, _ in walk(bigger.root) if p.mesh is not None}
    assert len(more) <= 25


def test_ambient_occlusion_darkens_walls_near_the_floor() -> None:
    m = meshes("box", height=2.0, color="#ffffff")[0]
    side = np.abs(m.normals[:, 1]) < 0.1
    low = side & (m.positions[:, 1] < 0.01)
    high = side & (m.positions[:, 1] > 1.99)
    assert m.colors[low, 0].max() < m.colors[high, 0].min()


def test_rope_bridge_slats_leave_the_gaps_asked_for() -> None:
    def slat_z(gap: float) -> np.ndarray:
        built = build("bridge", {"style": "rope", "slat_gap": gap, "length": 10})
        deck = next(p for p in built.root.children if p.name == "deck")
        return np.array([p.transform[2, 3] for p in deck.children if p.name.startswith("slat_")])

    tight, gappy = slat_z(0.0), slat_z(0.3)
    assert np.diff(tight).mean() == pytest.approx(-0.2, abs=1e-4)
    assert np.diff(gappy).mean() == pytest.approx(-0.5, abs=1e-4)
    assert len(tight) > 2 * len(gappy)
    slats = {
        p.mesh.key
        for p in next(
            c for c in build("bridge", {"style": "rope"}).root.children if c.name == "deck"
        ).children
        if p.name.startswith("slat_") and p.mesh is not None
    }
    assert len(slats) == 1


def test_building_storeys_and_shared_windows() -> None:
    built = build("building", {"floors": 10, "floor_height": 3.0, "atrium": False})
    structure = next(p for p in built.root.children if p.name == "structure")
    assert structure.mesh is not None
    assert structure.mesh.positions[:, 1].max() == pytest.approx(30.5, abs=0.01)
    windows = [p for p in built.root.children if p.name.startswith("window_")]
    assert len(windows) > 40
    assert len({p.mesh.key for p in windows if p.mesh is not None}) == 1
    atrium = build("building", {"floors": 10, "atrium": True})
    assert any(p.name == "galleries" for p in atrium.root.children)


def extent(kind: str, part: str) -> np.ndarray:
    """Size (x, y, z) of the named part's mesh as built with the catalogue defaults."""
    built = build(kind, {})
    mesh = next(p.mesh for _, p, _ in walk(built.root) if p.name == part)
    assert mesh is not None
    return np.ptp(mesh.positions, axis=0)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("kind", "size"), [("room", (4.0, 2.7, 5.0)), ("small_room", (2.0, 2.3, 2.0))]
)
def test_rooms_default_to_a_room_sized_room(kind: str, size: tuple[float, float, float]) -> None:
    w, h, d = size
    assert {a: CATALOGUE[kind][a].default for a in ("width", "height", "depth")} == {
        "width": w,
        "height": h,
        "depth": d,
    }
    # The floor is the room's footprint; the walls stand the room's height tall.
    floor = extent(kind, "floor")
    assert floor[0] == pytest.approx(w + 0.2) and floor[2] == pytest.approx(d + 0.2)
    assert extent(kind, "walls")[1] == pytest.approx(h)


def test_box_keeps_its_unit_size_default() -> None:
    np.testing.assert_allclose(extent("box", "box"), (1.0, 1.0, 1.0), atol=1e-6)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("pose", ["standing", "seated"])
def test_an_avatar_stays_under_3800_triangles_with_its_whole_rig(seed: int, pose: str) -> None:
    """A sculpted face (about 1,100 triangles with the jaw), hair, hands and smooth limbs
    fit in 3,800, so an audience of 60 stays under half a million triangles per stereo
    frame: nothing for a GPU, and still quick on a CPU rasteriser."""
    built = build("avatar", {"seed": seed, "pose": pose})
    parts = {path: p for path, p, _ in walk(built.root)}
    triangles = sum(len(p.mesh.indices) for p in parts.values() if p.mesh is not None)
    assert 1000 < triangles < 3800
    head = "body/hips/torso/neck/head"
    for part in (
        "eye_l",
        "eye_r",
        "lid_l",
        "lid_r",
        "jaw",
        "brow_l",
        "brow_r",
        "mouth_l",
        "mouth_r",
    ):
        assert parts[f"{head}/{part}"].mesh is not None
    for limb in ("shoulder_l/elbow_l/hand", "shoulder_r/elbow_r/hand"):
        assert parts[f"body/hips/torso/{limb}"].mesh is not None
    for limb in ("hip_l/knee_l/foot", "hip_r/knee_r/foot"):
        assert parts[f"body/hips/{limb}"].mesh is not None


def _at_limits(kind: str) -> list[tuple[str, dict[str, object]]]:
    """Every value the catalogue allows at its edges: each number at its min and max
    (alone, and all together), each choice, each boolean flipped."""
    out: list[tuple[str, dict[str, object]]] = []
    low: dict[str, object] = {}
    high: dict[str, object] = {}
    for key, arg in CATALOGUE[kind].items():
        if arg.type in ("number", "int"):
            assert arg.min is not None and arg.max is not None
            cast = int if arg.type == "int" else float
            low[key], high[key] = cast(arg.min), cast(arg.max)
            out += [
                (f"{key}={low[key]}", {key: low[key]}),
                (f"{key}={high[key]}", {key: high[key]}),
            ]
        elif arg.type == "choice":
            out += [(f"{key}={c}", {key: c}) for c in arg.choices]
        elif arg.type == "boolean":
            out.append((f"{key}={not arg.default}", {key: not arg.default}))
    return [*out, ("all at min", low), ("all at max", high)]


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_builds_and_animates_at_every_limit_of_its_catalogue(kind: str) -> None:
    ctx = PoseContext(identity(), (0.0, 1.6, 3.0), {})
    for label, args in _at_limits(kind):
        built = build(kind, args)  # type: ignore[arg-type]
        for _, part, _ in walk(built.root):
            if part.mesh is not None:
                assert np.isfinite(part.mesh.positions).all(), (label, part.name)
        for animator in built.animators:
            for t in (0.0, 2.5, 11.0):
                pose = animator.pose(t, ctx)
                assert pose.shape == (len(animator.paths), 4, 4), label
                assert np.isfinite(pose).all(), label


def test_an_empty_audience_is_an_empty_room_not_a_crash() -> None:
    built = build("audience", {"size": 0})
    assert not [p for p in built.root.children if p.name.startswith("member_")]
    for animator in built.animators:
        assert animator.pose(1.0, PoseContext(identity(), (0.0, 1.6, 3.0), {})).shape[0] == 0


def test_a_one_storey_building_with_an_atrium_has_no_galleries() -> None:
    built = build("building", {"floors": 1, "atrium": True})
    names = {p.name for p in built.root.children}
    assert "structure" in names and "galleries" not in names
