"""``snapshot`` and ``bench``: render scenes headless (EGL, no display or headset).

GL, numpy and the world are imported only inside the commands: PyOpenGL must be
told to use EGL before it is first imported, and other commands (``--help``,
``validate``) should not pay for loading them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from vrtherapy.cli.library_option import library_option, user_library
from vrtherapy.cli.render_scenes import (
    RenderCommandError,
    build,
    library_scenario,
    reference_scenes,
    scenario_values,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from vrtherapy.authoring import ScenarioSpec
    from vrtherapy.display.headless import HeadlessDisplay
    from vrtherapy.world.types import ShadowQuality


CONTACT_TILE = (320, 240)  # a contact sheet's tile unless --size is given


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


# world.types.SHADOW_QUALITIES, spelled out so that --help does not import the world
# (a test keeps the two equal)
SHADOW_CHOICES = ("off", "low", "medium", "high")
shadows_option = click.option(
    "--shadows",
    type=click.Choice(SHADOW_CHOICES),
    default="medium",
    show_default=True,
    help="Quality of the sun's shadows (the shadow map's size and filtering); 'off' skips "
    "the shadow pass. Scenes without a sun (indoors, overcast) have none anyway.",
)


def _parse_size(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in value.lower().split("x"))
    except ValueError:
        raise click.BadParameter(f"'{value}' is not WIDTHxHEIGHT, e.g. 640x480") from None
    if not (16 <= w <= 8192 and 16 <= h <= 8192):
        raise click.BadParameter(f"{w}x{h} is outside 16..8192 pixels")
    return w, h


def _use_egl() -> None:
    """Both commands render through EGL; tell PyOpenGL before anything imports it."""
    os.environ.setdefault("PYOPENGL_PLATFORM", "egl")


def _open_display(size: tuple[int, int], **kw: object) -> HeadlessDisplay:
    from vrtherapy.display.base import DisplayUnavailable
    from vrtherapy.display.headless import HeadlessDisplay

    display = HeadlessDisplay(size, **kw)  # type: ignore[arg-type]
    try:
        display.open()
    except DisplayUnavailable as exc:
        _fail(f"cannot render headless: {exc}")
    return display


@click.command("snapshot")
@click.argument("scenario_id", metavar="SCENARIO", required=False)
@click.option(
    "--contact-sheet",
    "family",
    metavar="FAMILY",
    help="Instead of one SCENARIO: every level of every stock scenario of FAMILY (e.g. "
    "heights, enclosed) in one labelled PNG, one row per scenario, --size per tile "
    "(default: 320x240 a tile; default --out: contact-sheet-FAMILY.png).",
)
@click.option("--level", help="Level name (default: the first level).")
@click.option("--intensity", type=click.FloatRange(0, 100), help="Intensity 0–100 instead.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="PNG to write.")
@click.option(
    "--sound",
    type=click.Path(dir_okay=False, path_type=Path),
    help="WAV to write: what the client hears (stereo, 48 kHz, through the audio engine's "
    "loopback device, no sound card needed).",
)
@click.option(
    "--seconds",
    type=click.FloatRange(0.1, 600),
    default=5.0,
    show_default=True,
    help="Length of --sound.",
)
@click.option(
    "--eye",
    type=click.Choice(["left", "right", "both"]),
    default="left",
    show_default=True,
    help="'both' writes the two eyes side by side.",
)
@click.option(
    "--size", default="640x480", show_default=True, callback=_parse_size, help="Per eye, WxH."
)
@click.option(
    "--pitch",
    type=float,
    help="Head pitch, degrees (<0: down); default 0, or for a contact sheet the family's "
    "own (heights: -55, looking down over the edge).",
)
@click.option("--yaw", default=0.0, show_default=True, help="Head yaw, degrees (>0: left).")
@click.option("--time", "at_time", default=0.0, show_default=True, help="Scene time, seconds.")
@click.option("--suds", type=float, help="Show the SUDS slider (0–100) at this value.")
@click.option("--subtitle", help="Show this subtitle.")
@click.option("--samples", default=4, show_default=True, help="MSAA samples (0: off).")
@shadows_option
@library_option
def snapshot_command(
    scenario_id: str | None,
    family: str | None,
    level: str | None,
    intensity: float | None,
    out: Path | None,
    sound: Path | None,
    seconds: float,
    eye: str,
    size: tuple[int, int],
    pitch: float | None,
    yaw: float,
    at_time: float,
    suds: float | None,
    subtitle: str | None,
    samples: int,
    shadows: ShadowQuality,
    libraries: tuple[Path, ...],
) -> None:
    """Render one frame of a SCENARIO (stock or from a library folder), as the client
    would see it, to a PNG (--out), and/or what the client hears over --seconds to a
    WAV (--sound). A model that cannot be shown is a magenta placeholder box, and the
    reason is printed.

    With --contact-sheet FAMILY: every level of the family's stock scenarios in one PNG."""
    _use_egl()
    if family is not None:
        if scenario_id is not None or level is not None or intensity is not None:
            _fail("--contact-sheet renders every level of a family: give no SCENARIO or level")
        source = click.get_current_context().get_parameter_source("size")
        tile = size if source is not click.core.ParameterSource.DEFAULT else CONTACT_TILE
        _contact_sheet(family, out, tile, samples, pitch, at_time, shadows)
        return
    if scenario_id is None:
        _fail("give a SCENARIO, or --contact-sheet FAMILY")
    pitch = 0.0 if pitch is None else pitch
    if level is not None and intensity is not None:
        _fail("give either --level or --intensity, not both")
    if out is None and sound is None:
        _fail("give --out FILE.png, --sound FILE.wav, or both")
    try:
        found = library_scenario(scenario_id, libraries, user_library())
        spec = found.spec
        values, label = scenario_values(spec, level, intensity)
        world = build(spec, values, asset_dirs=found.asset_dirs)
        for problem in getattr(world, "problems", ()):
            click.echo(f"scene problem: {problem}", err=True)
        world.advance(at_time)
        draw_list = world.draw_list()
    except RenderCommandError as exc:
        _fail(str(exc))
    if sound is not None:
        _write_sound(sound, spec, values, world, seconds, yaw, pitch)
        click.echo(
            f"wrote {sound} ({spec.id}, {label}, {seconds:g} s, yaw {yaw:g}, pitch {pitch:g})"
        )
    if out is None:
        return
    try:
        from vrtherapy.render import Overlay, Renderer, SudsPanel

        overlay = Overlay(
            suds=SudsPanel(value=suds) if suds is not None else None, subtitle=subtitle
        )
    except ValueError as exc:
        _fail(str(exc))
    from vrtherapy.display.headless import HeadPose

    display = _open_display(
        size,
        samples=samples,
        head=HeadPose(eye_height=draw_list.eye_height, yaw_degrees=yaw, pitch_degrees=pitch),
    )
    try:
        renderer = Renderer(shadow_quality=shadows)
        display.frame(lambda views, t: renderer.render(views, draw_list, overlay, 0.0, at_time))
        eyes = {"left": [0], "right": [1], "both": [0, 1]}[eye]
        images = [display.read_pixels(i) for i in eyes]
        renderer.release()
    finally:
        display.close()
    _write_png(out, images)
    click.echo(f"wrote {out} ({spec.id}, {label}, {eye} eye{'s' if eye == 'both' else ''})")


