"""The console's sound panel in a real Chromium: the scene's cues, volume, mute and
recording of the client's voice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.console.browser import running_engine
from tests.console.test_browser import _pair, browser  # noqa: F401  (the fixture)


def test_cues_volume_and_mute_from_the_console(browser: Any, tmp_path: Path) -> None:  # noqa: F811
    from vrtherapy.console.server import free_port

    with running_engine(tmp_path, free_port(), "heights.balcony") as engine:
        page = browser.new_context(viewport={"width": 1400, "height": 1150}).new_page()
        _pair(page, engine)
        page.wait_for_selector("#live:not([hidden])")
        # the panel offers the balcony's cue by its label; pressing it is logged
        page.click("#sound-cues button[data-cue=gust]")
        page.wait_for_selector("#event-log li:has-text('sound cue gust fired by therapist')")
        page.eval_on_selector(
            "#sound-volume", "el => { el.value = 40; el.dispatchEvent(new Event('change')); }"
        )
        page.wait_for_selector("#event-log li:has-text('sound on, volume 40 %')")
        page.click("#sound-mute")
        page.wait_for_selector("#sound-mute[aria-pressed=true]")
        page.wait_for_selector("#event-log li:has-text('sound muted, volume 40 %')")
        assert page.text_content("#sound-volume-value") == "40 %"
        # recording the client's voice is off until the therapist turns it on, and logged
        assert page.get_attribute("#voice-record", "aria-pressed") == "false"
        page.click("#voice-record")
        page.wait_for_selector("#voice-record[aria-pressed=true]")
        page.wait_for_selector(
            '#event-log li:has-text("recording of the client\'s voice turned on by therapist")'
        )
        assert page.text_content("#voice-record") == "Stop recording the voice"
        page.click("#voice-record")
        page.wait_for_selector("#voice-record[aria-pressed=false]")
        # the calm scene has its own cues
        page.click("button[data-safety=calm_scene]")
        page.wait_for_selector("#sound-cues button[data-cue=chime]")
        assert page.locator("#sound-cues button").count() == 1
