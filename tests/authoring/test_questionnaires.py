"""Scoring of the stock questionnaires, each checked against its publication.

Every instrument gets tests for its keying (reverse-keyed items), its weights
and its rule for missing answers. Expected values are computed by hand here,
not by the scoring code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from vrtherapy.authoring import AuthoringError
from vrtherapy.authoring.questionnaire import load_questionnaire, score_answers
from vrtherapy.authoring.questionnaires import (
    SSQ_ITEMS,
    SSQ_LEVELS,
    QuestionnaireError,
    questionnaire,
    score_questionnaire,
    score_ssq,
    ssq_item_key,
    stock_questionnaires,
)


def ssq(**items: float) -> dict[str, float]:
    base = {ssq_item_key(n): 0.0 for n in range(1, 17)}
    base.update({k: float(v) for k, v in items.items()})
    return base


def test_every_stock_questionnaire_loads() -> None:
    assert set(stock_questionnaires()) == {
        "ssq",
        "fms",
        "aq",
        "spq",
        "prcs",
        "spin",
        "oas",
        "ipq",
    }
    for spec in stock_questionnaires().values():
        assert spec.citation and spec.licence and spec.incomplete_rule


# --- SSQ: Kennedy, Lane, Berbaum & Lilienthal (1993), Int. J. Aviation Psychology 3(3) ---


def test_ssq_public_api_comes_from_the_yaml_definition() -> None:
    assert len(SSQ_ITEMS) == 16 and SSQ_ITEMS[7] == "Nausea"
    assert SSQ_LEVELS == ("none", "slight", "moderate", "severe")


def test_ssq_all_none_scores_zero() -> None:
    s = score_ssq(ssq())
    assert (s.nausea, s.oculomotor, s.disorientation, s.total) == (0, 0, 0, 0)


def test_ssq_general_discomfort_counts_for_nausea_and_oculomotor() -> None:
    s = score_ssq(ssq(item1=1))
    assert s.nausea == 9.54 and s.oculomotor == 7.58 and s.disorientation == 0
    assert s.total == pytest.approx(2 * 3.74)


def test_ssq_item_8_nausea_counts_on_nausea_and_disorientation() -> None:
    """Kennedy 1993: Disorientation = items 5, 8, 10, 11, 12, 13, 14 (the old code dropped 8)."""
    s = score_ssq(ssq(item8=2))
    assert s.nausea == pytest.approx(2 * 9.54)
    assert s.oculomotor == 0
    assert s.disorientation == pytest.approx(2 * 13.92)
    assert s.total == pytest.approx((2 + 2) * 3.74)


def test_ssq_all_severe_gives_the_published_maxima() -> None:
    """Seven items per subscale: N 200.34, O 159.18, D 292.32, Total 235.62."""
    s = score_ssq({ssq_item_key(n): 3 for n in range(1, 17)})
    assert (s.nausea, s.oculomotor, s.disorientation, s.total) == (
        200.34,
        159.18,
        292.32,
        235.62,
    )


def test_ssq_hand_computed_mixed_answers() -> None:
    answers = ssq(item1=1, item2=2, item5=1, item8=3, item10=1, item15=2)
    # N: 1 + 3 + 2 = 6; O: 1 + 2 + 1 = 4; D: 1 + 3 + 1 = 5
    s = score_ssq(answers)
    assert s.nausea == pytest.approx(6 * 9.54)
    assert s.oculomotor == pytest.approx(4 * 7.58)
    assert s.disorientation == pytest.approx(5 * 13.92)
    assert s.total == pytest.approx(15 * 3.74)


def test_ssq_is_scored_only_when_complete() -> None:
    with pytest.raises(QuestionnaireError, match=r"item3\b"):
        score_ssq({k: v for k, v in ssq().items() if k != "item3"})
    scores = score_questionnaire("ssq_post", {k: v for k, v in ssq().items() if k != "item3"})
    assert scores.not_scored_reason is not None and "Kennedy" in scores.not_scored_reason
    assert all(s.value is None for s in scores.scores)


def test_ssq_answers_off_the_scale_are_refused() -> None:
    with pytest.raises(QuestionnaireError, match="from 0 to 3"):
        score_ssq(ssq(item2=5))
    with pytest.raises(QuestionnaireError, match="from 0 to 3"):
        score_ssq(ssq(item2=1.5))
    with pytest.raises(QuestionnaireError, match="no item 'item17'"):
        score_ssq(ssq(item17=1))


# --- FMS: Keshavarz & Hecht (2011), Human Factors 53(4) ---


def test_fms_is_the_single_rating() -> None:
    assert score_questionnaire("fms", {"sickness": 13}).value("sickness") == 13
    assert score_questionnaire("fms", {}).value("sickness") is None
    with pytest.raises(QuestionnaireError, match="from 0 to 20"):
        score_questionnaire("fms", {"sickness": 21})


# --- AQ: Cohen (1977), Behavior Therapy 8(1): 20 situations, anxiety 0–6, avoidance 0–2 ---


def _aq(anxiety: int, avoidance: int) -> dict[str, float]:
    out = {f"anxiety{i}": float(anxiety) for i in range(1, 21)}
    out.update({f"avoidance{i}": float(avoidance) for i in range(1, 21)})
    return out


def test_aq_anxiety_and_avoidance_are_separate_sums() -> None:
    s = score_questionnaire("aq", _aq(6, 2))
    assert (s.value("anxiety"), s.value("avoidance")) == (120, 40)
    answers = _aq(0, 0) | {"anxiety3": 4, "anxiety20": 5, "avoidance7": 2}
    s = score_questionnaire("aq", answers)
    assert (s.value("anxiety"), s.value("avoidance")) == (9, 2)


def test_aq_has_no_reverse_keyed_items() -> None:
    assert not any(i.reverse for i in questionnaire("aq").items)


def test_aq_scores_each_scale_when_its_own_ratings_are_complete() -> None:
    answers = _aq(1, 1)
    del answers["avoidance4"]
    s = score_questionnaire("aq", answers)
    assert s.value("anxiety") == 20 and s.value("avoidance") is None
    assert s.scores[1].missing == ("avoidance4",)
    with pytest.raises(QuestionnaireError, match="from 0 to 2"):
        score_questionnaire("aq", _aq(1, 3))


# --- SPQ: Klorman et al. (1974), Behavior Therapy 5(3): 31 true/false; false scores on
# items 6, 12, 14, 16, 17, 20, 25, 27, 28 ---

SPQ_FALSE_KEYED = {6, 12, 14, 16, 17, 20, 25, 27, 28}


def test_spq_keying() -> None:
    spec = questionnaire("spq")
    assert len(spec.items) == 31
    assert {int(i.id[4:]) for i in spec.items if i.reverse} == SPQ_FALSE_KEYED
    all_true = {f"item{i}": 1.0 for i in range(1, 32)}
    assert score_questionnaire("spq", all_true).value("total") == 31 - 9
    all_false = {f"item{i}": 0.0 for i in range(1, 32)}
    assert score_questionnaire("spq", all_false).value("total") == 9
    fearful = {f"item{i}": 0.0 if i in SPQ_FALSE_KEYED else 1.0 for i in range(1, 32)}
    assert score_questionnaire("spq", fearful).value("total") == 31


def test_spq_is_scored_only_when_complete() -> None:
    answers = {f"item{i}": 1.0 for i in range(1, 31)}
    s = score_questionnaire("spq", answers)
    assert s.value("total") is None and "item31" in (s.not_scored_reason or "")


# --- PRCS: Paul (1966): 30 true/false; false scores on 1, 4, 6, 9, 10, 11, 12, 14, 16, 17,
# 21, 22, 23, 27, 30 (the same key as the Swedish item bank's 1F 2S 3S 4F … 30F, which cites
# Phillips, Jones, Rieger & Snell 1997, J Anxiety Disord 11(2); norms from Paul 1966) ---

PRCS_FALSE_KEYED = {1, 4, 6, 9, 10, 11, 12, 14, 16, 17, 21, 22, 23, 27, 30}


def test_prcs_keying_and_norms() -> None:
    spec = questionnaire("prcs")
    assert {int(i.id[4:]) for i in spec.items if i.reverse} == PRCS_FALSE_KEYED
    answers = {f"item{i}": 1.0 for i in range(1, 31)} | {"item1": 0.0, "item2": 0.0}
    # true on 28 items: 15 true-keyed minus item 2 → 14; false on item 1 (false-keyed) → 1
    assert score_questionnaire("prcs", answers).value("total") == 15
    norms = spec.score("total").norms
    assert [(n.mean, n.sd) for n in norms] == [(20.6, 3.31), (11.6, 5.90)]


def test_prcs_is_scored_only_when_complete() -> None:
    answers = {f"item{i}": 0.0 for i in range(2, 31)}
    assert score_questionnaire("prcs", answers).value("total") is None


# --- SPIN: Connor et al. (2000), Br J Psychiatry 176: 17 items 0–4, total 0–68, cut-off 19 ---


def test_spin_total_and_cutoff() -> None:
    below = {f"item{i}": 1.0 for i in range(1, 18)} | {"item1": 2.0}  # 18
    s = score_questionnaire("spin", below)
    assert s.value("total") == 18 and s.scores[0].reached == ()
    at = below | {"item2": 2.0}  # 19
    s = score_questionnaire("spin", at)
    assert s.value("total") == 19 and s.scores[0].reached[0].at == 19
    assert not any(i.reverse for i in questionnaire("spin").items)


def test_spin_is_scored_only_when_complete() -> None:
    answers = {f"item{i}": 4.0 for i in range(1, 17)}
    assert score_questionnaire("spin", answers).value("total") is None


# --- O-AS: Lambe et al. (2023), Psychological Medicine 53(4): 8 tasks, avoidance 0/1 (0–8:
# 'yes, I could do this now' 0, 'no, I'd get too anxious' 1) and distress 0–10 (0–80), both
# summed, as in the scoring instructions published with the scale ---


def test_oas_avoidance_and_distress() -> None:
    answers = {f"avoid{i}": float(i % 2) for i in range(1, 9)}
    answers |= {f"distress{i}": float(i) for i in range(1, 9)}
    s = score_questionnaire("oas", answers)
    assert (s.value("avoidance"), s.value("distress")) == (4, 36)
    del answers["distress8"]
    s = score_questionnaire("oas", answers)
    assert (s.value("avoidance"), s.value("distress")) == (4, None)
    assert not any(i.reverse for i in questionnaire("oas").items)


# --- IPQ: Schubert, Friedmann & Regenbrecht (2001), Presence 10(3): reverse SP2, INV3, REAL1 ---


def test_ipq_reverse_keyed_items_and_subscale_means() -> None:
    spec = questionnaire("ipq")
    assert {i.id for i in spec.items if i.reverse} == {"sp2", "inv3", "real1"}
    answers = {i.id: 6.0 for i in spec.items}
    s = score_questionnaire("ipq", answers)
    # SP: (6 + (6-6) + 6 + 6 + 6) / 5; INV: (6 + 6 + 0 + 6) / 4; REAL: (0 + 6 + 6 + 6) / 4
    assert s.value("general") == 6
    assert s.value("spatial_presence") == pytest.approx(24 / 5)
    assert s.value("involvement") == pytest.approx(4.5)
    assert s.value("realism") == pytest.approx(4.5)
    del answers["real2"]
    s = score_questionnaire("ipq", answers)
    assert s.value("realism") is None and s.value("involvement") == pytest.approx(4.5)


# --- the format's own checks: located problems --------------------------------------


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "q.yaml"
    path.write_text(text)
    return path


GOOD = """\
id: demo
title: Demo
abbreviation: D
citation: nobody
licence: none
incomplete: complete
incomplete_rule: all items
scale: {min: 0, max: 3}
items:
  - {id: a}
  - {id: b, reverse: true}
