"""Sounds the engine makes itself, in numpy: loops (wind, rain, room tone, engine hum,
ventilation, murmur, traffic, waves, jet engine, crockery) and one-shots (gust, chime,
applause, a question, an announcement, rustle).

Each is a pure function of (seconds, rate, seed): the same call gives the same
samples. Loops are made seamless by cross-fading their tail into their head, so a
looping source never clicks at the seam. Noise is shaped in the frequency domain
(one FFT per sound), which is cheap enough to run when a scene first needs it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
RATE = 48_000


def _noise(n: int, rng: np.random.Generator, shape: Callable[[F64], F64]) -> F64:
    """White noise of length n, coloured by ``shape(frequencies in Hz)`` (amplitude)."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs: F64 = np.fft.rfftfreq(n, 1.0 / RATE).astype(np.float64)
    out: F64 = np.fft.irfft(spectrum * shape(freqs), n)
    return out


def _slow(n: int, rng: np.random.Generator, cutoff_hz: float) -> F64:
    """A slowly varying random envelope in 0..1: noise low-passed far below audio,
    made at 100 Hz and interpolated (the cut-offs used are a few hertz at most)."""
    step = RATE // 100
    m = n // step + 2
    coarse = np.fft.irfft(
        np.fft.rfft(rng.standard_normal(m))
        * np.exp(-((np.fft.rfftfreq(m, 1.0 / 100) / cutoff_hz) ** 2)),
        m,
    )
    env: F64 = np.interp(np.arange(n) / step, np.arange(m), coarse)
    env -= env.min()
    peak = env.max()
    return env / peak if peak > 0 else env


def _smooth(x: F64, width: int) -> F64:
    """Moving average over ``width`` samples (softens the edges of words)."""
    c = np.concatenate([[0.0], np.cumsum(x)])
    out: F64 = np.empty_like(x)
    half = width // 2
    hi = np.minimum(np.arange(len(x)) + half, len(x))
    lo = np.maximum(np.arange(len(x)) - half, 0)
    out[:] = (c[hi] - c[lo]) / width
    return out


def _band(lo: float, hi: float, slope: float = 0.0) -> Callable[[F64], F64]:
    def shape(f: F64) -> F64:
        f = np.maximum(f, 1.0)
        gain: F64 = 1.0 / np.sqrt(1 + (lo / f) ** 4) / np.sqrt(1 + (f / hi) ** 4)
        return gain * f**-slope

    return shape


def _normalise(x: F64, peak: float) -> F64:
    m = float(np.max(np.abs(x)))
    return x * (peak / m) if m > 0 else x


def _seamless(x: F64, fade_s: float = 0.5) -> F64:
    """Cross-fade the last ``fade_s`` into the first, so the loop has no seam."""
    k = min(int(fade_s * RATE), len(x) // 4)
    if k <= 0:
        return x
    ramp = np.sin(np.linspace(0, np.pi / 2, k)) ** 2
    if x.ndim == 2:
        ramp = ramp[:, None]
    head = x[:k] * ramp + x[-k:] * (1 - ramp)
    out: F64 = np.concatenate([head, x[k:-k]])
    return out


def _stereo(
    n: int, rng: np.random.Generator, make: Callable[[int, np.random.Generator], F64]
) -> F64:
    """Two decorrelated takes of one sound: a wide, enveloping bed."""
    return np.stack([make(n, rng), make(n, rng)], axis=1)


def wind(seconds: float, seed: int = 1) -> F64:
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)

    def take(n: int, rng: np.random.Generator) -> F64:
        body = _noise(n, rng, _band(60, 900, 0.6))
        whistle = _noise(n, rng, lambda f: np.exp(-(((f - 420) / 60) ** 2)))
        gusts = 0.35 + 0.65 * _slow(n, rng, 0.25)
        return (body + 0.3 * whistle * gusts) * gusts

    return _normalise(_seamless(_stereo(n, rng, take)), 0.7)


