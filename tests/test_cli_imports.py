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
    "fhir",
    "matplotlib",
    "jinja2",
    "weasyprint",
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


def test_help_does_not_read_the_questionnaire_files() -> None:
    """Importing the authoring package used to parse every questionnaire YAML (for the SSQ's
    item names): a second of `vrtherapy --help` on a busy machine. They are read when the
    SSQ's items are first asked for."""
    probe = (
        "import sys\n"
        "from vrtherapy.cli.main import main\n"
        "sys.argv = ['vrtherapy', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "import vrtherapy.authoring.questionnaires as q\n"
        "before = q._load.cache_info().currsize\n"
        "items = q.SSQ_ITEMS\n"
        "print(before, q._load.cache_info().currsize, len(items), file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.stderr.strip().splitlines()[-1] == "0 1 16"


@pytest.mark.parametrize("args", [["--help"], ["validate"], ["list"]], ids=" ".join)
def test_non_rendering_commands_do_not_import_heavy_modules(args: list[str]) -> None:
    code, loaded = loaded_after(*args)
    assert code == 0
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY or m.startswith(HEAVY))
    assert heavy == [], f"`vrtherapy {' '.join(args)}` imported {heavy[:10]}"
