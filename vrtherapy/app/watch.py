"""`vrtherapy run --watch`: scenario, hierarchy and model files are watched while the
engine runs. After a change the whole library is validated again, exactly as
`vrtherapy validate` does (assets opened); the result goes to the console and the
terminal: valid files are offered as "reload scene", problems are shown as
file:line:col and the current scene stays.

Files are watched with watchfiles (native change notification, polling where
there is none). The therapist's reload reaches the render thread as a new
``SessionService.library`` reference; :class:`ReloadFade` swaps it into the
client's view at black, so the client never sees a scene change without a fade.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from vrtherapy.authoring import AuthoringError, Library
from vrtherapy.authoring.library import YAML_SUFFIXES, display_path
from vrtherapy.authoring.scenario import ASSET_SUFFIXES
from vrtherapy.session.library_reload import LibraryUpdate

log = logging.getLogger(__name__)
WATCHED_SUFFIXES = (*YAML_SUFFIXES, *ASSET_SUFFIXES)


def revalidate(changed: Iterable[Path], load: Callable[[], Library]) -> LibraryUpdate:
    """The library loaded again after ``changed`` files changed: valid, or its problems."""
    files = tuple(sorted({display_path(p) for p in changed}))
    try:
        library = load()
    except AuthoringError as exc:
        return LibraryUpdate(files, None, tuple(str(p) for p in exc.problems))
    except Exception as exc:  # an unexpected loader failure must not end the watch
        log.exception("re-validating the library failed")
        return LibraryUpdate(files, None, (f"the library could not be loaded: {exc}",))
    return LibraryUpdate(files, library)


class LibraryWatcher:
    """A thread that re-validates the library after files in ``folders`` change and hands
    each :class:`LibraryUpdate` to ``deliver`` (called on the watcher's thread)."""

    def __init__(
        self,
        folders: Sequence[Path],
        load: Callable[[], Library],
        deliver: Callable[[LibraryUpdate], None],
        *,
        debounce_ms: int = 400,
        force_polling: bool | None = None,
    ) -> None:
        self.folders = [f for f in folders if f.is_dir()]
        self.load = load
        self.deliver = deliver
        self.debounce_ms = debounce_ms
        self.force_polling = force_polling
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.ready = threading.Event()  # set once the watch sees changes

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="library-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        from watchfiles import watch

        def wanted(_change: object, path: str) -> bool:
            return path.lower().endswith(WATCHED_SUFFIXES)

        timeouts = 0
        try:
            for changes in watch(
                *self.folders,
                watch_filter=wanted,
                debounce=self.debounce_ms,
                stop_event=self._stop,
                force_polling=self.force_polling,
                rust_timeout=500,
                yield_on_timeout=True,  # an empty set every 0.5 s: the watch is running
                raise_interrupt=False,
            ):
                if not changes:
                    timeouts += 1
                    if timeouts >= 2:  # a whole poll went by: changes from now on are seen
                        self.ready.set()
                    continue
                update = revalidate((Path(p) for _, p in changes), self.load)
                self.deliver(update)
        except Exception:  # the session goes on without the watch
            log.exception("watching the library folders stopped")


class ReloadFade:
    """Brings a reloaded library into the client's view through black: the current
    scene fades out, the library is swapped at black, and the new scene fades in."""

    def __init__(self, fade_s: float = 0.5) -> None:
        self.fade_s = fade_s
        self._pending: Library | None = None
        self._started: float | None = None

    def request(self, library: Library, now: float) -> None:
        self._pending = library
        if self._started is None:
            self._started = now

    def apply(self, fade: float, now: float) -> tuple[float, Library | None]:
        """The fade to draw now (never less than the director's ``fade``) and the library
        to swap in on this frame, if any."""
        if self._started is None:
            return fade, None
        half = self.fade_s / 2
        t = now - self._started
        if self._pending is not None:
            if t < half and fade < 1.0:
                return max(fade, t / half), None  # fading out
            library, self._pending = self._pending, None
            self._started = now - half  # swap at black
            return 1.0, library
        if t >= self.fade_s:
            self._started = None
            return fade, None
        return max(fade, 1.0 - (t - half) / half), None  # fading in
