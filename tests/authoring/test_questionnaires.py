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


def test_all_severe_gives_the_published_maxima() -> None:
    # Kennedy et al. 1993: seven items per subscale, item 8 (nausea) on N and D
    s = score_ssq({ssq_item_key(n): 3 for n in range(1, 17)})
    assert s.nausea == 200.34
    assert s.oculomotor == 159.18
    assert s.disorientation == 292.32
    assert s.total == 235.62


def test_nausea_item_counts_on_nausea_and_disorientation() -> None:
    s = score_ssq(answers(item8=1))
    assert s.nausea == 9.54 and s.oculomotor == 0 and s.disorientation == 13.92
    assert s.total == pytest.approx(2 * 3.74)


def test_mixed_answers_match_a_hand_computed_score() -> None:
    # general discomfort 1 (N, O), difficulty focusing 2 (O, D), nausea 3 (N, D),
    # fullness of head 1 (D), stomach awareness 2 (N):
    # N raw 1+3+2 = 6, O raw 1+2 = 3, D raw 2+3+1 = 6
    s = score_ssq(answers(item1=1, item5=2, item8=3, item10=1, item15=2))
    assert s.nausea == 57.24  # 6 x 9.54
    assert s.oculomotor == 22.74  # 3 x 7.58
    assert s.disorientation == 83.52  # 6 x 13.92
    assert s.total == 56.1  # (6 + 3 + 6) x 3.74


def test_bad_answers_are_refused() -> None:
    with pytest.raises(QuestionnaireError, match="item 3"):
        score_ssq({k: v for k, v in answers().items() if k != "item3"})
    with pytest.raises(QuestionnaireError, match="0, 1, 2 or 3"):
        score_ssq(answers(item2=5))
