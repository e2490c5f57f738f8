"""What to do when a system package a test needs is missing.

Locally the test is skipped with the install command; in CI (CI set) it fails,
because scripts/setup.sh installs everything and a skip there would hide a
broken install step.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def missing(what: str, install: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"{what} must be installed in CI (scripts/setup.sh installs it)")
    pytest.skip(f"{what} is not available here ({install})")
