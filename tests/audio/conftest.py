"""Audio tests listen through OpenAL's loopback device: no sound card is needed."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
import pytest

from tests.system_needs import missing
from vrtherapy.audio import AudioEngine, OpenALError, open_offline

RATE = 48_000


@pytest.fixture
def warnings() -> list[str]:
    return []


@pytest.fixture
def engine(warnings: list[str]) -> Iterator[AudioEngine]:
    try:
        e = open_offline(warnings.append)
    except OpenALError as exc:
        missing(f"OpenAL Soft ({exc})", "apt-get install libopenal1")
    yield e
    e.close()


def rms(x: npt.NDArray[np.float32], start_s: float = 0.0, end_s: float | None = None) -> float:
    """Root-mean-square level of a window of a (frames,) or (frames, 2) signal."""
    a = int(start_s * RATE)
    b = None if end_s is None else int(end_s * RATE)
    part = x[a:b].astype(np.float64)
    return float(np.sqrt(np.mean(part**2))) if part.size else 0.0


def channels(x: npt.NDArray[np.float32], start_s: float = 0.0) -> tuple[float, float]:
    return rms(x[:, 0], start_s), rms(x[:, 1], start_s)
