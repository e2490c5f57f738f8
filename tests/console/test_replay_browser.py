"""The summary's moments in a real browser: each links to the picture the client saw then,
replayed from the record by the running engine's replay worker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.console.browser import ROOT, running_engine
from tests.console.test_browser import _pair, browser  # noqa: F401  (the fixture)

ARTIFACTS = ROOT / "test-artifacts"

PICTURE = """() => {
  const img = document.getElementById('replay-picture');
  if (img.hidden || !img.complete || !img.naturalWidth) return null;
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const g = c.getContext('2d'); g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let sum = 0;
  for (let i = 0; i < d.length; i += 4) sum += (d[i] + d[i + 1] + d[i + 2]) / 3;
  const mean = sum / (d.length / 4);
  return { width: c.width, height: c.height, mean, src: img.src.slice(0, 22) };
}"""


def test_the_summary_links_moments_to_replayed_pictures(
    browser: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    from vrtherapy.console.server import free_port

    port = free_port()
    args = ("--hierarchy", "agoraphobic_avoidance.standard", "--synthetic-client")
    with running_engine(tmp_path, port, *args) as engine:
        # the page's own Content-Security-Policy applies: the picture is a data: URL it allows
        context = browser.new_context(viewport={"width": 1400, "height": 1150})
        page = context.new_page()
        page.on("dialog", lambda d: d.accept())
        _pair(page, engine)
        page.wait_for_selector("#live:not([hidden])", timeout=30000)
        page.wait_for_timeout(3000)
        page.click("[data-safety=pause]")
        page.wait_for_selector("#safety-state[data-state=paused]")
        page.wait_for_timeout(2000)
        page.click("[data-safety=resume]")
        page.wait_for_selector("#safety-state[data-state=none]")
        page.click("#end-session")
        page.wait_for_selector("#after:not([hidden])")
        page.wait_for_selector("#moments-card:not([hidden])")
        items = page.locator("#moments li")
        kinds = [items.nth(i).get_attribute("data-kind") for i in range(items.count())]
        assert "step" in kinds and kinds.count("safety") >= 2
        pause = page.locator("#moments li[data-kind=safety]", has_text="pause").first
        pause.locator("button").click()
        page.wait_for_selector("#replay-caption:has-text('What the client saw')", timeout=180000)
        seen = page.evaluate(PICTURE)
        assert seen is not None and seen["src"] == "data:image/png;base64,"
        assert seen["width"] == 480 and seen["height"] == 360
        assert seen["mean"] > 20  # the paused scene, not a black frame
        clock = pause.locator("button").text_content() or ""
        assert clock in (page.text_content("#replay-caption") or "")
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator("#moments-card").screenshot(path=str(ARTIFACTS / "console-replay.png"))
        context.close()
