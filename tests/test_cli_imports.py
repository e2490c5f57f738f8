"""`vrtherapy --help` and `vrtherapy validate` stay fast: commands that do not render
never import the world, GL, the console server or their heavy libraries.

Checked by what a fresh interpreter has imported after running the command, not by
timing it (timing depends on the machine; an import is either there or not).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "numpy",
    "scipy",
    "trimesh",
    "PIL",
    "OpenGL",
    "glfw",
    "xr",
    "starlette",
    "uvicorn",
    "vrtherapy.world",
    "vrtherapy.render",
    "vrtherapy.display",
    "vrtherapy.console",
    "vrtherapy.app",
)

PROBE = """
import json, sys
from vrtherapy.cli.main import main
sys.argv = ["vrtherapy", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit as exit:
    code = exit.code
else:
    code = 0
print(json.dumps({"code": code, "loaded": sorted(m for m in sys.modules)}), file=sys.stderr)
"""


def loaded_after(*args: str) -> tuple[object, set[str]]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(args))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    return report["code"], set(report["loaded"])


@pytest.mark.parametrize("args", [["--help"], ["validate"], ["list"]], ids=" ".join)
def test_non_rendering_commands_do_not_import_heavy_modules(args: list[str]) -> None:
    code, loaded = loaded_after(*args)
    assert code == 0
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY or m.startswith(HEAVY))
    assert heavy == [], f"`vrtherapy {' '.join(args)}` imported {heavy[:10]}"
