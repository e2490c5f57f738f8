"""``run``: the engine with a display (headset, window or headless) and the console."""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from vrtherapy.authoring import HierarchySpec
from vrtherapy.authoring.hierarchy import HierarchyStep
from vrtherapy.authoring.intensity import level_anchors
from vrtherapy.cli.library_option import library_option, open_library
from vrtherapy.session.clock import Clock, ScaledClock, SystemClock
from vrtherapy.session.service import ServiceError, SessionService
from vrtherapy.session.store import StoreError, open_store
from vrtherapy.session.store.open import data_dir

log = logging.getLogger(__name__)


def _size(_c: click.Context, _p: click.Parameter, value: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in value.lower().split("x"))
        if w < 16 or h < 16:
            raise ValueError
    except ValueError:
        raise click.BadParameter(f"'{value}' is not WIDTHxHEIGHT, e.g. 1280x720") from None
    return w, h


def practice_hierarchy(library_scenario: object, scenario_id: str) -> HierarchySpec:
    """A one-scenario hierarchy with one step per level, for trying a scenario out."""
    from vrtherapy.authoring import ScenarioSpec

    assert isinstance(library_scenario, ScenarioSpec)
    spec = library_scenario
    anchors = level_anchors(spec)
    steps = [
        HierarchyStep(
            scenario=scenario_id,
            level=lv.name,
            anticipated_suds=round(10 + 80 * a / 100),
            title=lv.title,
        )
        for lv, a in zip(spec.levels, anchors, strict=True)
    ]
    return HierarchySpec(
        id=f"practice.{scenario_id.replace('.', '_')}",
        title=f"Practice: {spec.title} (all levels; anticipated SUDS are placeholders)",
        steps=steps,
    )


def _window_mirror(backend: Any) -> Any:
    """A desktop window mirroring the headset's left eye, where there is a screen."""
    from vrtherapy.display.desktop import DesktopMirror, display_available

    if not display_available():
        return None
    try:
        mirror = DesktopMirror(backend.graphics.window, width=960, height=540)
        mirror.open()
    except Exception as exc:  # the headset must run even if the mirror window can't
        log.warning("no desktop mirror of the headset: %s", exc)
        return None
    return mirror


def _end_if_running(service: SessionService, reason: str) -> None:
    """Leaving `run` with a session still going ends it, on the record, with the reason."""
    engine = service.engine
    if engine is not None and engine.state.running:
        from vrtherapy.session.commands import EndSession

        service.handle(EndSession(f"shutdown-{engine.session_id}", "system", reason))
        click.echo(f"session {engine.session_id} ended: {reason}")


def _announce_interrupted(service: SessionService) -> None:
    """Sessions a killed engine left running: say so, and how to resume or close them."""
    for s in service.interrupted():
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(s.last_event_at))
        click.echo(
            f"interrupted session {s.session_id} (client {s.client_code}, step "
            f"{s.step_index + 1}/{s.step_count}, last recorded {when}): resume or close it in "
            f"the console, or run `vrtherapy resume {s.session_id}` [--close]"
        )


def _watch(libraries: tuple[Path, ...], service: SessionService, engine_thread: Any) -> Any:
    """Start watching the stock and clinic folders; results go to the console and here."""
    from vrtherapy.app.watch import LibraryWatcher
    from vrtherapy.authoring import load_library
    from vrtherapy.authoring.stock import assets_dir, dialogues_dir, hierarchies_dir, scenes_dir
    from vrtherapy.cli.authoring_commands import asset_checker
    from vrtherapy.cli.library_option import clinic_folders
    from vrtherapy.session.library_reload import LibraryUpdate

    folders = clinic_folders(libraries)

    def load() -> Any:
        return load_library(libraries=folders, check_asset=asset_checker())

    def deliver(update: LibraryUpdate) -> None:
        files = ", ".join(update.files)
        if update.valid:
            click.echo(f"changed: {files}; valid: 'Reload scene' in the console applies it")
        else:
            click.echo(f"changed: {files}; not reloaded, the current scene stays:", err=True)
            for problem in update.problems:
                click.echo(f"  {problem}", err=True)
        engine_thread.call(lambda: service.reloads.offer(update))

    watcher = LibraryWatcher(
        [scenes_dir(), hierarchies_dir(), dialogues_dir(), assets_dir(), *folders], load, deliver
    )
    watcher.start()
    click.echo("watching: " + ", ".join(str(f) for f in watcher.folders))
    return watcher


