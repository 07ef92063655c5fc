"""The dashboard in a real browser: headless Chromium driven by Playwright.

Starts ``solsim dashboard`` on a free localhost port, opens it in Debian's
Chromium (``make browser-deps`` installs it with apt), presses Step and checks
that the month counter and the plotted numbers move, that the sliders are there,
and that the page asked for nothing outside this machine. Leaves a screenshot in
``out/dashboard_browser.png``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT = ROOT / "out" / "dashboard_browser.png"
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


def _step_to(page, month: int) -> None:
    page.get_by_role("button", name="Step").click()
    page.wait_for_function(
        "m => (document.querySelector('.solsim-month') || {}).innerText === `Month ${m} of 120`",
        arg=month,
        timeout=30_000,
    )


def test_step_moves_the_counter_and_the_plots(server, browser):
    outside: list[str] = []
    broken: list[str] = []

    def on_request(request):
        if not request.url.startswith(LOCAL):
            outside.append(request.url)

    def on_response(response):
        if response.status >= 400:
            broken.append(f"{response.status} {response.url}")

    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.on("request", on_request)
    page.on("response", on_response)
    page.on("requestfailed", lambda request: broken.append(f"failed {request.url}"))
    page.goto(server)
    step = page.get_by_role("button", name="Step")
    step.wait_for(timeout=60_000)
    page.locator(".solsim-month").wait_for(timeout=30_000)
    assert _month(page) == "Month 0 of 120"

    # The sliders: economy size, instruments, the shock.
    for label in ("households", "worker co-ops", "guarantee coverage", "export-demand drop"):
        assert page.get_by_text(label, exact=False).count() >= 1, label
    assert page.get_by_role("slider").count() >= 6

    metrics = page.locator(".solsim-metrics")
    before = metrics.get_attribute("src")
    _step_to(page, 1)
    first_output = page.locator(".solsim-output").inner_text()
    first_image = metrics.get_attribute("src")
    assert first_image != before
    _step_to(page, 2)
    _step_to(page, 3)
    assert _month(page) == "Month 3 of 120"
    assert page.get_by_text("Time: 3", exact=False).count() >= 1  # Mesa's own counter
    assert page.locator(".solsim-output").inner_text() != first_output
    assert metrics.get_attribute("src") != first_image
    assert page.locator(".solsim-graph").count() == 1  # small economy: the graph is drawn

    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    page.close()
    # Everything came from the local server: the page works with no outside network.
    assert outside == []
    assert broken == []
