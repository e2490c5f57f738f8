"""The choice panel's cursor (pure): rows moved and picked by keys, stick and trigger."""

from __future__ import annotations

from vrtherapy.app.conversation_wiring import ChoiceCursor
from vrtherapy.display.base import ChoicePick, ChoiceStep, SliderConfirm

OFFERED = ("host", "ask", ((0, "Yes."), (2, "Maybe."), (3, "No.")))


def test_rows_move_within_the_panel_and_the_trigger_picks_the_highlighted_one() -> None:
    cur = ChoiceCursor().follow(OFFERED)
    assert cur.panel() is not None and cur.panel().highlighted is None  # type: ignore[union-attr]
    cur, picked = cur.on(SliderConfirm())
    assert picked is None  # nothing highlighted yet: a stray trigger answers nothing
    cur, _ = cur.on(ChoiceStep(by=-1))  # up from nothing: the last row
    assert cur.highlighted == 2
    cur, _ = cur.on(ChoiceStep(by=1))
    assert cur.highlighted == 2  # stays on the panel
    cur, _ = cur.on(ChoiceStep(by=-1))
    cur, picked = cur.on(SliderConfirm())
    assert picked == 2  # the dialogue's own index of "Maybe." (row 1)
    cur, again = cur.on(SliderConfirm())
    assert again is None  # a held or repeated trigger answers once


def test_a_number_key_picks_its_row_and_a_new_node_starts_afresh() -> None:
    cur = ChoiceCursor().follow(OFFERED)
    cur, picked = cur.on(ChoicePick(row=5))
    assert picked is None  # no such row
    cur, picked = cur.on(ChoicePick(row=2))
    assert picked == 3
    assert cur.follow(OFFERED) is cur  # the same node: still answered
    fresh = cur.follow(("host", "next", ((0, "Thanks."),)))
    assert not fresh.sent and fresh.highlighted is None
    assert cur.follow(None).panel() is None