def gust(seconds: float = 3.0, seed: int = 2) -> F64:
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    t = np.linspace(0, 1, n)
    env = np.sin(np.pi * t) ** 2 * (1 - 0.3 * t)
    take = lambda n, rng: _noise(n, rng, _band(80, 1500, 0.4)) * env  # noqa: E731
    return _normalise(_stereo(n, rng, take), 0.9)


def rain(seconds: float, seed: int = 3) -> F64:
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)

    def take(n: int, rng: np.random.Generator) -> F64:
        hiss = _noise(n, rng, _band(400, 9000, 0.2))
        drops = np.zeros(n)
        at = rng.integers(0, n - 400, size=int(seconds * 180))
        decay = np.exp(-np.arange(400) / 40.0) * np.sin(np.arange(400) * 0.9)
        for i in at:
            drops[i : i + 400] += decay * rng.uniform(0.2, 1.0)
        return hiss + 0.6 * _normalise(drops, float(np.std(hiss)) * 4)

    return _normalise(_seamless(_stereo(n, rng, take)), 0.6)


def room_tone(seconds: float, seed: int = 4) -> F64:
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    take = lambda n, rng: _noise(n, rng, _band(30, 400, 1.0))  # noqa: E731
    return _normalise(_seamless(_stereo(n, rng, take)), 0.4)


def engine_hum(seconds: float, seed: int = 5) -> F64:
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    wobble = 1 + 0.01 * (_slow(n, rng, 0.3) - 0.5)
    phase = 2 * np.pi * 95 * np.cumsum(wobble) / RATE
    tone = sum(np.sin(k * phase) / k for k in (1, 2, 3, 4, 6))
    rumble = _noise(n, rng, _band(40, 300, 0.8))
    hum = 0.6 * tone + rumble * 0.8 + 0.05 * np.sin(2 * np.pi * 0.5 * t)
    return _normalise(_seamless(hum), 0.7)


def ventilation(seconds: float, seed: int = 6) -> F64:
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    air = _noise(n, rng, _band(150, 3000, 0.5))
    fan = 0.15 * np.sin(2 * np.pi * 120 * t) + 0.08 * np.sin(2 * np.pi * 240 * t)
    return _normalise(_seamless(air + fan * float(np.std(air)) * 4), 0.5)


