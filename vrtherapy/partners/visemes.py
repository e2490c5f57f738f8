"""Visemes from phoneme timings: the mouth shapes of a line, where the synthesiser says
when each phoneme sounds (Piper voices do; espeak-ng's command line does not, and its
lines follow the amplitude envelope, see :mod:`vrtherapy.partners.lipsync`).

Phonemes (IPA, as espeak-ng's phonemiser writes them for Piper) map to 15 visemes, the
set most face rigs and glTF characters name (silence, PP, FF, TH, DD, kk, CH, SS, nn,
RR, aa, E, ih, oh, ou). Each viseme has a jaw opening; the openness track follows the
targets with the same fast attack and slower release as the envelope follower, so a
mouth shuts on /p b m/ and opens on /a/ at the moment they are heard.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vrtherapy.partners.lipsync import WINDOW_S, MouthTrack, follow

VISEMES = ("sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "ih", "oh", "ou")
# how far the jaw opens for each viseme (0 shut, 1 wide)
OPENING = {
    "sil": 0.0, "PP": 0.0, "FF": 0.12, "TH": 0.2, "DD": 0.3, "kk": 0.35, "CH": 0.3,
    "SS": 0.18, "nn": 0.25, "RR": 0.35, "aa": 1.0, "E": 0.7, "ih": 0.5, "oh": 0.8, "ou": 0.5,
}  # fmt: skip

_OF_PHONEME: dict[str, str] = {}
for _viseme, _phonemes in {
    "PP": "p b m",
    "FF": "f v",
    "TH": "θ ð",
    "DD": "t d ɾ l ɫ",
    "kk": "k ɡ g ŋ h x ʔ",
    "CH": "ʃ ʒ tʃ dʒ j",
    "SS": "s z",
    "nn": "n",
    "RR": "ɹ r ɚ ɝ ʁ",
    "aa": "a ɑ æ ɐ ʌ ɒ",
    "E": "e ɛ ə ɜ",
    "ih": "i ɪ y ʏ ᵻ",
    "oh": "o ɔ ø œ",
    "ou": "u ʊ w ɯ",
}.items():
    for _p in _phonemes.split():
        _OF_PHONEME[_p] = _viseme


def viseme_of(phoneme: str) -> str | None:
    """The viseme a phoneme is seen as; None for marks that only change a neighbour
    (stress ˈ ˌ, length ː), which keep the shape before them. Pauses, punctuation and
    the sentence marks are silence."""
    if phoneme in {"ˈ", "ˌ", "ː", "ˑ", "̃", "̩"}:
        return None
    if not phoneme.strip() or not any(ch.isalpha() for ch in phoneme):
        return "sil"
    if phoneme in _OF_PHONEME:
        return _OF_PHONEME[phoneme]
    return _OF_PHONEME.get(phoneme[0], "ih")  # an unlisted sound: a neutral half-open mouth


def viseme_track(alignments: Sequence[tuple[str, int]], rate: int) -> MouthTrack:
    """The mouth over a line from ``(phoneme, samples it lasts)`` in order, at ``rate`` Hz."""
    total = sum(max(0, int(n)) for _, n in alignments)
    windows = total * 1.0 / rate / WINDOW_S
    n = int(np.ceil(windows)) if total else 0
    codes = np.zeros(n, np.int8)
    start = 0
    shape = "sil"
    for phoneme, samples in alignments:
        seen = viseme_of(phoneme)
        shape = shape if seen is None else seen
        end = start + max(0, int(samples))
        a, b = int(start / rate / WINDOW_S), int(np.ceil(end / rate / WINDOW_S))
        codes[a : min(b, n)] = VISEMES.index(shape)
        start = end
    target = np.array([OPENING[VISEMES[c]] for c in codes], np.float64)
    return MouthTrack(follow(target), codes)
