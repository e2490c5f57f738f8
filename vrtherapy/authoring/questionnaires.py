"""Questionnaires with public scoring that every session uses.

Simulator Sickness Questionnaire (Kennedy et al. 1993): 16 symptoms rated
0 (none) to 3 (severe). Nausea = items 1, 6, 7, 8, 9, 15, 16; Oculomotor =
1–5, 9, 11; Disorientation = 5, 8, 10–14 (1-based; item 8, nausea, counts on
both N and D, so each subscale has seven items). Weighted: N × 9.54,
O × 7.58, D × 13.92, Total = (N + O + D) × 3.74; the maxima are N 200.34,
O 159.18, D 292.32 and Total 235.62.

Records store the answers, never the scores: every report scores the stored
answers with :func:`score_ssq`, so a correction here applies to old records too
without rewriting them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

SSQ_ITEMS: tuple[str, ...] = (
    "General discomfort",
    "Fatigue",
    "Headache",
    "Eye strain",
    "Difficulty focusing",
    "Increased salivation",
    "Sweating",
    "Nausea",
    "Difficulty concentrating",
    "Fullness of head",
    "Blurred vision",
    "Dizzy (eyes open)",
    "Dizzy (eyes closed)",
    "Vertigo",
    "Stomach awareness",
    "Burping",
)
SSQ_LEVELS: tuple[str, ...] = ("none", "slight", "moderate", "severe")
_NAUSEA = (1, 6, 7, 8, 9, 15, 16)
_OCULOMOTOR = (1, 2, 3, 4, 5, 9, 11)
_DISORIENTATION = (5, 8, 10, 11, 12, 13, 14)


@dataclass(frozen=True)
class SsqScores:
    nausea: float
    oculomotor: float
    disorientation: float
    total: float


class QuestionnaireError(ValueError):
    """Answers that do not fit the questionnaire."""


def ssq_item_key(number: int) -> str:
    """Answers are keyed 'item1' … 'item16'."""
    return f"item{number}"


def score_ssq(answers: Mapping[str, float]) -> SsqScores:
    """Weighted SSQ subscale and total scores from 16 answers of 0–3."""
    values: dict[int, float] = {}
    for n in range(1, len(SSQ_ITEMS) + 1):
        key = ssq_item_key(n)
        if key not in answers:
            raise QuestionnaireError(f"SSQ item {n} ({SSQ_ITEMS[n - 1]}) is not answered")
        v = float(answers[key])
        if v not in (0.0, 1.0, 2.0, 3.0):
            raise QuestionnaireError(f"SSQ item {n} must be 0, 1, 2 or 3, got {v:g}")
        values[n] = v
    n_raw = sum(values[i] for i in _NAUSEA)
    o_raw = sum(values[i] for i in _OCULOMOTOR)
    d_raw = sum(values[i] for i in _DISORIENTATION)
    return SsqScores(
        nausea=round(n_raw * 9.54, 2),
        oculomotor=round(o_raw * 7.58, 2),
        disorientation=round(d_raw * 13.92, 2),
        total=round((n_raw + o_raw + d_raw) * 3.74, 2),
    )
