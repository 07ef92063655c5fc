"""The README's pictures of the funder report, from the report ``make demo`` writes.

``make report-screens`` runs this script after ``make demo``. It opens
``out/demo/report.html`` in headless Chromium (Debian's ``/usr/bin/chromium``,
driven by Playwright, as ``tests/test_report_browser.py`` does; nothing is
downloaded) and writes

* ``docs/img/report_first_screen_1400.png``: the first screen, 1400 × 900 pixels;
* ``docs/img/report_first_screen_820.png``: the first screen, 820 × 1180 pixels;
* ``docs/img/report_output.png`` and ``docs/img/report_losses.png``: two of the
  report's figures, copied from ``out/demo/figures/``.

Usage::

    .venv/bin/python benchmarks/report_screens.py [--report out/demo/report.html]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMG = ROOT / "docs" / "img"
SCREENS = ((1400, 900), (820, 1180))
FIGURES = {"output": "report_output.png", "losses": "report_losses.png"}
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path, default=ROOT / "out" / "demo" / "report.html")
    args = parser.parse_args(argv)
    report = args.report.resolve()
    if not report.is_file():
        print(f"error: {report} not found; run `make demo` first", file=sys.stderr)
        return 2
    executable = chromium()
    if executable is None:
        print("error: no Chromium (Debian: `make browser-deps`)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    IMG.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=FLAGS)
        for width, height in SCREENS:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(report.as_uri())
            path = IMG / f"report_first_screen_{width}.png"
            page.screenshot(path=str(path))
            page.close()
            print(f"wrote {path.relative_to(ROOT)}")
        browser.close()
    for figure, name in FIGURES.items():
        shutil.copyfile(report.parent / "figures" / f"{figure}.png", IMG / name)
        print(f"wrote {(IMG / name).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
