"""A small ctypes binding to OpenAL Soft (Debian ``libopenal1``): devices, the
loopback device (``ALC_SOFT_loopback``), HRTF (``ALC_SOFT_HRTF``), sources,
buffers and the listener.

Why ctypes: the only OpenAL binding on PyPI (``PyOpenAL``) has had no release
since 2019 and exposes neither the loopback device nor HRTF control, which
offline rendering and tests need. The C API is small and stable, so the few
functions used here are declared directly.

Contexts are made current per thread (``ALC_EXT_thread_local_context``), so
several engines (a device and a loopback renderer in tests) can live in one
process; every AL call goes through :meth:`Context.use` first.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

# --- constants (AL/al.h, AL/alc.h, AL/alext.h) --------------------------------------------------
ALC_FALSE, ALC_TRUE = 0, 1
ALC_FREQUENCY = 0x1007
ALC_DEFAULT_DEVICE_SPECIFIER = 0x1004
ALC_DEVICE_SPECIFIER = 0x1005
ALC_EXTENSIONS = 0x1006
ALC_DEFAULT_ALL_DEVICES_SPECIFIER = 0x1012
ALC_ALL_DEVICES_SPECIFIER = 0x1013
ALC_FORMAT_CHANNELS_SOFT = 0x1990
ALC_FORMAT_TYPE_SOFT = 0x1991
ALC_STEREO_SOFT = 0x1501
ALC_FLOAT_SOFT = 0x1406
ALC_HRTF_SOFT = 0x1992
ALC_HRTF_STATUS_SOFT = 0x1993
ALC_HRTF_ENABLED_SOFT = 0x0001
ALC_OUTPUT_LIMITER_SOFT = 0x199A
ALC_DEVICE_LATENCY_SOFT = 0x1601

AL_NONE = 0
AL_SOURCE_RELATIVE = 0x202
AL_PITCH = 0x1003
AL_POSITION = 0x1004
AL_LOOPING = 0x1007
AL_BUFFER = 0x1009
AL_GAIN = 0x100A
AL_ORIENTATION = 0x100F
AL_SOURCE_STATE = 0x1010
AL_PLAYING = 0x1012
AL_STOPPED = 0x1014
AL_BUFFERS_QUEUED = 0x1015
AL_BUFFERS_PROCESSED = 0x1016
AL_REFERENCE_DISTANCE = 0x1020
AL_ROLLOFF_FACTOR = 0x1021
AL_MAX_DISTANCE = 0x1023
AL_FORMAT_MONO_FLOAT32 = 0x10010
AL_FORMAT_STEREO_FLOAT32 = 0x10011
AL_DISTANCE_MODEL = 0xD000
AL_INVERSE_DISTANCE_CLAMPED = 0xD002

F32 = npt.NDArray[np.float32]


class OpenALError(RuntimeError):
    """OpenAL is missing, or a call failed; the message names the call."""


_lib: Any = None


def _silence_alsa() -> None:
    """ALSA prints a page of errors to stderr when there is no sound card; the engine
    reports that once itself, so ALSA's own printer is replaced by a silent one."""
    name = ctypes.util.find_library("asound")
    if not name:
        return
    try:
        asound = ctypes.CDLL(name)
    except OSError:
        return
    handler_type = ctypes.CFUNCTYPE(
        None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
    )
    handler = handler_type(lambda *_args: None)
    asound.snd_lib_error_set_handler(handler)
    globals()["_alsa_handler"] = handler  # keep the callback alive


