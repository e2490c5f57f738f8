"""The client's microphone (OpenAL capture), where one is present.

16 kHz mono 16-bit, what the voice-activity detector takes. Opening fails with
:class:`MicrophoneUnavailable` and a reason (no OpenAL, no capture device, a named
device that is not there); the session then runs without voice measures. Reading
never blocks: :meth:`Microphone.read` returns what has arrived since the last call.
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np
import numpy.typing as npt

from vrtherapy.audio import openal

ALC_CAPTURE_DEVICE_SPECIFIER = 0x310
ALC_CAPTURE_DEFAULT_DEVICE_SPECIFIER = 0x311
ALC_CAPTURE_SAMPLES = 0x312
AL_FORMAT_MONO16 = 0x1101
RATE = 16_000
BUFFER_S = 2.0  # the device's ring buffer; read at least this often


class MicrophoneUnavailable(RuntimeError):
    """No microphone can be opened; the message says why."""


def _bind(lib: Any) -> None:
    vp, ip, cp = ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p
    for name, restype, argtypes in (
        ("alcCaptureOpenDevice", vp, [cp, ctypes.c_uint, ip, ip]),
        ("alcCaptureCloseDevice", ctypes.c_char, [vp]),
        ("alcCaptureStart", None, [vp]),
        ("alcCaptureStop", None, [vp]),
        ("alcCaptureSamples", None, [vp, vp, ip]),
    ):
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes


def capture_devices(lib: Any = None) -> list[str]:
    """Names of the capture devices; [] without OpenAL or without any."""
    try:
        lib = lib or openal.library()
    except openal.OpenALError:
        return []
    get = lib.alcGetString
    get.restype = ctypes.c_void_p
    try:
        return openal._names_at(get(None, ALC_CAPTURE_DEVICE_SPECIFIER))
    finally:
        get.restype = ctypes.c_char_p


class Microphone:
    def __init__(self, name: str | None = None, lib: Any = None) -> None:
        try:
            self._lib = lib or openal.library()
        except openal.OpenALError as exc:
            raise MicrophoneUnavailable(str(exc)) from None
        _bind(self._lib)
        if name is not None and name not in capture_devices(self._lib):
            raise MicrophoneUnavailable(f"no microphone named '{name}'")
        size = int(RATE * BUFFER_S)
        device = self._lib.alcCaptureOpenDevice(
            name.encode() if name else None, RATE, AL_FORMAT_MONO16, size
        )
        if not device:
            raise MicrophoneUnavailable(
                "no microphone could be opened (none is connected, or the sound system "
                "gives no capture device)"
            )
        self._device = device
        self._lib.alcCaptureStart(device)
        self.name = name or "default"

    def read(self) -> npt.NDArray[np.int16]:
        """The samples that arrived since the last read (16 kHz mono int16)."""
        if self._device is None:
            return np.zeros(0, np.int16)
        count = ctypes.c_int(0)
        self._lib.alcGetIntegerv(self._device, ALC_CAPTURE_SAMPLES, 1, ctypes.byref(count))
        n = int(count.value)
        if n <= 0:
            return np.zeros(0, np.int16)
        out = np.empty(n, np.int16)
        self._lib.alcCaptureSamples(self._device, out.ctypes.data, n)
        return out

    def close(self) -> None:
        if self._device is not None:
            self._lib.alcCaptureStop(self._device)
            self._lib.alcCaptureCloseDevice(self._device)
            self._device = None
