"""The dashboard in a real browser: headless Chromium driven by Playwright.

Starts ``solsim dashboard`` on a free localhost port, opens it in Debian's
Chromium (``make browser-deps`` installs it with apt) and goes through a
workshop participant's steps: Step moves the month and the plots; moving a
slider writes its new value beside it and marks it as not yet applied; *Apply
and restart* changes the settings in force in the header; the *With and
without* tab shows both runs and their difference. It also checks that none of
Mesa's internals shows and that the page asked for nothing outside this
machine.

A screenshot of each state goes to ``out/dashboard_browser/`` (or to the folder
named by ``SOLSIM_SCREENSHOTS``: ``make dashboard-screenshots`` sends them to
``docs/img/``, where the README shows them).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = Path(os.environ.get("SOLSIM_SCREENSHOTS") or ROOT / "out" / "dashboard_browser")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(150)]


def _chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A dashboard server on a free port; yields its URL."""
    pytest.importorskip("solara", reason="the dashboard needs the viz extra")
    port = _free_port()
    log_path = tmp_path_factory.mktemp("dashboard") / "server.log"
    # Should the server miss a front-end file and turn to the CDN, send it to a
    # dead local port: the page then breaks here as it would offline.
    env = {**os.environ, "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/"}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "solsim", "dashboard", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"dashboard server exited:\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"dashboard server did not answer in 90 s:\n{log_path.read_text()}")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    if executable is None:
        pytest.skip(
            "Chromium is not installed (Debian: `make browser-deps` or apt-get install chromium)"
        )
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extra")
    with sync_api.sync_playwright() as playwright:
        # The system Chromium; Playwright never downloads a browser here.
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def _month(page) -> str:
    return page.locator(".solsim-month").inner_text()


def _wait_for_month(page, month: int) -> None:
    page.wait_for_function(
        "m => (document.querySelector('.solsim-month') || {}).innerText === `Month ${m} of 120`",
        arg=month,
        timeout=30_000,
    )


def _step_to(page, month: int) -> None:
    page.get_by_role("button", name="Step").click()
    _wait_for_month(page, month)


def _text(page, selector: str) -> str:
    return page.locator(selector).inner_text()


def _wait_for_new_picture(page, selector: str, old: str | None) -> None:
    # The month's text and the picture arrive as separate updates: wait for the picture.
    page.wait_for_function(
        "([s, old]) => document.querySelector(s).getAttribute('src') !== old",
        arg=[selector, old],
        timeout=30_000,
    )


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_a_participant_steps_changes_a_tool_and_compares(server, browser):
    outside: list[str] = []
    broken: list[str] = []

    def on_request(request):
        if not request.url.startswith(LOCAL):
            outside.append(request.url)

    def on_response(response):
        if response.status >= 400:
            broken.append(f"{response.status} {response.url}")

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.on("request", on_request)
    page.on("response", on_response)
    page.on("requestfailed", lambda request: broken.append(f"failed {request.url}"))
    page.goto(server)
    page.get_by_role("button", name="Step").wait_for(timeout=60_000)
    page.locator(".solsim-month").wait_for(timeout=30_000)
    assert _month(page) == "Month 0 of 120"

    # Plain names, each value written out with its unit; none of Mesa's internals.
    for label in ("Households", "Worker co-ops", "Loan guarantee", "export demand falls by"):
        assert page.get_by_text(label, exact=False).count() >= 1, label
    assert _text(page, ".solsim-value-households") == "200 households"
    assert _text(page, ".solsim-value-guarantee") == "off"
    assert page.get_by_role("slider").count() >= 10
    body = page.locator("body").inner_text().lower()
    for internal in ("play interval", "render interval", "use threads", "page 0", "time: 0"):
        assert internal not in body, internal
    settings = _text(page, ".solsim-settings")
    assert "no risk-sharing tools" in settings

    # Step moves the month, the numbers and the plots.
    metrics = page.locator(".solsim-metrics")
    before = metrics.get_attribute("src")
    _step_to(page, 1)
    _wait_for_new_picture(page, ".solsim-metrics", before)
    first_output = _text(page, ".solsim-output")
    first_image = metrics.get_attribute("src")
    _step_to(page, 2)
    _step_to(page, 3)
    _wait_for_new_picture(page, ".solsim-metrics", first_image)
    page.wait_for_function(
        "old => document.querySelector('.solsim-output').innerText !== old", arg=first_output
    )
    assert page.locator(".solsim-graph").count() == 1  # small economy: the graph is drawn
    page.get_by_role("button", name="To the end").click()
    _wait_for_month(page, 120)

    # Moving a slider writes its value beside it, and says it is not applied yet.
    track = page.locator(".solsim-control-guarantee .v-slider")
    box = track.bounding_box()
    track.click(position={"x": box["width"] / 2, "y": box["height"] / 2})  # half way: ~50%
    page.wait_for_function(
        "() => document.querySelector('.solsim-value-guarantee').innerText !== 'off'",
        timeout=10_000,
    )
    value = _text(page, ".solsim-value-guarantee")
    assert re.fullmatch(r"(4[5-9]|5[0-5])% of each defaulted loan", value), value
    page.wait_for_selector(".solsim-apply .solsim-pending", timeout=10_000)
    assert "Not applied yet — Loan guarantee: off → " + value in _text(page, ".solsim-apply")
    assert _text(page, ".solsim-settings") == settings  # the header keeps what is in force
    _shot(page, "dashboard_changed_setting")

    # Applying restarts the run with it, and the header says so.
    page.get_by_role("button", name="Apply and restart").click()
    page.wait_for_function(
        "v => document.querySelector('.solsim-settings').innerText.includes(v)",
        arg=f"Loan guarantee {value}",
        timeout=30_000,
    )
    _wait_for_month(page, 0)
    # ... and the "not applied yet" notices go.
    page.wait_for_function("() => !document.querySelector('.solsim-pending')", timeout=10_000)
    page.get_by_role("button", name="To the end").click()
    _wait_for_month(page, 120)
    assert page.get_by_text("Dashed grey: the previous run", exact=False).count() == 1
    _shot(page, "dashboard_applied")

    # With and without: both runs, same seed, and their difference.
    page.get_by_role("tab", name="With and without").click()
    page.locator(".solsim-comparison").wait_for(timeout=60_000)
    headline = _text(page, ".solsim-headline")
    assert headline.startswith(f"With loan guarantee ({value})")
    table = _text(page, ".solsim-difference-table")
    for word in ("with", "without", "difference", "co-ops that failed", "paid by the guarantor"):
        assert word in table, word
    page.locator(".solsim-comparison").scroll_into_view_if_needed()
    _shot(page, "dashboard_with_and_without")
    page.close()
    # Everything came from the local server: the page works with no outside network.
    assert outside == []
    assert broken == []
