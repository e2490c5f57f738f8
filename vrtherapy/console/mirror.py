"""The mirror of what the client sees: the renderer drops small frames in, the
console encodes the newest as JPEG and sends it to every open tab."""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image


@dataclass(frozen=True)
class MirrorFrame:
    number: int
    pixels: npt.NDArray[np.uint8]  # (H, W, 3), top row first
    blackout: bool = False


class MirrorBuffer:
    """Holds the newest frame only; writing never waits for readers."""

    def __init__(self) -> None:
        self._frame: MirrorFrame | None = None
        self._count = 0
        self._lock = threading.Lock()

    def put(self, pixels: npt.NDArray[np.uint8], blackout: bool = False) -> None:
        with self._lock:
            self._count += 1
            self._frame = MirrorFrame(self._count, pixels, blackout)

    def latest(self) -> MirrorFrame | None:
        return self._frame


def encode_jpeg(pixels: npt.NDArray[np.uint8], quality: int = 75) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels[..., :3])).save(buf, "JPEG", quality=quality)
    return buf.getvalue()
