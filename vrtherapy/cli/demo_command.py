"""``demo``: a complete demonstration session, headless, no headset needed."""

from __future__ import annotations

import sys

import click

from vrtherapy.authoring import AuthoringError, load_library, parameter_values
from vrtherapy.authoring.intensity import level_intensity


@click.command("demo")
@click.option(
    "--hierarchy",
    "hierarchy_id",
    default="heights.standard",
    show_default=True,
    help="Stock hierarchy to walk through.",
)
def demo_command(hierarchy_id: str) -> None:
    """Walk a stock hierarchy step by step and show what each step sets up."""
    try:
        lib = load_library()
    except AuthoringError as exc:
        click.echo(exc.report(), err=True)
        sys.exit(1)
    try:
        h = lib.hierarchy(hierarchy_id)
    except KeyError as exc:
        click.echo(str(exc.args[0]), err=True)
        sys.exit(2)
    click.echo(
        f"Stock library: {len(lib.scenarios)} scenarios, {len(lib.hierarchies)} "
        "hierarchies, all valid."
    )
    click.echo(f"Hierarchy {h.id}: {h.title} ({len(h.steps)} steps)")
    for i, step in enumerate(h.steps, 1):
        sc = lib.scenario(step.scenario)
        intensity = (
            level_intensity(sc, step.level)
            if step.level is not None
            else float(step.intensity or 0)
        )
        values = parameter_values(sc, intensity)
        shown = ", ".join(
            f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items()
        )
        click.echo(
            f"  step {i}: {sc.title} at intensity {intensity:.0f} "
            f"(anticipated SUDS {step.anticipated_suds:g}): {shown}"
        )