scores:
  - id: total
    title: Total
    items: [a, b]
    weight: 2
    range: [0, 12]
"""


def test_a_good_definition_loads_and_reverses(tmp_path: Path) -> None:
    spec = load_questionnaire(_write(tmp_path, GOOD))
    assert score_answers(spec, {"a": 1, "b": 1}).value("total") == 2 * (1 + 2)


def test_a_range_that_does_not_follow_from_the_weights_is_located(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("range: [0, 12]", "range: [0, 6]"))
    with pytest.raises(AuthoringError) as info:
        load_questionnaire(path, "q.yaml")
    assert "q.yaml:17:12: range [0, 6] of 'total' does not follow" in str(info.value)


def test_an_unknown_item_in_a_score_is_located(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("items: [a, b]", "items: [a, bb]"))
    with pytest.raises(AuthoringError) as info:
        load_questionnaire(path, "q.yaml")
    assert "q.yaml:15:16: unknown item 'bb'" in str(info.value)
    assert "did you mean 'b'?" in str(info.value)


def test_validate_reports_a_broken_questionnaire(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from vrtherapy.cli.main import cli

    folder = tmp_path / "questionnaires"
    folder.mkdir()
    (folder / "q.yaml").write_text(GOOD.replace("max: 3", "max: three"))
    result = CliRunner().invoke(cli, ["validate", str(folder)])
    assert result.exit_code == 1
    assert "q.yaml:8:" in result.output and "expected" in result.output


# --- a clinic's copies: item texts added, scoring unchanged ---------------------------


@pytest.fixture
def clinic_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "clinic"
    folder.mkdir()
    monkeypatch.setenv("VRTHERAPY_QUESTIONNAIRES", str(folder))
    return folder


def _stock_text(name: str) -> str:
    from vrtherapy.authoring.stock import questionnaires_dir

    return (questionnaires_dir() / name).read_text()


def test_a_clinic_copy_adds_item_texts(clinic_folder: Path) -> None:
    text = _stock_text("spin.yaml").replace(
        "  - {id: item1}", "  - {id: item1, text: Clinic's item one}"
    )
    (clinic_folder / "spin.yaml").write_text(text)
    assert questionnaire("spin").item("item1").text == "Clinic's item one"
    assert stock_questionnaires()["spin"].item("item1").text is None
    answers = {f"item{i}": 2.0 for i in range(1, 18)}
    assert score_questionnaire("spin", answers).value("total") == 34


def test_a_clinic_copy_may_not_change_the_scoring(clinic_folder: Path) -> None:
    text = _stock_text("spq.yaml").replace("  - {id: item6, reverse: true}", "  - {id: item6}")
    (clinic_folder / "spq.yaml").write_text(text)
    with pytest.raises(AuthoringError, match="changes its scoring") as info:
        questionnaire("spq")
    line = text.splitlines().index("id: spq") + 1
    assert f"spq.yaml:{line}:5:" in str(info.value)