def _open_audio(
    device: str | None, service: SessionService, engine_thread: Any, speech: Any
) -> Any:
    """The client's sound (None: silent, after one warning); a wrong device name exits
    (the caller's teardown closes the console and the display)."""
    from vrtherapy.app.audio_wiring import AudioDeviceNotFound, open_session_audio
    from vrtherapy.session.commands import ReportLoadFailure

    def report(message: str) -> None:  # a sound that cannot play: a warning in the console
        cid = f"sound-problem-{time.monotonic_ns()}"
        engine_thread.call(
            lambda: service.handle(ReportLoadFailure(cid, "system", "sound", message))
        )

    try:
        return open_session_audio(
            device,
            lambda: service.library,  # files reloaded with --watch are heard too
            lambda: service.snapshot,
            warn=lambda line: click.echo(f"warning: {line}", err=True),
            report=report,
            voices=lambda: speech.voices,
        )
    except AudioDeviceNotFound as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


def _speech(service: SessionService, engine_thread: Any) -> Any:
    """The partners' voices: lines synthesised on the engine thread's executor, ahead of
    need, published for the sound and the render thread (app/speech_wiring)."""
    from vrtherapy.app.engine_thread import EngineStopped
    from vrtherapy.app.speech_wiring import PartnerSpeech
    from vrtherapy.session.commands import ReportLoadFailure

    def call(fn: Callable[[], None]) -> None:
        with contextlib.suppress(EngineStopped):  # shutting down: the line is not needed
            engine_thread.call(fn)

    def report(message: str) -> None:
        # found on the engine thread, maybe inside a session listener (a line being
        # voiced): recorded after the events under way have reached every listener
        cid = f"speech-problem-{time.monotonic_ns()}"

        def record() -> None:
            service.handle(ReportLoadFailure(cid, "system", "speech", message))

        call(record)

    def state() -> Any:  # the session's state now (engine thread)
        engine = service.engine
        return engine.state if engine is not None else None

    def session_now() -> float:
        engine = service.engine
        return engine.now() if engine is not None else 0.0

    speech = PartnerSpeech(
        lambda: service.library,
        state,
        call,
        report=report,
        handle=service.handle,
        session_now=session_now,
    )
    service.subscribe(speech.on_change)
    return speech


def _open_voice(microphone: str | None, service: SessionService, engine_thread: Any) -> Any:
    """The client's voice measures (None: no microphone, after one warning, or 'none')."""
    if microphone == "none":
        return None
    from vrtherapy.app.voice_wiring import open_client_voice

    return open_client_voice(
        microphone,
        service,
        engine_thread.call,
        data_dir(),
        warn=lambda line: click.echo(f"note: {line}"),  # optional: not a warning
    )


def _interrupt(_signum: int, _frame: object) -> None:
    """SIGTERM ends the run like Ctrl+C: the session is left safely, everything closed."""
    raise KeyboardInterrupt