def library() -> Any:
    """libopenal, loaded on first use; raises OpenALError when it is not installed."""
    global _lib
    if _lib is not None:
        return _lib
    # OpenAL Soft logs its own errors to stderr; the engine reports failures itself
    os.environ.setdefault("ALSOFT_LOGLEVEL", "0")
    name = ctypes.util.find_library("openal") or "libopenal.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError as exc:
        raise OpenALError(
            f"OpenAL Soft is not installed ({exc}); on Debian: apt-get install libopenal1"
        ) from None
    _silence_alsa()
    vp, ip, cp = ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p
    sigs: dict[str, tuple[Any, list[Any]]] = {
        "alcOpenDevice": (vp, [cp]),
        "alcCloseDevice": (ctypes.c_char, [vp]),
        "alcCreateContext": (vp, [vp, ctypes.POINTER(ip)]),
        "alcDestroyContext": (None, [vp]),
        "alcGetString": (cp, [vp, ip]),
        "alcGetIntegerv": (None, [vp, ip, ip, ctypes.POINTER(ip)]),
        "alcGetError": (ip, [vp]),
        "alcGetProcAddress": (vp, [vp, cp]),
        "alcIsExtensionPresent": (ctypes.c_char, [vp, cp]),
        "alcMakeContextCurrent": (ctypes.c_char, [vp]),
        "alGetError": (ip, []),
        "alGenSources": (None, [ip, ctypes.POINTER(ctypes.c_uint)]),
        "alDeleteSources": (None, [ip, ctypes.POINTER(ctypes.c_uint)]),
        "alGenBuffers": (None, [ip, ctypes.POINTER(ctypes.c_uint)]),
        "alDeleteBuffers": (None, [ip, ctypes.POINTER(ctypes.c_uint)]),
        "alBufferData": (None, [ctypes.c_uint, ip, vp, ip, ip]),
        "alSourcef": (None, [ctypes.c_uint, ip, ctypes.c_float]),
        "alSource3f": (None, [ctypes.c_uint, ip, ctypes.c_float, ctypes.c_float, ctypes.c_float]),
        "alSourcei": (None, [ctypes.c_uint, ip, ip]),
        "alGetSourcei": (None, [ctypes.c_uint, ip, ctypes.POINTER(ip)]),
        "alSourcePlay": (None, [ctypes.c_uint]),
        "alSourceStop": (None, [ctypes.c_uint]),
        "alSourcePause": (None, [ctypes.c_uint]),
        "alSourceRewind": (None, [ctypes.c_uint]),
        "alSourceQueueBuffers": (None, [ctypes.c_uint, ip, ctypes.POINTER(ctypes.c_uint)]),
        "alSourceUnqueueBuffers": (None, [ctypes.c_uint, ip, ctypes.POINTER(ctypes.c_uint)]),
        "alListener3f": (None, [ip, ctypes.c_float, ctypes.c_float, ctypes.c_float]),
        "alListenerfv": (None, [ip, ctypes.POINTER(ctypes.c_float)]),
        "alListenerf": (None, [ip, ctypes.c_float]),
        "alDistanceModel": (None, [ip]),
    }
    for fname, (restype, argtypes) in sigs.items():
        fn = getattr(lib, fname)
        fn.restype = restype
        fn.argtypes = argtypes
    _lib = lib
    return lib


def _proc(lib: Any, device: int | None, name: str, restype: Any, *argtypes: Any) -> Any:
    address = lib.alcGetProcAddress(device, name.encode())
    if not address:
        raise OpenALError(f"this OpenAL has no {name}; OpenAL Soft 1.19 or newer is needed")
    return ctypes.CFUNCTYPE(restype, *argtypes)(address)


def _names_at(address: int | None) -> list[str]:
    """ALC's device lists are NUL-separated strings ending in an empty one."""
    names: list[str] = []
    while address:
        raw = ctypes.string_at(address)
        if not raw:
            break
        names.append(raw.decode("utf-8", "replace"))
        address += len(raw) + 1
    return names


def output_devices() -> tuple[list[str], str | None]:
    """(names of the output devices, the default's name); ([], None) without OpenAL."""
    try:
        lib = library()
    except OpenALError:
        return [], None
    all_ext = bool(lib.alcIsExtensionPresent(None, b"ALC_ENUMERATE_ALL_EXT"))
    list_enum = ALC_ALL_DEVICES_SPECIFIER if all_ext else ALC_DEVICE_SPECIFIER
    default_enum = ALC_DEFAULT_ALL_DEVICES_SPECIFIER if all_ext else ALC_DEFAULT_DEVICE_SPECIFIER
    # alcGetString(NULL, *_SPECIFIER) returns the list as one NUL-separated block;
    # ctypes' c_char_p stops at the first NUL, so read it through a raw pointer
    get = lib.alcGetString
    get.restype = ctypes.c_void_p
    try:
        names = _names_at(get(None, list_enum))
        default_address = get(None, default_enum)
        found = ctypes.string_at(default_address).decode() if default_address else ""
        default = found or None
    finally:
        get.restype = ctypes.c_char_p
    return names, default


class Device:
    """An open output device or a loopback device with one context on it."""

    def __init__(self, lib: Any, handle: int, context: int, loopback: bool) -> None:
        self.lib = lib
        self.handle = handle
        self.context = context
        self.loopback = loopback
        self._render: Any = None
        if loopback:
            self._render = _proc(
                lib,
                handle,
                "alcRenderSamplesSOFT",
                None,
                ctypes.c_void_p,
                ctypes.c_void_p,
                ctypes.c_int,
            )
        self._set_thread_context = _proc(
            lib, None, "alcSetThreadContext", ctypes.c_char, ctypes.c_void_p
        )

    @property
    def name(self) -> str:
        raw = self.lib.alcGetString(self.handle, ALC_DEVICE_SPECIFIER)
        return "loopback" if self.loopback else (raw or b"").decode("utf-8", "replace")

    def integer(self, param: int) -> int:
        out = ctypes.c_int(0)
        self.lib.alcGetIntegerv(self.handle, param, 1, ctypes.byref(out))
        return out.value

    @property
    def hrtf(self) -> bool:
        return self.integer(ALC_HRTF_STATUS_SOFT) == ALC_HRTF_ENABLED_SOFT

    @property
    def frequency(self) -> int:
        return self.integer(ALC_FREQUENCY)

    def use(self) -> None:
        """Make this device's context current on the calling thread."""
        if not self._set_thread_context(self.context):
            raise OpenALError("alcSetThreadContext failed")

    def render(self, frames: int) -> F32:
        """Loopback only: mix the next ``frames`` sample frames, stereo float32 (frames, 2)."""
        out = np.zeros((frames, 2), dtype=np.float32)
        self._render(self.handle, out.ctypes.data, frames)
        return out

    def close(self) -> None:
        if self.context:
            self._set_thread_context(None)
            self.lib.alcDestroyContext(self.context)
            self.context = 0
        if self.handle:
            self.lib.alcCloseDevice(self.handle)
            self.handle = 0


