"""Spatial sound: the audio engine on OpenAL Soft, its scene description, synthesised
sounds and offline rendering through the loopback device (tests, snapshots, bench)."""

from vrtherapy.audio.engine import AudioEngine, AudioThread, open_offline, open_output
from vrtherapy.audio.openal import OpenALError, output_devices
from vrtherapy.audio.scene import ListenerPose, Output, SceneSound, safety_gain

__all__ = [
    "AudioEngine",
    "AudioThread",
    "ListenerPose",
    "OpenALError",
    "Output",
    "SceneSound",
    "open_offline",
    "open_output",
    "output_devices",
    "safety_gain",
]