@click.command("run")
@click.argument("scenario", required=False)
@click.option(
    "--hierarchy",
    "hierarchy_id",
    help="Start a session with this hierarchy (stock or from a library folder).",
)
@library_option
@click.option("--client", "client_code", help="Pseudonymous client code (default: a new client).")
@click.option(
    "--display",
    type=click.Choice(["auto", "openxr", "desktop", "headless"]),
    default="auto",
    show_default=True,
    help="Where the client sees the scene: a headset (OpenXR), a window, or nowhere.",
)
@click.option(
    "--size",
    default="1280x720",
    callback=_size,
    show_default=True,
    help="Window or headless eye size.",
)
@click.option("--stereo", is_flag=True, help="Desktop window: show both eyes side by side.")
@click.option(
    "--listen",
    default="127.0.0.1",
    show_default=True,
    help="Console address. Anything but loopback serves HTTPS with a certificate "
    "made on first use.",
)
@click.option("--port", default=8765, show_default=True, help="Console port.")
@click.option(
    "--trusted-proxy",
    multiple=True,
    metavar="ADDRESS",
    help="A reverse proxy whose X-Forwarded-For header is believed (repeatable). "
    "Without it the header is ignored, so pairing limits count the real address.",
)
@click.option(
    "--synthetic-client",
    is_flag=True,
    help="A simulated client answers the in-headset prompts and the partners' choices "
    "(demos, tests).",
)
@click.option("--seed", default=7, show_default=True, help="Seed of the synthetic client.")
@click.option(
    "--time-scale",
    default=1.0,
    show_default=True,
    help="Session clock speed (demos and tests only; 1 = real time).",
)
@click.option(
    "--watch",
    is_flag=True,
    help="Watch the scenario, hierarchy and model files: after a change they are validated "
    "again; valid changes are offered as 'Reload scene' in the console (the client's view "
    "fades through black), problems are shown as file:line:col and the current scene stays.",
)
@click.option("--frames", type=int, default=None, help="Stop after this many frames.")
@click.option("--database", metavar="PATH|URL", default=None, help="Session store (see `demo`).")
@click.option(
    "--audio-device",
    metavar="NAME",
    default=None,
    help="Sound output by name (see `vrtherapy devices`; default: the system's default). "
    "Without any sound output the session runs silently after one warning.",
)
@click.option(
    "--microphone",
    metavar="NAME|none",
    default=None,
    help="The client's microphone for voice measures (turns, response latency, speaking "
    "time; see `vrtherapy devices`; default: the system's default; 'none': no measures). "
    "Audio is stored only while the therapist turns recording on in the console.",
)
@click.option(
    "--resume",
    "resume_session",
    metavar="SESSION",
    default=None,
    help="Resume this interrupted session (same step, paused); see `vrtherapy resume`.",
)
@click.option(
    "--take-over",
    is_flag=True,
    help="With --resume: run it here even though another station holds it (recorded).",
)
def run_command(
    scenario: str | None,
    hierarchy_id: str | None,
    libraries: tuple[Path, ...],
    client_code: str | None,
    display: str,
    size: tuple[int, int],
    stereo: bool,
    listen: str,
    port: int,
    trusted_proxy: tuple[str, ...],
    synthetic_client: bool,
    seed: int,
    time_scale: float,
    watch: bool,
    frames: int | None,
    database: str | None,
    resume_session: str | None,
    take_over: bool,
    audio_device: str | None,
    microphone: str | None,
) -> None:
    """Run a session: render for the client and serve the therapist's console.

    With SCENARIO, a practice session steps through that scenario's levels;
    with --hierarchy, a session with that hierarchy starts at once; with
    neither, the therapist chooses the client and hierarchy in the console.
    Virtual partners in a scene are started from the console's conversation
    panel; they speak (synthesised ahead of need, heard from their mouth),
    look at the client's head and wait for an answer on the in-headset choice
    panel: number keys 1-9, or Up/Down and Enter, in a window; a flick of the
    thumbstick and the trigger in a headset; or the therapist marks it. In a
    scene with an elevator the client asks for the next floor up or down with
    E / Q in a window, a controller button in a headset; the console's
    Elevator panel sends the car to a floor and can lock the client's buttons.
    Sessions left running by an engine that was killed are listed on start;
    the console offers to resume each (same step, paused) or close it, and
    --resume SESSION resumes one at once. The console's address and a
    one-time pairing code are printed here; press Enter in this terminal for
    a fresh code (it replaces the old one and is accepted even while wrong
    guesses are being rate-limited).
    """
    from vrtherapy.display.select import automatic_choice, configure_gl_platform

    name = automatic_choice() if display == "auto" else display
    configure_gl_platform(name)  # before anything imports OpenGL

    from vrtherapy.app.engine_thread import EngineThread
    from vrtherapy.app.responder import SyntheticResponder
    from vrtherapy.app.run import RenderLoop, RunOptions
    from vrtherapy.app.terminal import watch_terminal
    from vrtherapy.console.server import ConsoleConfig, ConsoleError, ConsoleServer
    from vrtherapy.display.select import open_or_explain

    library = open_library(libraries)
    try:
        store = open_store(database)
    except StoreError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    options: dict[str, Any] = {"size": size} if name == "headless" else {}
    if name == "desktop":
        options = {"width": size[0], "height": size[1], "stereo": stereo}
    # One teardown order on every path (ExitStack: the reverse of opening): the sound and
    # the renderer release their resources and GL objects; the file watcher and the engine
    # thread (with the console) stop, and the session ends on the record with the real
    # reason; the station lets go of its lease; the desktop mirror releases its GL objects;
    # only then does the display destroy the GL context (and terminate GLFW); the store
    # closes last.
    with contextlib.ExitStack() as teardown:
        teardown.callback(store.close)
        backend = open_or_explain(name, **options)
        teardown.callback(backend.close)
        click.echo(f"display: {name}")
        window_mirror = _window_mirror(backend) if name == "openxr" else None
        if window_mirror is not None:
            teardown.callback(window_mirror.close)
        clock: Clock = SystemClock() if time_scale == 1.0 else ScaledClock(time_scale)
        service = SessionService(store, library, clock)
        teardown.callback(service.close)
        try:
            if resume_session:
                engine = service.resume(resume_session, takeover=take_over)
                click.echo(
                    f"session {engine.session_id} resumed for client {engine.state.client_code} "
                    f"at step {engine.state.step_index + 1}, paused"
                )
            elif scenario or hierarchy_id:
                if scenario:
                    if scenario not in library.scenarios:
                        raise ServiceError(f"no scenario '{scenario}' (see `vrtherapy list`)")
                    hierarchy = practice_hierarchy(library.scenarios[scenario], scenario)
                else:
                    hierarchy = library.hierarchy(str(hierarchy_id))
                code = client_code or service.clients.create(hierarchy)
                if client_code:
                    service.clients.assign(code, hierarchy, f"template:{hierarchy.id}")
                engine = service.start(code)
                click.echo(f"session {engine.session_id} started for client {code}")
        except (ServiceError, KeyError) as exc:
            click.echo(f"error: {exc.args[0] if exc.args else exc}", err=True)
            teardown.close()
            sys.exit(2)
        else:
            _announce_interrupted(service)
        responder = SyntheticResponder(service, seed=seed) if synthetic_client else None

        def on_tick() -> None:  # the engine thread, a few times a second
            speech.tick()
            if responder is not None:
                responder.tick()

        engine_thread = EngineThread(service, on_tick=on_tick)
        speech = _speech(service, engine_thread)  # the partners' voices
        teardown.callback(speech.close)
        from vrtherapy.app.replay import ReplayPictures
        from vrtherapy.cli.library_option import clinic_folders

        pictures = ReplayPictures(clinic_folders(libraries))  # the summary's moments, replayed
        teardown.callback(pictures.close)
        server = ConsoleServer(
            service,
            ConsoleConfig(
                listen=listen,
                port=port,
                data_dir=data_dir(),
                trusted_proxies=tuple(trusted_proxy),
            ),
            announce=lambda line: click.echo(line),
            report=_report_html(database),
            export=_export(database),
            replay=pictures,
        )
        engine_thread.mount(server)
        try:
            engine_thread.start()
        except ConsoleError as exc:
            click.echo(f"error: {exc}", err=True)
            teardown.close()
            sys.exit(1)
        reason = ["vrtherapy run stopped after an unexpected error (see the log)"]
        # after the renderer is gone: the engine thread stops, then the session ends on record
        teardown.callback(lambda: _end_if_running(service, reason[0]))
        teardown.callback(engine_thread.stop)
        if watch:
            teardown.callback(_watch(libraries, service, engine_thread).stop)
        if sys.stdin is not None and sys.stdin.isatty():
            click.echo("press Enter here for a fresh pairing code")
            watch_terminal(sys.stdin, lambda: engine_thread.call(server.new_pairing_code))
        engine_thread.call(speech.prepare_ahead)
        audio = _open_audio(audio_device, service, engine_thread, speech)
        loop = RenderLoop(
            service,
            engine_thread,
            backend,
            RunOptions(frames=frames, pace_hz=None if name != "headless" else 60.0),
            mirror=server.mirror,
            show_slider=server.hub.show_client_slider,
            window_mirror=window_mirror,
            audio=audio,
            voices=lambda: speech.voices,
        )
        teardown.callback(loop.close)
        if audio is not None:
            teardown.callback(audio.close)
        voice = _open_voice(microphone, service, engine_thread)
        if voice is not None:
            teardown.callback(voice.close)
            speech.on_heard = voice.partner_spoke  # the client's answers count from there
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            loop.run()
            reason[0] = loop.end_reason or reason[0]
        except KeyboardInterrupt:
            click.echo("stopping")
            reason[0] = "vrtherapy run was interrupted at the terminal (Ctrl+C or SIGTERM)"


def _export(database: str | None) -> Callable[[str, str, str], str]:
    """The console's exports of a session (tidy CSV of trials or ratings, FHIR bundle),
    made like the report: on a worker thread with its own connection to the store."""

    def make(session_id: str, fmt: str, table: str) -> str:
        from vrtherapy.cli.report_commands import export_text

        store = open_store(database)
        try:
            return export_text(store, session_id, None, fmt, table)
        finally:
            store.close()

    return make


def _report_html(database: str | None) -> Callable[[str], str]:
    """The console's report of a session, made on a worker thread with its own connection
    to the store (the engine thread's connection is never shared)."""

    def make(session_id: str) -> str:
        from vrtherapy.cli.report_commands import recorded_report
        from vrtherapy.reports import document

        store = open_store(database)
        try:
            return document.session_html(recorded_report(store, session_id))
        finally:
            store.close()

    return make
