"""``devices``: the sound outputs a session can use (``run --audio-device NAME``)."""

from __future__ import annotations

import click


@click.command("devices")
def devices_command() -> None:
    """List the sound output devices by name; the default is marked with '*'.

    Pass a name to `vrtherapy run --audio-device NAME`. SteamVR and Meta Quest Link
    route the headset's audio to the system's default output.
    """
    from vrtherapy.audio import OpenALError, output_devices
    from vrtherapy.audio.openal import library

    try:
        library()
    except OpenALError as exc:
        click.echo(f"sound outputs: none ({exc})")
        return
    names, default = output_devices()
    if not names:
        click.echo("sound outputs: none found (a session runs silently)")
        return
    click.echo("sound outputs:")
    for name in names:
        click.echo(f"{'*' if name == default else ' '} {name}")