def murmur(seconds: float, seed: int = 7, voices: int = 14) -> F64:
    """Many distant voices: each a glottal pulse train with a wandering pitch, in
    syllables whose vowel (formants) changes, with pauses between phrases. Scenes
    hear :func:`vrtherapy.audio.crowd.murmur` (espeak-ng voices); this is its
    fallback where espeak-ng is not installed.

    Filtering is linear, so the voices' pulses are summed per vowel and each vowel's
    formant filter runs once over its sum (six FFTs however many voices talk).
    """
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    vowels = [(730, 1090), (270, 2290), (300, 870), (530, 1840), (640, 1190), (490, 1350)]
    per_vowel = np.zeros((len(vowels), n))
    index = np.arange(n)
    for _ in range(voices):
        f0 = rng.uniform(95, 240)
        pitch = f0 * (1 + 0.08 * (_slow(n, rng, 2.0) - 0.5))
        pulse = np.sign(np.sin(2 * np.pi * np.cumsum(pitch) / RATE)) * 0.5
        syllable = int(RATE * rng.uniform(0.14, 0.22))
        vowel_of = rng.integers(len(vowels), size=n // syllable + 1)[index // syllable]
        words = np.sin(2 * np.pi * index / syllable + rng.uniform(0, 6)) > -0.3
        phrases = _slow(n, rng, 0.4) > 0.3
        env = _smooth((words & phrases).astype(float), 800)
        voice = pulse * env * rng.uniform(0.4, 1.0)
        for v in range(len(vowels)):
            per_vowel[v] += np.where(vowel_of == v, voice, 0.0)
    freqs = np.fft.rfftfreq(n, 1.0 / RATE)
    out = np.zeros(n)
    for v, (f1, f2) in enumerate(vowels):
        shape = np.exp(-(((freqs - f1) / 90) ** 2)) + 0.6 * np.exp(-(((freqs - f2) / 120) ** 2))
        out += np.fft.irfft(np.fft.rfft(per_vowel[v]) * shape, n)
    return _normalise(_seamless(out), 0.6)


def traffic(seconds: float, seed: int = 8) -> F64:
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    rumble = _noise(n, rng, _band(30, 700, 0.9))
    swells = 0.4 + 0.6 * _slow(n, rng, 0.15)
    tyres = _noise(n, rng, _band(500, 3000, 0.3)) * _slow(n, rng, 0.3)
    return _normalise(_seamless(rumble * swells + 0.3 * tyres), 0.7)


def waves(seconds: float, seed: int = 9) -> F64:
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    swell = (0.5 + 0.5 * np.sin(2 * np.pi * t / 7.0 + rng.uniform(0, 6))) ** 3
    surf = _noise(n, rng, _band(100, 2500, 0.7))
    return _normalise(_seamless(surf * (0.15 + swell)), 0.6)


def chime(seconds: float = 3.0, seed: int = 10) -> F64:
    t = np.arange(int(seconds * RATE)) / RATE
    partials = ((523.25, 1.0), (1046.5, 0.4), (1569.8, 0.2), (2637.0, 0.08))
    tone = sum(a * np.sin(2 * np.pi * f * t) * np.exp(-t * (1.2 + f / 900)) for f, a in partials)
    attack = np.minimum(1.0, t / 0.005)
    return _normalise(tone * attack, 0.6)


def jet_engine(seconds: float, seed: int = 11) -> F64:
    """Turbofans heard from the cabin: a broad roar with a fan whine and its harmonic."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    t = np.arange(n) / RATE

    def take(n: int, rng: np.random.Generator) -> F64:
        roar = _noise(n, rng, _band(40, 1200, 0.7))
        swell = 0.85 + 0.15 * _slow(n, rng, 0.2)
        return roar * swell

    whine = 0.05 * np.sin(2 * np.pi * 2150 * t) + 0.03 * np.sin(2 * np.pi * 4300 * t)
    bed = _stereo(n, rng, take)
    bed += (whine * float(np.std(bed)) * 6)[:, None]
    return _normalise(_seamless(bed), 0.75)


def applause(seconds: float = 6.0, seed: int = 12, hands: int = 40) -> F64:
    """A room applauding: many people's claps (short noise bursts at 3-5 a second),
    swelling in and dying away."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    t = np.linspace(0, 1, n)
    clap_len = int(0.012 * RATE)
    clap = _noise(clap_len, rng, _band(600, 6000, 0.3)) * np.exp(-np.arange(clap_len) / 90.0)
    out = np.zeros((n, 2))
    for _ in range(hands):
        rate = rng.uniform(3.0, 5.0)
        start = rng.uniform(0.0, 0.5)
        times = np.arange(start, seconds * rng.uniform(0.75, 0.95), 1.0 / rate)
        times += rng.normal(0, 0.01, size=len(times))
        pan = rng.uniform(0.2, 0.8)
        for at in (times * RATE).astype(int):
            if 0 <= at < n - clap_len:
                g = rng.uniform(0.5, 1.0)
                out[at : at + clap_len, 0] += clap * g * pan
                out[at : at + clap_len, 1] += clap * g * (1 - pan)
    env = np.minimum(1.0, t / 0.08) * np.clip((1.0 - t) / 0.35, 0.0, 1.0)
    return _normalise(out * env[:, None], 0.8)


def _voice(n: int, rng: np.random.Generator, f0: float, rise: bool) -> F64:
    """One unintelligible talker: syllables of changing vowels on a glottal pulse train;
    with ``rise`` the pitch goes up at the end, as in a question."""
    vowels = [(730, 1090), (270, 2290), (300, 870), (530, 1840), (640, 1190), (490, 1350)]
    index = np.arange(n)
    t = index / n
    contour = 1 + 0.06 * (_slow(n, rng, 3.0) - 0.5) - 0.08 * t
    if rise:
        contour += 0.35 * np.clip((t - 0.75) / 0.25, 0, 1) ** 2
    pulse = np.sign(np.sin(2 * np.pi * np.cumsum(f0 * contour) / RATE)) * 0.5
    syllable = int(RATE * 0.17)
    vowel_of = rng.integers(len(vowels), size=n // syllable + 1)[index // syllable]
    words = np.sin(2 * np.pi * index / syllable) > -0.4
    env = _smooth(words.astype(float), 600) * np.clip((1 - t) / 0.03, 0, 1)
    freqs = np.fft.rfftfreq(n, 1.0 / RATE)
    out = np.zeros(n)
    for v, (f1, f2) in enumerate(vowels):
        shape = np.exp(-(((freqs - f1) / 90) ** 2)) + 0.6 * np.exp(-(((freqs - f2) / 120) ** 2))
        out += np.fft.irfft(np.fft.rfft(np.where(vowel_of == v, pulse * env, 0.0)) * shape, n)
    return out


def question(seconds: float = 2.4, seed: int = 13) -> F64:
    """Someone nearby asks the client something: one voice whose pitch rises at the end.
    (The words are the therapist's to say; this is the prosody of being addressed.)"""
    rng = np.random.default_rng(seed)
    return _normalise(_voice(int(seconds * RATE), rng, 180.0, rise=True), 0.7)


def announcement(seconds: float = 7.0, seed: int = 14) -> F64:
    """A public-address announcement: the two-tone chime, then a voice through a
    band-limited loudspeaker."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    ding = sum(
        np.sin(2 * np.pi * f * (t - at)) * np.exp(-(t - at) * 2.5) * (t >= at)
        for f, at in ((659.3, 0.0), (523.3, 0.6))
    )
    talk = np.zeros(n)
    start = int(1.6 * RATE)
    talk[start:] = _voice(n - start, rng, 120.0, rise=False)
    freqs: F64 = np.fft.rfftfreq(n, 1 / RATE).astype(np.float64)
    speaker: F64 = np.fft.irfft(np.fft.rfft(talk) * _band(300, 3400)(freqs), n)
    return _normalise(0.5 * ding + _normalise(speaker, 0.8), 0.7)


def rustle(seconds: float = 1.5, seed: int = 15) -> F64:
    """Paper and clothing: crackly high noise in short irregular bursts."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    crackle = _noise(n, rng, _band(1500, 9000, 0.1))
    bursts = _slow(n, rng, 6.0) ** 3
    return _normalise(crackle * bursts, 0.5)


def crockery(seconds: float, seed: int = 16) -> F64:
    """Cups and plates now and then: short bright clinks at random times (a café or pub
    behind the murmur)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    out = np.zeros(n)
    k = int(0.25 * RATE)
    tt = np.arange(k) / RATE
    for at in rng.integers(0, n - k, size=int(seconds * 0.8)):
        f = rng.uniform(2200, 4200)
        out[at : at + k] += (
            (np.sin(2 * np.pi * f * tt) + 0.5 * np.sin(2 * np.pi * 2.7 * f * tt))
            * np.exp(-tt * 25)
            * rng.uniform(0.3, 1.0)
        )
    return _normalise(_seamless(out), 0.4)


# name -> (maker, seconds, loops)
MAKERS: dict[str, tuple[Callable[..., F64], float]] = {
    "wind": (wind, 20.0),
    "gust": (gust, 3.0),
    "rain": (rain, 12.0),
    "room_tone": (room_tone, 12.0),
    "engine_hum": (engine_hum, 12.0),
    "ventilation": (ventilation, 12.0),
    "murmur": (murmur, 16.0),
    "traffic": (traffic, 20.0),
    "waves": (waves, 21.0),
    "chime": (chime, 3.0),
    "jet_engine": (jet_engine, 16.0),
    "applause": (applause, 6.0),
    "question": (question, 2.4),
    "announcement": (announcement, 7.0),
    "rustle": (rustle, 1.5),
    "crockery": (crockery, 20.0),
}


@lru_cache(maxsize=32)
def synthesise(name: str) -> F32:
    """The samples of one synthesised sound at 48 kHz: (n,) mono or (n, 2) stereo.

    Cached and read-only: every source playing the same sound shares one array.
    """
    maker, seconds = MAKERS[name]
    out = maker(seconds).astype(np.float32)
    out.flags.writeable = False
    return out
