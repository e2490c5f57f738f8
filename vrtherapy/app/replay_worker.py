"""The console's replay worker process (see ``app.replay.ReplayPictures``).

Nothing here imports GL at module level: the process sets ``PYOPENGL_PLATFORM=egl``
when it starts, before anything imports OpenGL, so it renders headless whatever
the process that started it uses (GLX for a desktop window or a headset).
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

_worker: dict[str, Any] = {}  # this process's library and current replay


def start(libraries: tuple[Path, ...]) -> None:
    os.environ["PYOPENGL_PLATFORM"] = "egl"
    from vrtherapy.authoring import load_library

    _worker["library"] = load_library(libraries=list(libraries))


def picture(events: tuple[Any, ...], tracking: Any, t: float, size: tuple[int, int]) -> bytes:
    """The picture at session time ``t`` as PNG bytes; ValueError saying why not."""
    from PIL import Image

    from vrtherapy.app.replay import ReplayRenderer
    from vrtherapy.display.base import DisplayUnavailable
    from vrtherapy.display.headless import HeadlessDisplay
    from vrtherapy.reports.replay import SessionRecord

    key = (events[0].stream if events else "", len(events), size)
    renderer: ReplayRenderer | None = _worker.get("renderer")
    if renderer is None or _worker.get("key") != key:
        if renderer is not None:
            renderer.close()
            renderer.display.close()
            _worker.pop("renderer")
        record = SessionRecord(events, _worker["library"], tracking)
        display = HeadlessDisplay(size)  # its left eye, as `vrtherapy replay` draws
        try:
            display.open()
        except DisplayUnavailable as exc:
            raise ValueError(f"cannot render here: {exc}") from None
        renderer = _worker["renderer"] = ReplayRenderer(record, display)
        _worker["key"] = key
    renderer.record.check_time(t)
    buffer = io.BytesIO()
    Image.fromarray(renderer.frame(t)).save(buffer, format="PNG")
    return buffer.getvalue()
