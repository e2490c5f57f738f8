"""The questionnaire format (``questionnaires/*.yaml``): items, response scales,
reverse-keyed items, weighted subscales, ranges, published cut-offs and the
instrument's rule for missing answers.

A definition is checked against itself when loaded: every score's declared
range must follow from its items, scale and weight, so a typo in a scoring key
shows up as a located problem instead of a wrong number in a report.
Scoring (:func:`score_answers`) is a pure function of a definition and answers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from vrtherapy.authoring.common import Model, Name
from vrtherapy.authoring.errors import AuthoringError, Problem
from vrtherapy.authoring.validation import did_you_mean, validate
from vrtherapy.authoring.yamlsource import DataPath, Document, SourceMap, read_yaml


class ResponseScale(Model):
    """Whole-number answers from ``min`` to ``max``; ``labels`` name each answer in order."""

    min: int
    max: int
    labels: list[str] | None = None


class Item(Model):
    id: Name
    text: str | None = None  # None where the licence does not allow shipping the wording
    scale: Name = "default"
    reverse: bool = False  # scored as min + max − answer


class Cutoff(Model):
    """A published threshold: a score at or above ``at`` means ``label``."""

    at: float
    label: str
    source: str


class Norm(Model):
    """A published reference group's mean and standard deviation."""

    label: str
    mean: float
    sd: Annotated[float, Field(gt=0)]
    source: str


class Score(Model):
    """A subscale or total: ``weight`` × (sum or mean) of its items, or of other scores' sums."""

    id: Name
    title: str
    items: list[Name] = []
    scores: list[Name] = []
    method: Literal["sum", "mean"] = "sum"
    weight: Annotated[float, Field(gt=0)] = 1.0
    range: Annotated[list[float], Field(min_length=2, max_length=2)]
    cutoffs: list[Cutoff] = []
    norms: list[Norm] = []


class QuestionnaireSpec(Model):
    """A validated questionnaire definition. Build one with :func:`load_questionnaire`."""

    id: Name  # the key answers are recorded under, e.g. 'ssq'
    title: str
    abbreviation: str
    citation: str
    licence: str
    # 'complete': no score unless every item is answered; 'per_score': each score
    # is computed when all of its own items are answered.
    incomplete: Literal["complete", "per_score"]
    incomplete_rule: str  # why, citing the instrument where it says
    scale: ResponseScale
    scales: dict[Name, ResponseScale] = {}
    items: Annotated[list[Item], Field(min_length=1)]
    scores: Annotated[list[Score], Field(min_length=1)]

    def response_scale(self, item: Item) -> ResponseScale:
        return self.scale if item.scale == "default" else self.scales[item.scale]

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def score(self, score_id: str) -> Score:
        for s in self.scores:
            if s.id == score_id:
                return s
        raise KeyError(score_id)

    def score_items(self, score: Score) -> list[str]:
        """The items a score depends on, with repeats where a total counts an item twice."""
        if score.items:
            return list(score.items)
        out: list[str] = []
        for ref in score.scores:
            out.extend(self.score_items(self.score(ref)))
        return out


class QuestionnaireError(ValueError):
    """Answers that do not fit the questionnaire."""


def _computed_range(spec: QuestionnaireSpec, score: Score) -> tuple[float, float]:
    items = [spec.item(i) for i in spec.score_items(score)]
    lo: float = sum(spec.response_scale(i).min for i in items)
    hi: float = sum(spec.response_scale(i).max for i in items)
    if score.method == "mean":
        lo, hi = lo / len(items), hi / len(items)
    return round(lo * score.weight, 2), round(hi * score.weight, 2)


def check_questionnaire(spec: QuestionnaireSpec, source: SourceMap) -> list[Problem]:
    """Rules across the file: references exist, ranges follow from items and weights."""
    problems: list[Problem] = []
    scale_names = {"default", *spec.scales}
    located: list[tuple[DataPath, ResponseScale]] = [(("scale",), spec.scale)]
    located += [(("scales", n), s) for n, s in spec.scales.items()]
    for path, sc in located:
        if sc.max <= sc.min:
            problems.append(source.problem(path, f"max {sc.max} must be above min {sc.min}"))
        elif sc.labels is not None and len(sc.labels) != sc.max - sc.min + 1:
            problems.append(
                source.problem(
                    (*path, "labels"),
                    f"{len(sc.labels)} labels for {sc.max - sc.min + 1} answers "
                    f"({sc.min}–{sc.max})",
                    "give one label per answer, lowest first",
                )
            )
    item_ids: set[str] = set()
    for i, item in enumerate(spec.items):
        if item.id in item_ids:
            problems.append(source.problem(("items", i, "id"), f"duplicate item id '{item.id}'"))
        item_ids.add(item.id)
        if item.scale not in scale_names:
            problems.append(
                source.problem(
                    ("items", i, "scale"),
                    f"unknown response scale '{item.scale}'",
                    did_you_mean(item.scale, scale_names, "scales"),
                )
            )
    if problems:
        return problems
    earlier: set[str] = set()
    for i, score in enumerate(spec.scores):
        where = ("scores", i)
        if score.id in earlier:
            problems.append(source.problem((*where, "id"), f"duplicate score id '{score.id}'"))
            continue
        if bool(score.items) == bool(score.scores):
            problems.append(
                source.problem(
                    where,
                    f"score '{score.id}' needs exactly one of 'items' or 'scores'",
                    "list the items it adds up, or the earlier scores whose sums it adds",
                )
            )
            earlier.add(score.id)
            continue
        bad = False
        for j, ref in enumerate(score.items):
            if ref not in item_ids:
                bad = True
                problems.append(
                    source.problem(
                        (*where, "items", j),
                        f"unknown item '{ref}'",
                        did_you_mean(ref, item_ids, "items"),
                    )
                )
        for j, ref in enumerate(score.scores):
            if ref not in earlier:
                bad = True
                problems.append(
                    source.problem(
                        (*where, "scores", j),
                        f"'{ref}' is not a score defined above this one",
                        did_you_mean(ref, earlier, "earlier scores"),
                    )
                )
            elif spec.score(ref).method != "sum":
                bad = True
                problems.append(
                    source.problem((*where, "scores", j), f"score '{ref}' is a mean, not a sum")
                )
        if score.scores and score.method != "sum":
            bad = True
            problems.append(
                source.problem((*where, "method"), "a score made of other scores adds their sums")
            )
        earlier.add(score.id)
        if bad:
            continue
        lo, hi = _computed_range(spec, score)
        if not (math.isclose(score.range[0], lo) and math.isclose(score.range[1], hi)):
            problems.append(
                source.problem(
                    (*where, "range"),
                    f"range [{score.range[0]:g}, {score.range[1]:g}] of '{score.id}' does not "
                    f"follow from its items and weight, which give [{lo:g}, {hi:g}]",
                    "check the items listed, their response scale and the weight",
                )
            )
        for k, cut in enumerate(score.cutoffs):
            if not lo <= cut.at <= hi:
                problems.append(
                    source.problem(
                        (*where, "cutoffs", k, "at"),
                        f"cut-off {cut.at:g} is outside the score's range [{lo:g}, {hi:g}]",
                    )
                )
    return problems


