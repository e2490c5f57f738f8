"""``--library DIR``: the clinic library folders every command that loads scenarios
or hierarchies searches, besides the stock files, ``$VRTHERAPY_LIBRARY`` and the
user data folder's ``library/``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from vrtherapy.authoring import AuthoringError, Library, Problem, load_library
from vrtherapy.authoring.library import LIBRARY_ENV, AssetCheck, LibraryFolderError, library_folders
from vrtherapy.authoring.stock import (
    dialogues_dir,
    hierarchies_dir,
    questionnaires_dir,
    scenes_dir,
)
from vrtherapy.session.store.open import data_dir

F = TypeVar("F", bound=Callable[..., Any])

LIBRARY_HELP = (
    "A clinic library folder (scenarios and hierarchies in *.yaml files, models in its "
    "assets/ folder), searched besides the stock files. Repeatable. Also searched: "
    f"${LIBRARY_ENV} (folders separated by '{':' if sys.platform != 'win32' else ';'}') "
    "and the user data folder's library/."
)


def library_option(f: F) -> F:
    """Add ``--library DIR`` (repeatable) to a command, as ``libraries``."""
    return click.option(
        "--library",
        "libraries",
        multiple=True,
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        metavar="DIR",
        help=LIBRARY_HELP,
    )(f)


def user_library() -> Path:
    """The user data folder's ``library/``: always searched when it exists."""
    return data_dir() / "library"


def clinic_folders(libraries: Sequence[Path]) -> list[Path]:
    try:
        return library_folders(libraries, user_library=user_library())
    except LibraryFolderError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


def open_library(
    libraries: Sequence[Path],
    paths: Sequence[Path] = (),
    *,
    check_asset: AssetCheck | None = None,
) -> Library:
    """Stock files plus the clinic folders (or, with ``paths``, those files checked
    against them); every problem printed as file:line:col and exit 1 on any."""
    folders = clinic_folders(libraries)
    try:
        if paths:
            lib = load_library(
                list(paths),
                context=[
                    scenes_dir(),
                    hierarchies_dir(),
                    dialogues_dir(),
                    questionnaires_dir(),
                    *folders,
                ],
                libraries=folders,
                check_asset=check_asset,
            )
        else:
            lib = load_library(libraries=folders, check_asset=check_asset)
    except AuthoringError as exc:
        click.echo(exc.report(), err=True)
        _echo_warnings(exc.warnings)
        sys.exit(1)
    _echo_warnings(lib.warnings)
    return lib


def _echo_warnings(warnings: Sequence[Problem]) -> None:
    for w in sorted(warnings):
        click.echo(str(w), err=True)  # file:line:col: warning: ...
