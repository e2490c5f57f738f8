"""The stock questionnaires (``questionnaires/*.yaml``) and the SSQ every session uses.

The YAML definitions are the single source of items, keys, weights and ranges;
this module loads them once and keeps the SSQ helpers the session and the
console use. Simulator Sickness Questionnaire (Kennedy et al. 1993): 16
symptoms rated 0 (none) to 3 (severe); see ``questionnaires/ssq.yaml``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from vrtherapy.authoring.errors import AuthoringError, Problem
from vrtherapy.authoring.library import display_path, yaml_files
from vrtherapy.authoring.questionnaire import (
    QuestionnaireError,
    QuestionnaireScores,
    QuestionnaireSpec,
    load_questionnaire,
    score_answers,
)
from vrtherapy.authoring.stock import questionnaires_dir

__all__ = [
    "SSQ_ITEMS",
    "SSQ_LEVELS",
    "QuestionnaireError",
    "SsqScores",
    "questionnaire",
    "score_questionnaire",
    "score_ssq",
    "ssq_item_key",
    "stock_questionnaires",
]


@functools.cache
def stock_questionnaires() -> dict[str, QuestionnaireSpec]:
    """Every stock questionnaire by id; a broken stock file raises AuthoringError."""
    out: dict[str, QuestionnaireSpec] = {}
    problems: list[Problem] = []
    for path in yaml_files([questionnaires_dir()]):
        try:
            spec = load_questionnaire(path, display_path(path))
        except AuthoringError as exc:
            problems.extend(exc.problems)
            continue
        out[spec.id] = spec
    if problems:
        raise AuthoringError(problems)
    return out


def questionnaire(questionnaire_id: str) -> QuestionnaireSpec:
    """A stock questionnaire; answers recorded as 'ssq_post' etc. use the part before '_'."""
    known = stock_questionnaires()
    spec = known.get(questionnaire_id) or known.get(questionnaire_id.split("_", 1)[0])
    if spec is None:
        raise KeyError(f"no questionnaire '{questionnaire_id}'; known: {', '.join(sorted(known))}")
    return spec


def score_questionnaire(questionnaire_id: str, answers: Mapping[str, float]) -> QuestionnaireScores:
    return score_answers(questionnaire(questionnaire_id), answers)


def _ssq() -> QuestionnaireSpec:
    return questionnaire("ssq")


SSQ_ITEMS: tuple[str, ...] = tuple(i.text or i.id for i in _ssq().items)
SSQ_LEVELS: tuple[str, ...] = tuple(_ssq().scale.labels or ())


@dataclass(frozen=True)
class SsqScores:
    nausea: float
    oculomotor: float
    disorientation: float
    total: float


def ssq_item_key(number: int) -> str:
    """Answers are keyed 'item1' … 'item16'."""
    return f"item{number}"


def score_ssq(answers: Mapping[str, float]) -> SsqScores:
    """Weighted SSQ subscale and total scores; raises QuestionnaireError unless complete."""
    scores = score_answers(_ssq(), answers)
    if scores.not_scored_reason is not None:
        raise QuestionnaireError(f"SSQ not scored: {scores.not_scored_reason}")
    values = {s.id: s.value for s in scores.scores}
    n, o, d, t = (values[k] for k in ("nausea", "oculomotor", "disorientation", "total"))
    assert n is not None and o is not None and d is not None and t is not None
    return SsqScores(nausea=n, oculomotor=o, disorientation=d, total=t)
