"""The stock questionnaires (``questionnaires/*.yaml``) and the SSQ every session uses.

The YAML definitions are the single source of items, keys, weights and ranges;
this module loads them once and keeps the SSQ helpers the session and the
console use. Simulator Sickness Questionnaire (Kennedy et al. 1993): 16
symptoms rated 0 (none) to 3 (severe); item 8 (nausea) counts on Nausea and
Disorientation; see ``questionnaires/ssq.yaml``.

Records store the answers, never the scores: every report scores the stored
answers with the current definitions, so a correction applies to old records
too without rewriting them.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vrtherapy.authoring.errors import AuthoringError, Problem
from vrtherapy.authoring.library import display_path, yaml_files
from vrtherapy.authoring.questionnaire import (
    QuestionnaireError,
    QuestionnaireScores,
    QuestionnaireSpec,
    questionnaire_from_document,
    score_answers,
)
from vrtherapy.authoring.stock import questionnaires_dir
from vrtherapy.authoring.yamlsource import read_yaml

__all__ = [
    "QuestionnaireError",
    "SsqScores",
    "known_questionnaires",
    "questionnaire",
    "questionnaire_folders",
    "score_questionnaire",
    "score_ssq",
    "ssq_item_key",
    "stock_questionnaires",
]


# What a clinic's copy of a stock questionnaire may change: wording, not scoring.
_WORDING: Any = {
    "title": True,
    "licence": True,
    "items": {"__all__": {"text"}},
    "scale": {"labels"},
    "scales": {"__all__": {"labels"}},
}


def questionnaire_folders() -> tuple[Path, ...]:
    """The stock folder, then the clinic's folders from $VRTHERAPY_QUESTIONNAIRES
    (separated like PATH); a later definition with the same id replaces an earlier one."""
    extra = os.environ.get("VRTHERAPY_QUESTIONNAIRES", "")
    return (questionnaires_dir(), *(Path(p) for p in extra.split(os.pathsep) if p))


@functools.cache
def _load(folders: tuple[Path, ...]) -> dict[str, QuestionnaireSpec]:
    out: dict[str, QuestionnaireSpec] = {}
    problems: list[Problem] = []
    for n, folder in enumerate(folders):
        for path in yaml_files([folder]):
            shown = display_path(path)
            try:
                doc = read_yaml(path, shown)
                spec = questionnaire_from_document(doc)
            except AuthoringError as exc:
                problems.extend(exc.problems)
                continue
            earlier = out.get(spec.id)
            if (
                n > 0
                and earlier is not None
                and (earlier.model_dump(exclude=_WORDING) != spec.model_dump(exclude=_WORDING))
            ):
                problems.append(
                    doc.source.problem(
                        ("id",),
                        f"this copy of '{spec.id}' changes its scoring (items, keys, scales, "
                        "scores or the rule for missing answers)",
                        "a clinic's copy may add item texts and labels only; give a different "
                        "instrument its own id",
                    )
                )
                continue
            out[spec.id] = spec
    if problems:
        raise AuthoringError(problems)
    return out


def stock_questionnaires() -> dict[str, QuestionnaireSpec]:
    """The questionnaires shipped with vrtherapy, by id."""
    return _load((questionnaires_dir(),))


def known_questionnaires() -> dict[str, QuestionnaireSpec]:
    """The stock questionnaires with the clinic's copies (item texts) and additions."""
    return _load(questionnaire_folders())


def questionnaire(questionnaire_id: str) -> QuestionnaireSpec:
    """A known questionnaire; answers recorded as 'ssq_post' etc. use the part before '_'."""
    known = known_questionnaires()
    spec = known.get(questionnaire_id) or known.get(questionnaire_id.split("_", 1)[0])
    if spec is None:
        raise KeyError(f"no questionnaire '{questionnaire_id}'; known: {', '.join(sorted(known))}")
    return spec


def score_questionnaire(questionnaire_id: str, answers: Mapping[str, float]) -> QuestionnaireScores:
    return score_answers(questionnaire(questionnaire_id), answers)


def _ssq() -> QuestionnaireSpec:
    return questionnaire("ssq")


def __getattr__(name: str) -> tuple[str, ...]:
    """``SSQ_ITEMS`` and ``SSQ_LEVELS``, read from the questionnaire files when first asked
    for (not when this module is imported: `vrtherapy --help` does not need them)."""
    if name == "SSQ_ITEMS":
        return tuple(i.text or i.id for i in _ssq().items)
    if name == "SSQ_LEVELS":
        return tuple(_ssq().scale.labels or ())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
