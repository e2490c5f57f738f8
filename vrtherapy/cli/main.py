"""Entry point: ``vrtherapy COMMAND``. Each command lives in its own module."""

from __future__ import annotations

import logging
import sys

import click

from vrtherapy import __version__
from vrtherapy.cli.authoring_commands import list_command, schema_command, validate_command
from vrtherapy.cli.devices_command import devices_command
from vrtherapy.cli.render_commands import bench_command, snapshot_command
from vrtherapy.cli.replay_command import replay_command
from vrtherapy.cli.report_commands import export_command, report_command
from vrtherapy.cli.run_command import run_command
from vrtherapy.cli.session_commands import (
    demo_command,
    resume_command,
    sessions_command,
    show_command,
    verify_command,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vrtherapy")
@click.option("-v", "--verbose", is_flag=True, help="Log more detail to standard error.")
def cli(verbose: bool) -> None:
    """vrtherapy: virtual-reality exposure therapy and social-skills training.

    Scene authors write scenarios (scenes/*.yaml) and hierarchies
    (hierarchies/*.yaml); `validate` checks them, `list` shows them, and
    `demo` runs a complete session with a synthetic client; `sessions`, `show`
    and `verify` list, print and integrity-check stored session records;
    `report` writes session and progress reports and `export` writes tidy CSV,
    JSON or FHIR; `replay` draws again what the client saw at any moment;
    `devices` lists the sound outputs `run --audio-device` can use;
    `resume` brings back a session whose engine was interrupted.
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


cli.add_command(validate_command)
cli.add_command(schema_command)
cli.add_command(list_command)
cli.add_command(demo_command)
cli.add_command(sessions_command)
cli.add_command(show_command)
cli.add_command(verify_command)
cli.add_command(report_command)
cli.add_command(export_command)
cli.add_command(replay_command)
cli.add_command(snapshot_command)
cli.add_command(bench_command)
cli.add_command(run_command)
cli.add_command(resume_command)
cli.add_command(devices_command)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
