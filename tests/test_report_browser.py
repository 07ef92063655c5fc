"""The report's first screen in a real browser: headless Chromium driven by Playwright.

Writes a small report, opens it from disk at 1400 and 820 pixels wide and checks
that the page asks for nothing outside itself, never scrolls sideways, and shows
a scenario's headline sentence before any scrolling. Leaves the screenshots in
``out/report_first_screen_<width>.png``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from solsim.report import simulate, write_report

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
TINY = {
    "economy.households": 120,
    "economy.coops": 8,
    "economy.funds": 2,
    "economy.investors": 2,
    "economy.communities": 2,
    "burn_in": 12,
    "steps": 30,
    "shocks.scheduled": [{"kind": "export_drop", "start": 12, "duration": 6, "size": 0.4}],
}
# (width, height): a laptop screen and a tablet held upright.
SCREENS = ((1400, 900), (820, 1180))

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(180)]


def _chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module")
def page_path(tmp_path_factory) -> Path:
    data = simulate(
        {name: SCENARIOS / f"{name}.toml" for name in ("baseline", "first_loss", "guarantee")},
        replicates=3,
        seed=4,
        overrides=TINY,
    )
    return write_report(data, tmp_path_factory.mktemp("report") / "report.html")


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    if executable is None:
        pytest.skip(
            "Chromium is not installed (Debian: `make browser-deps` or apt-get install chromium)"
        )
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extra")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.mark.parametrize(("width", "height"), SCREENS)
def test_first_screen_answers_the_question(page_path, browser, width, height):
    requests: list[str] = []
    page = browser.new_page(viewport={"width": width, "height": height})
    page.on("request", lambda request: requests.append(request.url))
    page.goto(page_path.as_uri())
    # Nothing sideways: the page fits the window.
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, scroll_width
    # The first scenario's headline sentence is on the first screen, in full.
    headline = page.locator(".card p.headline").first
    box = headline.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, box
    assert headline.inner_text().startswith("A 10% philanthropic first-loss tranche")
    assert "Fund capital: 2 funds × 400,000 = 800,000." in page.locator("p.facts").inner_text()
    screenshot = ROOT / "out" / f"report_first_screen_{width}.png"
    screenshot.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(screenshot))
    page.close()
    # The page and its embedded figures: nothing fetched from anywhere else.
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
