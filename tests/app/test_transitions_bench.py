"""`vrtherapy bench --transitions` runs (the 1.5x figure itself is the benchmark's to
report, not a test's to time): every change comes on screen, and no frame had to upload
a mesh to draw it."""

from __future__ import annotations

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