def _attributes(frequency: int, loopback: bool) -> Any:
    attrs = [ALC_FREQUENCY, frequency, ALC_HRTF_SOFT, ALC_TRUE, ALC_OUTPUT_LIMITER_SOFT, ALC_TRUE]
    if loopback:
        attrs += [ALC_FORMAT_CHANNELS_SOFT, ALC_STEREO_SOFT, ALC_FORMAT_TYPE_SOFT, ALC_FLOAT_SOFT]
    attrs.append(0)
    return (ctypes.c_int * len(attrs))(*attrs)


def open_device(name: str | None, frequency: int = 48_000) -> Device:
    """Open an output device by name (None: the system's default) with HRTF requested."""
    lib = library()
    handle = lib.alcOpenDevice(name.encode() if name else None)
    if not handle:
        raise OpenALError(f"no audio output device '{name}'" if name else "no audio output device")
    context = lib.alcCreateContext(handle, _attributes(frequency, loopback=False))
    if not context:
        lib.alcCloseDevice(handle)
        raise OpenALError(f"cannot create an audio context on '{name or 'default'}'")
    return Device(lib, handle, context, loopback=False)


def open_loopback(frequency: int = 48_000) -> Device:
    """A device that mixes into memory on request (``ALC_SOFT_loopback``): no sound card."""
    lib = library()
    opener = _proc(lib, None, "alcLoopbackOpenDeviceSOFT", ctypes.c_void_p, ctypes.c_char_p)
    handle = opener(None)
    if not handle:
        raise OpenALError("cannot open OpenAL's loopback device")
    context = lib.alcCreateContext(handle, _attributes(frequency, loopback=True))
    if not context:
        lib.alcCloseDevice(handle)
        raise OpenALError("cannot create a context on the loopback device")
    return Device(lib, handle, context, loopback=True)


def check(lib: Any, what: str) -> None:
    error = lib.alGetError()
    if error:
        raise OpenALError(f"{what} failed (OpenAL error 0x{error:04x})")


def gen_sources(lib: Any, count: int) -> list[int]:
    ids = (ctypes.c_uint * count)()
    lib.alGenSources(count, ids)
    check(lib, "alGenSources")
    return list(ids)


def gen_buffers(lib: Any, count: int) -> list[int]:
    ids = (ctypes.c_uint * count)()
    lib.alGenBuffers(count, ids)
    check(lib, "alGenBuffers")
    return list(ids)


def delete_sources(lib: Any, ids: Sequence[int]) -> None:
    if ids:
        lib.alDeleteSources(len(ids), (ctypes.c_uint * len(ids))(*ids))


def delete_buffers(lib: Any, ids: Sequence[int]) -> None:
    if ids:
        lib.alDeleteBuffers(len(ids), (ctypes.c_uint * len(ids))(*ids))


def buffer_data(lib: Any, buffer: int, samples: F32, frequency: int) -> None:
    """Fill a buffer with float32 samples: shape (n,) mono or (n, 2) stereo."""
    data = np.ascontiguousarray(samples, dtype=np.float32)
    fmt = AL_FORMAT_STEREO_FLOAT32 if data.ndim == 2 else AL_FORMAT_MONO_FLOAT32
    lib.alBufferData(buffer, fmt, data.ctypes.data, data.nbytes, frequency)
    check(lib, "alBufferData")


def source_int(lib: Any, source: int, param: int) -> int:
    out = ctypes.c_int(0)
    lib.alGetSourcei(source, param, ctypes.byref(out))
    return out.value


def queue(lib: Any, source: int, buffers: Sequence[int]) -> None:
    lib.alSourceQueueBuffers(source, len(buffers), (ctypes.c_uint * len(buffers))(*buffers))
    check(lib, "alSourceQueueBuffers")


def unqueue(lib: Any, source: int, count: int) -> list[int]:
    ids = (ctypes.c_uint * count)()
    lib.alSourceUnqueueBuffers(source, count, ids)
    check(lib, "alSourceUnqueueBuffers")
    return list(ids)


def set_listener(
    lib: Any, position: Sequence[float], forward: Sequence[float], up: Sequence[float]
) -> None:
    lib.alListener3f(AL_POSITION, *(float(v) for v in position))
    orientation = (ctypes.c_float * 6)(*(float(v) for v in (*forward, *up)))
    lib.alListenerfv(AL_ORIENTATION, orientation)
