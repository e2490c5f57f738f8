"""The console's conversation panel in a real Chromium: start a partner, mark the
client's answer, say this now, score a skill, move a behaviour slider; each is
recorded and shown in the event log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.console.browser import running_engine
from tests.console.test_browser import _pair, browser  # noqa: F401  (the fixture)

FIXTURES = Path(__file__).parent.parent / "partners" / "fixtures"


def test_partners_panel_drives_the_conversation(browser: Any, tmp_path: Path) -> None:  # noqa: F811
    from vrtherapy.console.server import free_port

    args = ("--library", str(FIXTURES), "--hierarchy", "test.interview_practice")
    with running_engine(tmp_path, free_port(), *args) as engine:
        page = browser.new_context(viewport={"width": 1400, "height": 1400}).new_page()
        _pair(page, engine)
        page.wait_for_selector("#live:not([hidden])")
        card = "#conversation-card"
        page.wait_for_selector(f"{card}:not([hidden])")
        page.click(f"{card} .partner[data-partner=interviewer] button[data-command=partner_start]")
        page.wait_for_selector(f"{card} .line:has-text('Good morning! Please, take a seat.')")
        page.wait_for_selector("#event-log li:has-text('interviewer: \"Good morning!')")
        # Wizard-of-Oz: the therapist marks what the client said
        page.click(f"{card} button[data-choice='1']")
        page.wait_for_selector("#event-log li:has-text('therapist marked the answer')")
        page.wait_for_selector("#event-log li:has-text('Take your time')")
        # the live transcript has the partner's lines and the client's answers
        page.wait_for_selector(
            f"{card} #conversation-transcript li.answer:has-text('client: (sit down silently)"
            " (marked by the therapist)')"
        )
        page.wait_for_selector(
            f"{card} #conversation-transcript li.line:has-text('Take your time')"
        )
        # subtitles in the headset: a session option, on the record
        page.check(f"{card} input[data-command=subtitles]")
        page.wait_for_selector("#event-log li:has-text('subtitles on')")
        page.wait_for_selector(f"{card} input[data-command=subtitles]:checked")
        page.fill(f"{card} form.say input", "Nimm dir Zeit.")
        page.click(f"{card} form.say button")
        page.wait_for_selector(
            "#event-log li:has-text('Nimm dir Zeit.') >> text=/typed by the therapist/"
        )
        page.click(f"{card} .skill[data-skill=comfort] button:text-is('4')")
        page.wait_for_selector("#event-log li:has-text('skill comfort: 4/5')")
        page.wait_for_selector(f"{card} .skill[data-skill=comfort] button.primary:text-is('4')")
        page.eval_on_selector(
            f"{card} input[data-behaviour=valence]",
            "el => { el.value = -0.5; el.dispatchEvent(new Event('change')); }",
        )
        page.wait_for_selector("#event-log li:has-text('interviewer valence → -0.5')")
        page.click(f"{card} button[data-command=partner_say_again]")
        page.wait_for_selector("#event-log li:has-text('(again)')")
        # the therapist marks that the client began to speak (a partner may cut in)
        page.click(f"{card} button[data-command=client_speaking]")
        page.wait_for_selector("#event-log li:has-text('therapist: the client speaks')")
