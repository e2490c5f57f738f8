"""SSQ scoring follows Kennedy et al. (1993)."""

from __future__ import annotations

import pytest

from vrtherapy.authoring.questionnaires import QuestionnaireError, score_ssq, ssq_item_key


def answers(**items: float) -> dict[str, float]:
    base = {ssq_item_key(n): 0.0 for n in range(1, 17)}
    base.update({k: float(v) for k, v in items.items()})
    return base


def test_all_none_scores_zero() -> None:
    s = score_ssq(answers())
    assert (s.nausea, s.oculomotor, s.disorientation, s.total) == (0, 0, 0, 0)


def test_general_discomfort_counts_for_nausea_and_oculomotor() -> None:
    s = score_ssq(answers(item1=1))
    assert s.nausea == 9.54 and s.oculomotor == 7.58 and s.disorientation == 0
    assert s.total == pytest.approx(2 * 3.74)


def test_all_severe_gives_the_maximum() -> None:
    s = score_ssq({ssq_item_key(n): 3 for n in range(1, 17)})
    assert s.nausea == pytest.approx(21 * 9.54)
    assert s.oculomotor == pytest.approx(21 * 7.58)
    assert s.disorientation == pytest.approx(18 * 13.92)
    assert s.total == pytest.approx(60 * 3.74)


def test_bad_answers_are_refused() -> None:
    with pytest.raises(QuestionnaireError, match="item 3"):
        score_ssq({k: v for k, v in answers().items() if k != "item3"})
    with pytest.raises(QuestionnaireError, match="0, 1, 2 or 3"):
        score_ssq(answers(item2=5))
