"""``devices``: the sound outputs and microphones a session can use
(``run --audio-device NAME``, ``run --microphone NAME``)."""

from __future__ import annotations

import click


@click.command("devices")
def devices_command() -> None:
    """List the sound output devices and microphones by name; the default output is
    marked with '*'.

    Pass a name to `vrtherapy run --audio-device NAME` or `--microphone NAME`. SteamVR
    and Meta Quest Link route the headset's audio to the system's default output and
    its microphone to the default input.
    """
    from vrtherapy.audio import OpenALError, output_devices
    from vrtherapy.audio.openal import library

    try:
        library()
    except OpenALError as exc:
        click.echo(f"sound outputs: none ({exc})")
        return
    from vrtherapy.audio.microphone import capture_devices

    names, default = output_devices()
    if not names:
        click.echo("sound outputs: none found (a session runs silently)")
    else:
        click.echo("sound outputs:")
        for name in names:
            click.echo(f"{'*' if name == default else ' '} {name}")
    inputs = capture_devices()
    if not inputs:
        click.echo("microphones: none found (no voice measures)")
    else:
        click.echo("microphones:")
        for name in inputs:
            click.echo(f"  {name}")
