"""``replay``: what the client saw at a moment of a stored session, drawn again from the
record (its events and tracked head poses) and the scenario library.

Headless (EGL, no display) when an output is given: one picture (--out), a contact
sheet (--contact-sheet) or an image sequence (--frames). Without one, a desktop window
with a time slider.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from vrtherapy.cli.library_option import library_option, open_library
from vrtherapy.cli.render_commands import _parse_size
from vrtherapy.cli.session_commands import _open, database_option

if TYPE_CHECKING:  # numpy, scipy, GL: imported when the command runs, not for --help
    import numpy as np
    import numpy.typing as npt

    from vrtherapy.app.replay import ReplayRenderer
    from vrtherapy.reports.replay import SessionRecord

MAX_FRAMES = 100_000  # an image sequence longer than this is refused (say --at/--until)
SHEET_TILES = 400


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _time(text: str | None, default: float) -> float:
    from vrtherapy.reports.replay import parse_time

    return default if text is None else parse_time(text)


@click.command("replay")
@click.argument("session_id", metavar="SESSION")
@click.option(
    "--at",
    "at_text",
    metavar="MM:SS",
    help="The moment (MM:SS, H:MM:SS or seconds of session time; default: the start). "
    "For --frames, the first frame.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the moment --at to this PNG.",
)
@click.option(
    "--contact-sheet",
    "sheet_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a PNG of the whole session, a labelled picture every --every seconds.",
)
@click.option(
    "--every",
    type=click.FloatRange(min=1.0),
    default=60.0,
    show_default=True,
    help="Seconds of session time between the pictures of --contact-sheet.",
)
@click.option(
    "--frames",
    "frames_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write an image sequence (frame-000001.png, …) into this folder, from --at to "
    "--until, --fps pictures a second of session time.",
)
@click.option(
    "--fps",
    type=click.FloatRange(min=0.1, max=90.0),
    default=10.0,
    show_default=True,
    help="Pictures per second of session time for --frames.",
)
@click.option(
    "--until",
    "until_text",
    metavar="MM:SS",
    help="The last moment of --frames (default: the end of the session).",
)
@click.option(
    "--size", default="640x480", show_default=True, callback=_parse_size, help="Picture WxH."
)
@database_option
@library_option
def replay_command(
    session_id: str,
    at_text: str | None,
    out: Path | None,
    sheet_path: Path | None,
    every: float,
    frames_dir: Path | None,
    fps: float,
    until_text: str | None,
    size: tuple[int, int],
    database: str | None,
    libraries: tuple[Path, ...],
) -> None:
    """Draw again what the client saw during SESSION, from the record alone: the
    scenario, level and parameter changes, pauses, blackouts and the calm scene, prompts
    and partner lines, and the client's recorded head pose. The same record always gives
    the same pictures.

    Scenes come from the scenario library as it is now (stock files plus --library
    folders), as `run` would draw them. With --out, --contact-sheet or --frames it
    renders headless (no display needed); with none of them it opens a window with a
    time slider (Left/Right: 5 s back/on, with Shift 1 min; Space: play/pause; Home/End;
    click the bar to jump; Escape or closing the window ends it).

    \b
    Examples:
      vrtherapy replay session:C-AB12-CD34:1 --at 12:30 --out moment.png
      vrtherapy replay session:C-AB12-CD34:1 --contact-sheet session.png --every 30
      vrtherapy replay session:C-AB12-CD34:1 --at 10:00 --until 10:20 --frames frames/ --fps 15
    """
    from vrtherapy.display.select import configure_gl_platform
    from vrtherapy.reports.replay import ReplayError, SessionRecord

    outputs = [o for o in (out, sheet_path, frames_dir) if o is not None]
    if len(outputs) > 1:
        raise click.UsageError("give one of --out, --contact-sheet and --frames")
    if until_text is not None and frames_dir is None:
        raise click.UsageError("--until goes with --frames")
    try:  # before OpenGL is first imported: EGL headless, GLX for the window
        configure_gl_platform("headless" if outputs else "desktop")
    except RuntimeError as exc:
        _fail(str(exc))
    store = _open(database)
    try:
        events = store.read(session_id)
        if not events:
            raise ReplayError(
                f"no session '{session_id}' in {store.description} (see 'vrtherapy sessions')"
            )
        record = SessionRecord(events, open_library(libraries), store.tracking(session_id))
        start = record.check_time(_time(at_text, 0.0))
        if not outputs:
            _window(record, start, size)
            return
        if out is not None:
            _picture(record, start, size, out)
        elif sheet_path is not None:
            _sheet(record, every, size, sheet_path)
        elif frames_dir is not None:
            end = record.check_time(_time(until_text, record.duration))
            _frames(record, start, end, fps, size, frames_dir)
    except ReplayError as exc:
        _fail(str(exc))
    finally:
        store.close()


def _renderer(record: SessionRecord, size: tuple[int, int]) -> ReplayRenderer:
    from vrtherapy.app.replay import ReplayRenderer
    from vrtherapy.display.base import DisplayUnavailable
    from vrtherapy.display.headless import HeadlessDisplay

    display = HeadlessDisplay(size)
    try:
        display.open()
    except DisplayUnavailable as exc:
        _fail(f"cannot render headless: {exc}")
    return ReplayRenderer(record, display)


def _render_all(
    record: SessionRecord, times: list[float], size: tuple[int, int]
) -> list[npt.NDArray[np.uint8]]:
    renderer = _renderer(record, size)
    try:
        return [_frame(renderer, t) for t in times]
    finally:
        renderer.close()
        renderer.display.close()
        _problems(renderer)


def _frame(renderer: ReplayRenderer, t: float) -> npt.NDArray[np.uint8]:
    from vrtherapy.reports.replay import ReplayError

    try:
        return renderer.frame(t)
    except TimeoutError as exc:
        raise ReplayError(str(exc)) from None


def _problems(renderer: ReplayRenderer) -> None:
    for scenario, why in dict.fromkeys(renderer.problems):
        click.echo(f"scene problem: {scenario}: {why}", err=True)


def _save(path: Path, image: npt.NDArray[np.uint8]) -> None:
    from PIL import Image

    from vrtherapy.reports.replay import ReplayError

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(path, format="PNG")
    except OSError as exc:
        raise ReplayError(f"cannot write {path}: {exc.strerror or exc}") from None


def _picture(record: SessionRecord, t: float, size: tuple[int, int], out: Path) -> None:
    from vrtherapy.app.replay import describe_moment
    from vrtherapy.reports.replay import format_time

    (image,) = _render_all(record, [t], size)
    _save(out, image)
    click.echo(f"wrote {out} ({format_time(t)}: {describe_moment(record.snapshot_at(t))})")


def _sheet(record: SessionRecord, every: float, size: tuple[int, int], out: Path) -> None:
    from vrtherapy.app.replay import describe_moment
    from vrtherapy.cli.contact_sheet import Tile, sheet
    from vrtherapy.reports.replay import ReplayError, format_time

    count = int(record.duration // every) + 1
    if count > SHEET_TILES:
        raise ReplayError(
            f"{count} pictures at --every {every:g} over {format_time(record.duration)}; "
            f"give a larger --every (at most {SHEET_TILES} pictures)"
        )
    times = [i * every for i in range(count)]
    images = _render_all(record, times, size)
    columns = 6
    rows = []
    for r in range(0, count, columns):
        label = f"{format_time(times[r])} to {format_time(times[min(r + columns, count) - 1])}"
        rows.append(
            [
                Tile(images[i], f"{format_time(t)} {describe_moment(record.snapshot_at(t))}", label)
                for i, t in list(enumerate(times))[r : r + columns]
            ]
        )
    heading = (
        f"{record.session_id}, client {record.client_code}: "
        f"{format_time(record.duration)}, a picture every {every:g} s"
    )
    _save(out, sheet(rows, heading))
    click.echo(f"wrote {out} ({count} pictures, every {every:g} s)")


def _frames(
    record: SessionRecord,
    start: float,
    end: float,
    fps: float,
    size: tuple[int, int],
    folder: Path,
) -> None:
    from vrtherapy.reports.replay import ReplayError, format_time

    if end < start:
        raise ReplayError(f"--until {format_time(end)} is before --at {format_time(start)}")
    count = int((end - start) * fps) + 1
    if count > MAX_FRAMES:
        raise ReplayError(
            f"{count} pictures from {format_time(start)} to {format_time(end)} at {fps:g} a "
            f"second; give a shorter --at/--until or a lower --fps (at most {MAX_FRAMES})"
        )
    renderer = _renderer(record, size)
    try:
        for i in range(count):
            _save(folder / f"frame-{i + 1:06d}.png", _frame(renderer, start + i / fps))
    finally:
        renderer.close()
        renderer.display.close()
        _problems(renderer)
    click.echo(
        f"wrote {count} pictures to {folder} ({format_time(start)}–{format_time(end)}, "
        f"{fps:g} a second)"
    )


def _window(record: SessionRecord, start: float, size: tuple[int, int]) -> None:
    from vrtherapy.app.replay_window import run_replay_window
    from vrtherapy.display.base import DisplayUnavailable

    try:
        run_replay_window(record, start, size)
    except DisplayUnavailable as exc:
        _fail(f"cannot open a window: {exc} (or give --out, --contact-sheet or --frames)")
