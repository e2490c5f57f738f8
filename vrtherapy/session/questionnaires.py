"""The questionnaires a session records, as forms: what the console shows and what
an answer may contain. The scoring lives with the definitions in authoring."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from vrtherapy.authoring.questionnaires import SSQ_ITEMS, SSQ_LEVELS, ssq_item_key


@dataclass(frozen=True)
class QuestionnaireForm:
    id: str
    title: str
    items: tuple[str, ...]  # what each item asks, in order
    keys: tuple[str, ...]  # the answer's key for each item
    levels: tuple[str, ...]  # the answer to an item is the index of its level

    def problem(self, answers: Mapping[str, object]) -> str | None:
        """Why these answers do not fit the form (None when they do): every item
        answered once with one of its levels, nothing else."""
        unknown = sorted(set(answers) - set(self.keys))
        if unknown:
            return f"{self.id}: unknown item(s) {', '.join(unknown[:5])}"
        for key, item in zip(self.keys, self.items, strict=True):
            if key not in answers:
                return f"{self.id}: '{item}' ({key}) is not answered"
            value = answers[key]
            allowed = range(len(self.levels))
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or value not in allowed
            ):
                return (
                    f"{self.id}: '{item}' ({key}) must be one of "
                    f"{', '.join(str(i) for i in allowed)}"
                )
        return None


FORMS: dict[str, QuestionnaireForm] = {
    "ssq": QuestionnaireForm(
        "ssq",
        "Simulator Sickness Questionnaire",
        SSQ_ITEMS,
        tuple(ssq_item_key(n) for n in range(1, len(SSQ_ITEMS) + 1)),
        SSQ_LEVELS,
    )
}
