"""The questionnaires a session records, as forms: what the console shows and what
an answer may contain. The definitions (items, scales, scoring) are the YAML
files loaded by ``vrtherapy.authoring.questionnaires``; the console reads them
from here."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from vrtherapy.authoring.questionnaire import QuestionnaireError, QuestionnaireSpec, check_answers
from vrtherapy.authoring.questionnaires import known_questionnaires


@dataclass(frozen=True)
class QuestionnaireForm:
    id: str
    title: str
    items: tuple[str, ...]  # what each item asks, in order
    keys: tuple[str, ...]  # the answer's key for each item
    levels: tuple[str, ...]  # labels of the answer scale, lowest first
    spec: QuestionnaireSpec

    def problem(self, answers: Mapping[str, float]) -> str | None:
        """Why these answers do not fit the questionnaire (None when they do): known
        items only, each a whole number on its scale, all of them where the
        questionnaire is scored only when complete."""
        try:
            given = check_answers(self.spec, answers)
        except (QuestionnaireError, ValueError, OverflowError) as exc:
            return str(exc)
        missing = [k for k in self.keys if k not in given]
        if missing and self.spec.incomplete == "complete":
            return (
                f"{self.spec.abbreviation}: {len(missing)} item(s) not answered "
                f"({', '.join(missing[:5])}); every item needs an answer"
            )
        return None


def _form(spec: QuestionnaireSpec) -> QuestionnaireForm:
    scale = spec.response_scale(spec.items[0]) if spec.items else None
    levels = tuple(scale.labels or ()) if scale is not None else ()
    return QuestionnaireForm(
        spec.id,
        spec.title,
        tuple(i.text or i.id for i in spec.items),
        tuple(i.id for i in spec.items),
        levels,
        spec,
    )


@functools.cache
def forms() -> dict[str, QuestionnaireForm]:
    """Every known questionnaire's form, by the id answers are recorded under."""
    return {qid: _form(spec) for qid, spec in known_questionnaires().items()}


def form(questionnaire_id: str) -> QuestionnaireForm | None:
    return forms().get(questionnaire_id)
