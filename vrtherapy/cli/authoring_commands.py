"""``validate``, ``schema`` and ``list``: the scene author's commands."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from vrtherapy.authoring.character import CharacterSpec
from vrtherapy.authoring.intensity import level_anchors, level_intensity
from vrtherapy.authoring.library import AssetCheck
from vrtherapy.authoring.schema import write_schemas
from vrtherapy.authoring.stock import schemas_dir
from vrtherapy.cli.library_option import library_option, open_library


def asset_checker() -> AssetCheck:
    """The world's own asset loader, imported only when a scenario names an asset."""

    def check(path: Path, character: CharacterSpec | None = None) -> tuple[list[str], list[str]]:
        from vrtherapy.world.assets import check_asset

        return check_asset(path, character)

    return check


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@library_option
def validate_command(paths: tuple[Path, ...], libraries: tuple[Path, ...]) -> None:
    """Check scenario, hierarchy, dialogue and questionnaire files; print every problem as
    file:line:column.

    PATHS are files or folders (searched for *.yaml). Default: the stock scenes/,
    hierarchies/, dialogues/ and questionnaires/ folders and every clinic library folder.
    Given PATHS are checked against the stock files and the library folders (a
    clinic file may reuse a stock id only with 'overrides: true'). Every asset a
    scenario names is opened as it will be at run time: next to the scenario
    first, then the library folder's assets/, then the stock assets/. Exits 1 if
    any problem is found; warnings (allowed, but probably not meant, e.g. a
    model's animations, which are not played) are printed and do not fail.
    """
    missing = [p for p in paths if not p.exists()]
    if missing:
        for p in missing:
            click.echo(f"{p}: no such file or folder", err=True)
        sys.exit(2)
    lib = open_library(libraries, paths, check_asset=asset_checker())
    n = len(lib.warnings)
    warned = f", {n} warning{'s' if n != 1 else ''}" if n else ""
    click.echo(
        f"ok: {len(lib.scenarios)} scenario(s), {len(lib.hierarchies)} hierarchy(ies), "
        f"{len(lib.dialogues)} dialogue(s), {len(lib.questionnaires)} questionnaire(s), "
        f"no problems{warned}"
    )


@click.command("schema")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write the schemas to (default: the project's schemas/ folder).",
)
def schema_command(out: Path | None) -> None:
    """Write JSON Schemas for the scenario, hierarchy, dialogue and questionnaire formats.

    Editors with YAML language support validate and autocomplete files that
    start with a line such as
    '# yaml-language-server: $schema=../schemas/scenario.schema.json'.
    """
    folder = out or schemas_dir()
    for path in write_schemas(folder):
        click.echo(f"wrote {path}")


@click.command("list")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@library_option
def list_command(paths: tuple[Path, ...], libraries: tuple[Path, ...]) -> None:
    """List scenarios with their levels and hierarchies with their steps.

    Default: the stock files and every clinic library folder; with PATHS, the
    files there (checked against those).
    """
    lib = open_library(libraries, paths)
    click.echo("Scenarios")
    for sid in sorted(lib.scenarios):
        s = lib.scenarios[sid]
        click.echo(f"  {sid}  ({s.family})  {s.title}")
        for lv, anchor in zip(s.levels, level_anchors(s), strict=True):
            title = f"  {lv.title}" if lv.title else ""
            click.echo(f"      {anchor:5.1f}  {lv.name}{title}")
    click.echo("Hierarchies")
    for hid in sorted(lib.hierarchies):
        h = lib.hierarchies[hid]
        click.echo(
            f"  {hid}  {h.title}  (mode {h.progression.mode}, SUDS 0–{h.suds_scale}, "
            f"prompt every {h.prompts.suds_interval_min:g} min)"
        )
        for i, step in enumerate(h.steps, 1):
            target = f"level {step.level}" if step.level else f"intensity {step.intensity:g}"
            if step.level and step.scenario in lib.scenarios:
                target += f" ({level_intensity(lib.scenarios[step.scenario], step.level):g})"
            click.echo(
                f"      {i:2d}. {step.scenario}  {target}  anticipated SUDS "
                f"{step.anticipated_suds:g}"
            )
