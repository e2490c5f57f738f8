"""The console's elevator panel in a real Chromium: the therapist sends the glass elevator
to a floor and locks the client's floor buttons; both are in the session log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.console.browser import running_engine
from tests.console.test_browser import _pair, browser  # noqa: F401  (the fixture)


def test_send_the_elevator_and_lock_the_clients_buttons(browser: Any, tmp_path: Path) -> None:  # noqa: F811
    from vrtherapy.console.server import free_port

    with running_engine(tmp_path, free_port(), "heights.glass_elevator") as engine:
        page = browser.new_context(viewport={"width": 1400, "height": 1150}).new_page()
        _pair(page, engine)
        page.wait_for_selector("#live:not([hidden])")
        page.wait_for_selector("#elevator-card:not([hidden])")
        # the scenario's stops, the car at the lobby (floor 1)
        floors = page.eval_on_selector_all(
            "#elevator-floors button", "bs => bs.map(b => b.dataset.floor)"
        )
        assert floors == ["1", "3", "5", "10", "20", "35", "49"]
        page.wait_for_selector("#elevator-floors button[data-floor='1'][aria-current=true]")
        page.click("#elevator-floors button[data-floor='10']")
        page.wait_for_selector(
            "#event-log li:has-text('elevator sent from floor 1 to floor 10 by therapist')"
        )
        page.wait_for_selector("#elevator-floors button[data-floor='10'][aria-current=true]")
        assert page.text_content("#elevator-floor") == "Floor: 10"
        # paused: the floor buttons are off and say why; on resume they are back
        page.click("[data-safety=pause]")
        page.wait_for_selector("#elevator-floors button[data-floor='20']:disabled")
        assert (
            page.text_content("#elevator-floor")
            == "Floor: 10 (the scene is paused: resume it to send the car)"
        )
        page.click("[data-safety=resume]")
        page.wait_for_selector("#elevator-floors button[data-floor='20']:enabled")
        assert page.text_content("#elevator-floor") == "Floor: 10"
        page.click("#elevator-lock")
        page.wait_for_selector("#elevator-lock[aria-pressed=true]")
        page.wait_for_selector(
            '#event-log li:has-text("the client\'s elevator controls locked by therapist")'
        )
        assert page.text_content("#elevator-lock") == "Unlock the client's floor buttons"
