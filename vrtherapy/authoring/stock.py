"""Where the stock scenes, hierarchies, dialogues, questionnaires, assets and schemas live.

In a source checkout they are top-level folders beside the package; in an
installed wheel they are copied into ``vrtherapy/_stock``. Clinics add their
own files in library folders beside these (see ``authoring/library.py``); the
stock files themselves are never replaced wholesale.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def stock_root() -> Path:
    """The folder holding ``scenes/``, ``hierarchies/``, ``assets/`` and ``schemas/``."""
    installed = _PACKAGE / "_stock"
    if installed.is_dir():
        return installed
    return _PACKAGE.parent


def scenes_dir() -> Path:
    return stock_root() / "scenes"


def hierarchies_dir() -> Path:
    return stock_root() / "hierarchies"


def dialogues_dir() -> Path:
    """The stock dialogues the stock scenarios' partners speak (``dialogues/*.yaml``)."""
    return stock_root() / "dialogues"


def questionnaires_dir() -> Path:
    return stock_root() / "questionnaires"


def assets_dir() -> Path:
    return stock_root() / "assets"


def schemas_dir() -> Path:
    return stock_root() / "schemas"