def _contact_sheet(
    family: str,
    out: Path | None,
    size: tuple[int, int],
    samples: int,
    pitch: float | None,
    at_time: float,
    shadows: ShadowQuality,
) -> None:
    from vrtherapy.cli.contact_sheet import family_scenarios, render_family, sheet
    from vrtherapy.cli.render_scenes import stock_library

    out = out or Path(f"contact-sheet-{family}.png")
    try:
        specs = family_scenarios(family, list(stock_library().scenarios.values()))
        display = _open_display(size, samples=samples, eyes=1)
        try:
            rows = render_family(display, specs, pitch, at_time, shadows)
        finally:
            display.close()
    except RenderCommandError as exc:
        _fail(str(exc))
    levels = sum(len(r) for r in rows)
    _write_png(out, [sheet(rows, f"{family}: {len(rows)} scenarios, {levels} levels")])
    click.echo(f"wrote {out} ({family}: {len(rows)} scenarios, {levels} levels)")


def _write_sound(
    path: Path,
    spec: ScenarioSpec,
    values: dict[str, object],
    world: object,
    seconds: float,
    yaw: float,
    pitch: float,
) -> None:
    import soundfile

    from vrtherapy.app.audio_wiring import render_scenario
    from vrtherapy.audio import OpenALError
    from vrtherapy.authoring import load_library

    try:
        samples = render_scenario(
            spec,
            values,
            seconds,
            yaw,
            pitch,
            library=load_library(),
            world=world,
        )
    except OpenALError as exc:
        _fail(f"cannot render sound: {exc}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        soundfile.write(str(path), samples, 48_000, subtype="PCM_16")
    except (OSError, RuntimeError) as exc:
        _fail(f"cannot write {path}: {exc}")


def _write_png(out: Path, images: Sequence[npt.NDArray[np.uint8]]) -> None:
    import numpy as np
    from PIL import Image

    picture = np.hstack(list(images))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(picture).save(out, format="PNG")
    except OSError as exc:
        _fail(f"cannot write {out}: {exc.strerror or exc}")


@click.command("bench")
@click.option("--frames", default=60, show_default=True, help="Stereo frames per path and scene.")
@click.option(
    "--size", default="320x240", show_default=True, callback=_parse_size, help="Per eye, WxH."
)
@click.option(
    "--console",
    "console_bench",
    is_flag=True,
    help="Instead: measure command-to-frame latency through the console, the frame-time "
    "cost of serving the mirror, and (with Chromium) mirror images/s in a browser and "
    "Blackout -> black mirror latency.",
)
@click.option(
    "--transitions",
    is_flag=True,
    help="Instead: run a session through level and scenario changes and the calm scene, and "
    "report the worst frame during a change against the median frame time.",
)
@click.option(
    "--audio",
    "audio_bench",
    is_flag=True,
    help="Instead: the audio engine's CPU share and buffer underruns over a 2-minute scene "
    "with 16 positional sources, and the head-turn to sound-field latency (through "
    "OpenAL's loopback device, faster than real time; no sound card needed).",
)
@click.option(
    "--tracking",
    is_flag=True,
    help="Instead: the bytes a 60-minute session's tracked poses take (head, hand and "
    "stimulus, chunked and compressed) and the render thread's cost of sampling them per "
    "frame (no GL needed).",
)
@shadows_option
def bench_command(
    frames: int,
    size: tuple[int, int],
    console_bench: bool,
    transitions: bool,
    audio_bench: bool,
    tracking: bool,
    shadows: ShadowQuality,
) -> None:
    """Render reference scenes headless; compare instanced and naive drawing.

    With --console: a session with the console on loopback and a WebSocket
    client, each frame drawn to its last pixel (glFinish) so frame times
    include rasterisation; reports command-to-frame latency (in ms, and which
    frame finished after the command first showed it: the 2nd at most is the
    target), the mirror's cost per frame and, with Chromium installed, a real
    console page's mirror images per second and the Blackout -> black mirror latency (median, p95).

    With --transitions: a session steps through levels of heights.balcony and
    audiences of 15 and 60, with the calm scene and back, rendered headless at
    90 Hz as in `vrtherapy run`; prints each change and the worst frame during
    changes as a multiple of the median frame time (the aim: at most x1.5).

    With --tracking: 60 minutes of a synthetic client's head, hand and stimulus at
    20 Hz (with sensor-like noise) are chunked and compressed as a session stores them;
    prints their bytes (the aim: under 5 MB) and how much a SQLite store grows. Then
    the render loop's sampling step runs for a minute of frames at 90 Hz against a
    built spiders.kitchen world, handing moments to a store on another thread; prints
    its cost per frame (the aim: median under 0.2 ms) and over the frames that took a
    moment (median, p99).

    With --audio: the sound engine mixes a 2-minute scene (16 positional sources,
    2 beds, a streamed file, cues) in 1024-frame periods as a sound card would ask
    for them, faster than real time; a period that took longer than it lasts counts
    as an underrun. Also measures how soon a head turn is heard, in the output.

    Scenes: a public-speaking audience of 15 and of 60, the tallest level of
    heights.balcony, the heaviest level of heights.atrium, heights.glass_elevator,
    heights.bridges, enclosed.elevator, spiders.kitchen, flying.gate, flying.cabin,
    the meeting room and lecture hall, and the six everyday places (café, pub, waiting
    room, bus, shop queue, street), and the calm room. For each, the instanced path and a
    naive path (one draw call per object) run in the same process, and the
    table shows draw calls, GL calls and triangles per stereo frame, CPU time
    in the renderer per stereo frame (median, p99) and the whole frame
    including rasterisation (glFinish; on llvmpipe this runs on the CPU), and
    the sun's shadow pass's share: its GL calls (counted in the GL calls too;
    0 where the scene has no sun) and its CPU time (median ms). --shadows sets
    the shadow quality.

    Then the frame budget: for each scene, and for audiences of 15 and 60 animated
    from partner behaviour with one partner talking (lip sync) and the client's head
    moving, the CPU time per stereo frame of each stage outside the GL driver
    (animation, draw list, batching and uploads, submission) and their sum, medians;
    the two live audiences are measured side by side (frames in turn) and compared:
    each stage's growth from 15 to 60 people, the sum against 3 ms, draw and GL calls.
    Then the two live audiences once more with the draw calls counted but not passed
    to GL: the same stages where a GPU, not the CPU, draws (on Mesa's llvmpipe the
    drawing runs on the CPUs and slows the Python stages around it).
    """
    if tracking:
        from vrtherapy.app.tracking_bench import run_tracking_bench
        from vrtherapy.session.tracking import CHUNK_S, SAMPLE_HZ

        click.echo(
            f"vrtherapy bench --tracking: moments at {SAMPLE_HZ:g} Hz of session time, "
            f"{CHUNK_S:g} s chunks, compressed"
        )
        click.echo(run_tracking_bench().report())
        return
    if audio_bench:
        from vrtherapy.app.audio_bench import run_audio_bench
        from vrtherapy.audio import OpenALError

        click.echo("vrtherapy bench --audio: OpenAL Soft, loopback device, 48 kHz stereo")
        try:
            click.echo(run_audio_bench().report())
        except OpenALError as exc:
            _fail(str(exc))
        return
    _use_egl()
    if frames < 1:
        _fail("--frames must be at least 1")
    if transitions:
        _transitions_bench(frames, size)
        return
    if console_bench:
        from vrtherapy.app.console_bench import run_console_bench

        click.echo(
            f"vrtherapy bench --console: heights session, console on loopback, {size[0]}x{size[1]} "
            "per eye, headless at 90 Hz"
        )
        click.echo(run_console_bench(frames=max(frames, 120), size=size).report())
        return
    try:
        worlds = [(scene.name, scene.make()) for scene in reference_scenes()]
    except RenderCommandError as exc:
        _fail(str(exc))
    display = _open_display(size)
    try:
        from vrtherapy.cli.bench import (
            format_budget,
            format_growth,
            format_table,
            measure_paths,
            measure_scene,
        )
        from vrtherapy.cli.live_scene import live_audience
        from vrtherapy.display.egl import current_renderer_name
        from vrtherapy.display.headless import HeadPose
        from vrtherapy.render import Renderer

        renderer = Renderer(shadow_quality=shadows)
        results = []
        for name, world in worlds:
            display.head = HeadPose(eye_height=world.draw_list().eye_height)
            results.append(measure_scene(name, display, renderer, world, frames))
        gpu = current_renderer_name()
        renderer.release()
        # the frame budget with people in it: audiences of 15 and 60 animated from partner
        # behaviour, one partner talking, the client's head moving; side by side
        live = [(f"audience of {n}, live", live_audience(n)) for n in (15, 60)]
        display.head = HeadPose(eye_height=live[0][1].draw_list().eye_height)
        pair = [(Renderer(shadow_quality=shadows), scene) for _, scene in live]
        paths = measure_paths(display, pair, max(frames, 3 * frames))
        # the same with the draws counted but not rasterised: the Python side as it runs
        # where a GPU draws (llvmpipe's drawing evicts the CPU caches the stages run from)
        unrasterised = measure_paths(display, pair, max(frames, 3 * frames), rasterise=False)
        for r, _ in pair:
            r.release()
    finally:
        display.close()
    w, h = size
    click.echo(f"vrtherapy bench: {frames} stereo frames per path, {w}x{h} per eye, {gpu}")
    click.echo(format_table(results))
    click.echo("")
    click.echo(
        "Frame budget: CPU ms per stereo frame outside the GL driver, median "
        "(this thread's CPU time; instanced path)"
    )
    budget = [(r.name, r.instanced) for r in results]
    live_results = [(name, p) for (name, _), p in zip(live, paths, strict=True)]
    click.echo(format_budget([*budget, *live_results]))
    click.echo(format_growth(live_results[0], live_results[1]))
    click.echo("")
    click.echo(
        "The live audiences again with the draw calls counted but not rasterised (the "
        "Python side where a GPU draws; on llvmpipe the drawing shares the CPUs' caches):"
    )
    dry = [(f"{name}, not rasterised", p) for (name, _), p in zip(live, unrasterised, strict=True)]
    click.echo(format_budget(dry))
    click.echo(format_growth(dry[0], dry[1]))


def _transitions_bench(frames: int, size: tuple[int, int]) -> None:
    from vrtherapy.app.transitions_bench import bench_hierarchy, run_transitions_bench
    from vrtherapy.authoring import AuthoringError, load_library
    from vrtherapy.cli.render_scenes import audience_scenario, tallest_level

    try:
        library = load_library()
    except AuthoringError as exc:
        _fail(exc.report())
    for n in (15, 60):
        spec = audience_scenario(n)
        library.scenarios[spec.id] = spec
    balcony = library.scenario("heights.balcony")
    hierarchy = bench_hierarchy(
        [
            ("heights.balcony", balcony.levels[0].name),
            ("heights.balcony", balcony.levels[1].name),
            ("bench.audience_15", None),
            ("heights.balcony", tallest_level(balcony)),
            ("bench.audience_60", None),
            ("heights.balcony", balcony.levels[2].name),
        ]
    )
    try:
        result = run_transitions_bench(
            library, hierarchy, size=size, steady_frames=max(frames, 30), echo=click.echo
        )
    except RuntimeError as exc:
        _fail(str(exc))
    click.echo(result.report())
