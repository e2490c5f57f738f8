"""The audio engine: OpenAL sources for one scene's sounds, steered every few
milliseconds from the latest published listener pose, scene and output settings.

Threads: OpenAL Soft mixes on its own thread. The engine's control thread
(:class:`AudioThread`) reads the three published references (the render thread's
:class:`ListenerPose`, the wiring's :class:`SceneSound` and :class:`Output`) and applies
them: positions, fades, cues, stream refills. Publishing is a plain reference
assignment, so the render thread never waits on audio. Decoding and synthesis run on a
loader thread, so a scene's first sounds never stall the listener.

Offline (tests, ``snapshot --sound``, ``bench --audio``) the same engine runs on the
loopback device: :meth:`AudioEngine.render` steps the control work and mixes block by
block into memory, with no sound card and no thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from vrtherapy.audio import openal as al
from vrtherapy.audio.clips import BlockReader, Clip, SoundFileError, StreamSource, open_sound
from vrtherapy.audio.scene import (
    PARAMETER_FADE_S,
    SAFETY_FADE_S,
    ListenerPose,
    Output,
    SceneSound,
    SpokenLine,
    flag,
    number,
    place,
    ramp,
)
from vrtherapy.authoring.sounds import GAIN_RANGE, PITCH_RANGE, BedSpec, CueSpec, SourceSpec

log = logging.getLogger(__name__)
F32 = npt.NDArray[np.float32]
RATE = 48_000
STREAM_BUFFERS = 4
CONTROL_PERIOD_S = 0.005  # the control thread's tick: listener updates at 200 Hz

Spec = BedSpec | SourceSpec | CueSpec


@dataclass
class Voice:
    """One sound of the scene on one OpenAL source."""

    spec: Spec
    key: str  # the scene it belongs to
    source: int
    positional: bool
    loop: bool
    gain: float = 0.0  # its own ramped gain (before the scene's gain)
    leaving: bool = False
    loading: Future[Clip | StreamSource] | None = None
    buffers: list[int] = field(default_factory=list)
    reader: BlockReader | None = None
    paused: bool = False


class AudioEngine:
    """Sounds of the current scene on an OpenAL device (a sound card or loopback)."""

    def __init__(
        self,
        device: al.Device,
        warn: Callable[[str], None] = lambda message: log.warning("%s", message),
        synchronous_loading: bool | None = None,
    ) -> None:
        self.device = device
        self.lib = device.lib
        self.warn = warn
        # published by other threads; read here by reference, never locked
        self.pose = ListenerPose()
        self.scene = SceneSound()
        self.output = Output()
        self.voices: list[Voice] = []
        self.underruns = 0  # streamed sources that ran dry while they should play
        self.applied_pose_at = 0.0  # published_at of the last pose applied (latency)
        self._key: str | None = None
        self._cue_seen = -1
        self._cue_scope = ""
        self._speech_seen = -1
        self._speaking: dict[str, Voice] = {}  # each speaker's line, while it plays
        self._scene_gain = 0.0
        self._warned: set[str] = set()
        sync = device.loopback if synchronous_loading is None else synchronous_loading
        self._loader = None if sync else ThreadPoolExecutor(1, thread_name_prefix="audio-loader")
        device.use()
        self.lib.alDistanceModel(al.AL_INVERSE_DISTANCE_CLAMPED)
        al.check(self.lib, "alDistanceModel")

    # -- publishing (any thread) -----------------------------------------------------------
    def publish_pose(self, pose: ListenerPose) -> None:
        self.pose = pose

    def publish_scene(self, scene: SceneSound) -> None:
        self.scene = scene

    def publish_output(self, output: Output) -> None:
        self.output = output

    @property
    def hrtf(self) -> bool:
        return self.device.hrtf

    # -- the control work (the audio thread, or the caller when rendering offline) ----------
    def step(self, dt: float) -> None:
        """One control tick: listener, scene changes, fades, cues, streams."""
        self.device.use()
        pose = self.pose
        al.set_listener(self.lib, pose.position, pose.forward, pose.up)
        self.applied_pose_at = pose.published_at
        scene = self.scene
        if scene.key != self._key:
            self._enter(scene)
        self._fire_cues(scene)
        self._speak(scene)
        target = scene.gain * self.output.gain
        self._scene_gain = ramp(self._scene_gain, target, dt, SAFETY_FADE_S)
        for voice in list(self.voices):
            try:
                self._update(voice, scene, dt)
            except Exception as exc:  # one broken sound never silences the others
                log.exception("sound '%s' failed", voice.spec.name)
                self._warn_once(f"sound '{voice.spec.name}' stopped: {exc}")
                self._delete(voice)

    def _enter(self, scene: SceneSound) -> None:
        for voice in self.voices:
            voice.leaving = True
        self._key = scene.key
        for bed in scene.sounds.beds:
            self._add(bed, scene, positional=False, loop=True)
        for src in scene.sounds.sources:
            self._add(src, scene, positional=True, loop=True)

    def _fire_cues(self, scene: SceneSound) -> None:
        if scene.cue_scope != self._cue_scope:  # another session: its own numbering
            self._cue_scope, self._cue_seen, self._speech_seen = scene.cue_scope, -1, -1
        cues = {c.name: c for c in scene.sounds.cues}
        for fire_id, name in scene.cues:
            if fire_id <= self._cue_seen:
                continue
            self._cue_seen = fire_id
            cue = cues.get(name)
            if cue is None:
                continue  # fired for a scene no longer shown
            positional = cue.attach is not None or cue.position is not None
            voice = self._add(cue, scene, positional=positional, loop=False)
            if voice is not None:
                voice.gain = _clamp(number(cue.gain, scene.values, 1.0), GAIN_RANGE)

    def _speak(self, scene: SceneSound) -> None:
        """Partners' new lines: each from its speaker's mouth (an anchor), cutting what
        that speaker was still saying."""
        for line in scene.speech:
            if line.fire_id <= self._speech_seen:
                continue
            self._speech_seen = line.fire_id
            self._hush(line.speaker)
            if line.file is not None:
                self._say(line, scene)

    def _hush(self, speaker: str) -> None:
        voice = self._speaking.pop(speaker, None)
        if voice is not None and voice in self.voices:
            self._delete(voice)

    def _say(self, line: SpokenLine, scene: SceneSound) -> None:
        assert line.file is not None
        cue = CueSpec(
            name=f"line_{line.fire_id}",
            file=line.file.name,
            attach=line.speaker,
            position=[0.0, 0.0, 0.0],
            gain=line.gain,
            distance=1.0,
        )
        where = replace(scene, base_dirs=(line.file.parent,))
        voice = self._add(cue, where, positional=True, loop=False)
        if voice is not None:
            voice.gain = _clamp(line.gain, GAIN_RANGE)
            self._speaking[line.speaker] = voice

    def _add(self, spec: Spec, scene: SceneSound, positional: bool, loop: bool) -> Voice | None:
        try:
            [source] = al.gen_sources(self.lib, 1)
        except al.OpenALError as exc:  # out of sources: this sound stays silent
            self._warn_once(f"sound '{spec.name}': {exc}")
            return None
        self.lib.alSourcef(source, al.AL_GAIN, 0.0)
        if positional:
            self.lib.alSourcef(source, al.AL_REFERENCE_DISTANCE, float(spec.distance))  # type: ignore[union-attr]
            self.lib.alSourcef(source, al.AL_ROLLOFF_FACTOR, 1.0)
        else:  # at the listener's head, heard the same whichever way it turns
            self.lib.alSourcei(source, al.AL_SOURCE_RELATIVE, 1)
            self.lib.alSource3f(source, al.AL_POSITION, 0.0, 0.0, 0.0)
        voice = Voice(spec, scene.key, source, positional, loop)
        base_dirs = scene.base_dirs
        if self._loader is None:
            done: Future[Clip | StreamSource] = Future()
            try:
                done.set_result(open_sound(spec.file, spec.sound, base_dirs))
            except Exception as exc:  # reported when the voice starts, as from the loader
                done.set_exception(exc)
            voice.loading = done
        else:
            voice.loading = self._loader.submit(open_sound, spec.file, spec.sound, base_dirs)
        self.voices.append(voice)
        return voice

    def _update(self, voice: Voice, scene: SceneSound, dt: float) -> None:
        if voice.loading is not None:
            if not voice.loading.done():
                return
            if not self._start(voice):
                return
        spec = voice.spec
        source = voice.source
        if voice.leaving:  # its scene was left: fade out, then delete
            voice.gain = ramp(voice.gain, 0.0, dt, PARAMETER_FADE_S)
            if voice.gain <= 0.0:
                self._delete(voice)
            else:
                self.lib.alSourcef(source, al.AL_GAIN, voice.gain * self._scene_gain)
            return
        values = scene.values
        if isinstance(spec, CueSpec):
            target = _clamp(number(spec.gain, values, 1.0), GAIN_RANGE)
        else:
            playing = flag(spec.playing, values)
            target = _clamp(number(spec.gain, values, 1.0), GAIN_RANGE) if playing else 0.0
        voice.gain = ramp(voice.gain, target, dt, PARAMETER_FADE_S)
        self.lib.alSourcef(source, al.AL_GAIN, voice.gain * self._scene_gain)
        pitch = _clamp(number(spec.pitch, values, 1.0), PITCH_RANGE)
        self.lib.alSourcef(source, al.AL_PITCH, pitch)
        if voice.positional:
            x, y, z = place(spec.attach, spec.position, scene)  # type: ignore[union-attr]
            self.lib.alSource3f(source, al.AL_POSITION, x, y, z)
        if voice.reader is not None:
            self._refill(voice)
        state = al.source_int(self.lib, source, al.AL_SOURCE_STATE)
        if not voice.loop and state == al.AL_STOPPED:
            self._delete(voice)  # a one-shot that has finished
            return
        silent = voice.gain <= 0.0 and target <= 0.0
        if voice.loop and silent and not voice.paused:
            self.lib.alSourcePause(source)  # `playing: false`: stop mixing it
            voice.paused = True
        elif voice.loop and not silent and voice.paused:
            self.lib.alSourcePlay(source)
            voice.paused = False

    def _start(self, voice: Voice) -> bool:
        """The voice's samples are ready: give them to OpenAL and play (False: dropped)."""
        assert voice.loading is not None
        loading, voice.loading = voice.loading, None
        try:
            sound = loading.result()
        except Exception as exc:  # SoundFileError, or a decoder's own error
            if not isinstance(exc, SoundFileError):
                log.exception("sound '%s' could not be loaded", voice.spec.name)
            self._warn_once(f"sound '{voice.spec.name}' is silent: {exc}")
            self._delete(voice)
            return False
        if isinstance(sound, Clip):
            clip = sound.mono() if voice.positional else sound
            [buffer] = al.gen_buffers(self.lib, 1)
            al.buffer_data(self.lib, buffer, clip.samples, clip.rate)
            voice.buffers = [buffer]
            self.lib.alSourcei(voice.source, al.AL_BUFFER, buffer)
            self.lib.alSourcei(voice.source, al.AL_LOOPING, 1 if voice.loop else 0)
        else:
            voice.reader = BlockReader(sound, voice.loop, voice.positional)
            voice.buffers = al.gen_buffers(self.lib, STREAM_BUFFERS)
            filled = []
            for buffer in voice.buffers:
                block = voice.reader.next()
                if block is None:
                    break
                al.buffer_data(self.lib, buffer, block, sound.rate)
                filled.append(buffer)
            if filled:
                al.queue(self.lib, voice.source, filled)
        self.lib.alSourcePlay(voice.source)
        return True

    def _refill(self, voice: Voice) -> None:
        reader = voice.reader
        assert reader is not None
        processed = al.source_int(self.lib, voice.source, al.AL_BUFFERS_PROCESSED)
        if processed:
            for buffer in al.unqueue(self.lib, voice.source, processed):
                block = reader.next()
                if block is None:
                    continue
                al.buffer_data(self.lib, buffer, block, reader.source.rate)
                al.queue(self.lib, voice.source, [buffer])
        state = al.source_int(self.lib, voice.source, al.AL_SOURCE_STATE)
        queued = al.source_int(self.lib, voice.source, al.AL_BUFFERS_QUEUED)
        if state == al.AL_STOPPED and queued and not voice.paused:
            self.underruns += 1  # it ran dry while it should have played
            self.lib.alSourcePlay(voice.source)

    def _delete(self, voice: Voice) -> None:
        self.lib.alSourceStop(voice.source)
        self.lib.alSourcei(voice.source, al.AL_BUFFER, al.AL_NONE)
        al.delete_sources(self.lib, [voice.source])
        al.delete_buffers(self.lib, voice.buffers)
        if voice.reader is not None:
            voice.reader.close()
        if voice in self.voices:
            self.voices.remove(voice)

    def _warn_once(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            self.warn(message)

    # -- offline rendering -------------------------------------------------------------------
    def wait_loaded(self) -> None:
        """Offline only: wait until every sound of the scene is decoded (no real-time
        deadline to keep, so what is rendered does not depend on how fast the CPU is)."""
        for voice in list(self.voices):
            if voice.loading is not None:
                voice.loading.exception()

    def render(self, seconds: float, block: int = 480) -> F32:
        """Loopback only: step and mix ``seconds`` of sound in blocks of ``block`` frames
        (10 ms by default); (frames, 2) float32 at the device's rate."""
        if not self.device.loopback:
            raise al.OpenALError("render() needs the loopback device")
        rate = RATE
        total = round(seconds * rate)
        out = np.zeros((total, 2), dtype=np.float32)
        done = 0
        while done < total:
            n = min(block, total - done)
            self.step(n / rate)
            self.wait_loaded()
            self.step(0.0)  # start what just finished loading, before it is mixed
            out[done : done + n] = self.device.render(n)
            done += n
        return out

    def close(self) -> None:
        self.device.use()
        for voice in list(self.voices):
            if voice.loading is not None:
                voice.loading.cancel()
            self._delete(voice)
        if self._loader is not None:
            self._loader.shutdown(wait=False, cancel_futures=True)
        self.device.close()


def _clamp(value: float, bounds: tuple[float, float]) -> float:
    return min(bounds[1], max(bounds[0], value))


class AudioThread:
    """Runs the engine's control tick every few milliseconds until stopped."""

    def __init__(
        self,
        engine: AudioEngine,
        period_s: float = CONTROL_PERIOD_S,
        before_step: Callable[[], None] | None = None,
    ) -> None:
        self.engine = engine
        self.before_step = before_step  # e.g. follow the session's latest snapshot
        self.period_s = period_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="audio", daemon=True)
        self.cpu_seconds = 0.0
        self.ticks = 0
        self.late_ticks = 0  # ticks that took longer than the period

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        last = time.perf_counter()
        while not self._stop.is_set():
            now = time.perf_counter()
            cpu = time.thread_time()
            try:
                if self.before_step is not None:
                    self.before_step()
                self.engine.step(now - last)
            except Exception:  # the session must go on even if a sound misbehaves
                log.exception("audio control tick failed")
            self.cpu_seconds += time.thread_time() - cpu
            self.ticks += 1
            if time.perf_counter() - now > self.period_s:
                self.late_ticks += 1
            last = now
            self._stop.wait(self.period_s)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()


def open_output(name: str | None, warn: Callable[[str], None]) -> tuple[AudioEngine | None, str]:
    """An engine on the named output device (None: the system's default).

    Without a usable device, ``(None, reason)``: the caller warns once and the session
    runs silently.
    """
    try:
        device = al.open_device(name)
    except al.OpenALError as exc:
        return None, str(exc)
    return AudioEngine(device, warn), device.name


def open_offline(
    warn: Callable[[str], None] | None = None, synchronous_loading: bool = True
) -> AudioEngine:
    """An engine on the loopback device: renders into memory with no sound card.

    Sounds load synchronously by default (what is rendered then does not depend on
    how fast the machine is); the benchmark loads them on a thread, as ``run`` does.
    """
    device = al.open_loopback(RATE)
    return AudioEngine(
        device, warn or (lambda message: log.warning("%s", message)), synchronous_loading
    )