def questionnaire_from_document(doc: Document) -> QuestionnaireSpec:
    spec, problems = validate(QuestionnaireSpec, doc)
    if spec is not None:
        problems = problems + check_questionnaire(spec, doc.source)
    if problems or spec is None:
        raise AuthoringError(problems)
    return spec


def load_questionnaire(path: Path, display: str | None = None) -> QuestionnaireSpec:
    """Load and validate one questionnaire file; problems raise AuthoringError."""
    return questionnaire_from_document(read_yaml(path, display))


def is_questionnaire(doc: Document, path: Path | None = None) -> bool:
    """A file with items and scores, or any file in a folder named for questionnaires."""
    if isinstance(doc.data, dict) and ("scores" in doc.data or "incomplete" in doc.data):
        return True
    return path is not None and "questionnaire" in path.parent.name


# --- scoring -------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreResult:
    id: str
    title: str
    value: float | None  # None: not scored (see ``missing``)
    range: tuple[float, float]
    missing: tuple[str, ...]  # items of this score that were not answered
    reached: tuple[Cutoff, ...]  # published cut-offs the value reaches

    @property
    def scored(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class QuestionnaireScores:
    questionnaire: str
    scores: tuple[ScoreResult, ...]
    answered: int
    items: int
    not_scored_reason: str | None  # set when the instrument's rule refuses incomplete answers

    def value(self, score_id: str) -> float | None:
        for s in self.scores:
            if s.id == score_id:
                return s.value
        raise KeyError(score_id)


def check_answers(spec: QuestionnaireSpec, answers: Mapping[str, float]) -> dict[str, float]:
    """Answers as floats; unknown items and values off the scale raise QuestionnaireError."""
    known = {i.id: i for i in spec.items}
    out: dict[str, float] = {}
    for key, raw in answers.items():
        item = known.get(key)
        if item is None:
            raise QuestionnaireError(
                f"{spec.abbreviation} has no item '{key}'; " + did_you_mean(key, known, "its items")
            )
        value = float(raw)
        sc = spec.response_scale(item)
        if not value.is_integer() or not sc.min <= value <= sc.max:
            raise QuestionnaireError(
                f"{spec.abbreviation} {item.id} must be a whole number from {sc.min} to "
                f"{sc.max}, got {value:g}"
            )
        out[key] = value
    return out


def score_answers(spec: QuestionnaireSpec, answers: Mapping[str, float]) -> QuestionnaireScores:
    """Every score of the questionnaire, following its rule for missing answers."""
    given = check_answers(spec, answers)
    missing_all = [i.id for i in spec.items if i.id not in given]
    refuse = spec.incomplete == "complete" and bool(missing_all)
    keyed: dict[str, float] = {}
    for item in spec.items:
        if item.id in given:
            sc = spec.response_scale(item)
            v = given[item.id]
            keyed[item.id] = sc.min + sc.max - v if item.reverse else v
    results: list[ScoreResult] = []
    for score in spec.scores:
        refs = spec.score_items(score)
        missing = tuple(dict.fromkeys(r for r in refs if r not in keyed))
        value: float | None = None
        if not refuse and not missing:
            raw = sum(keyed[r] for r in refs)
            if score.method == "mean":
                raw /= len(refs)
            value = round(raw * score.weight, 2)
        reached = tuple(c for c in score.cutoffs if value is not None and value >= c.at)
        results.append(
            ScoreResult(
                score.id,
                score.title,
                value,
                (score.range[0], score.range[1]),
                missing,
                reached,
            )
        )
    reason = None
    if refuse:
        reason = (
            f"{len(missing_all)} of {len(spec.items)} items unanswered "
            f"({', '.join(missing_all[:5])}{'…' if len(missing_all) > 5 else ''}); "
            f"{spec.incomplete_rule}"
        )
    return QuestionnaireScores(spec.id, tuple(results), len(given), len(spec.items), reason)
