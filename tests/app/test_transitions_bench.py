"""`vrtherapy bench --transitions` runs (the 1.5x figure itself is the benchmark's to
report, not a test's to time): every change comes on screen, and no frame had to upload
a mesh to draw it."""

from __future__ import annotations

from pathlib import Path

from tests.authoring.test_character_model import HEAD
from tests.world.skinned_files import skinned_bar
from vrtherapy.app.transitions_bench import bench_hierarchy, run_transitions_bench
from vrtherapy.authoring import load_library


def test_a_short_run_through_levels_and_the_calm_scene() -> None:
    library = load_library()
    balcony = library.scenario("heights.balcony")
    hierarchy = bench_hierarchy(
        [("heights.balcony", balcony.levels[0].name), ("heights.balcony", balcony.levels[4].name)]
    )
    result = run_transitions_bench(library, hierarchy, steady_frames=5, rounds=1)
    labels = [c.label for c in result.rounds[0]]
    assert labels == [
        "heights.balcony (ground) -> heights.balcony (floor_20)",
        "heights.balcony (floor_20) -> calm.room (calm scene)",
        "calm.room (calm scene) -> heights.balcony (floor_20)",
    ]
    assert result.preloaded > 0 and result.uploads_while_drawing == 0
    report = result.report()
    assert "worst frame during changes: x" in report.splitlines()[-1]
    assert f"x{result.ratio:.2f} of median" in report


def test_a_scene_with_a_character_counts_its_skinned_mesh_on_both_sides(tmp_path: Path) -> None:
    """A partner's skinned mesh, preloaded with its scene, counts as preloaded and never as
    a plain mesh a frame did not upload: a frame's uploads of either kind are what
    'uploaded by a frame that drew them' reports (none here)."""
    folder = tmp_path / "lib"
    (folder / "scenes").mkdir(parents=True)
    skinned_bar(folder / "scenes" / "people" / "sam.glb")
    (folder / "scenes" / "counter.yaml").write_text(COUNTER, encoding="utf-8")
    library = load_library(libraries=[folder])
    balcony = library.scenario("heights.balcony")
    hierarchy = bench_hierarchy(
        [("heights.balcony", balcony.levels[0].name), ("clinic.counter", "only")]
    )
    result = run_transitions_bench(library, hierarchy, steady_frames=3, rounds=1)
    assert result.preloaded > 0
    assert result.uploads_while_drawing == 0


COUNTER = (  # a clinic's counter scene whose clerk is the tests' skinned bar
    HEAD + "    model: people/sam.glb\n    transform: {position: [0, 0, -2]}\n"
)
