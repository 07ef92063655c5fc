"""The workshop set-up: `make notebooks` serves JupyterLab from the venv, offline.

Starts ``make notebooks`` on a free localhost port, fetches JupyterLab's page,
every script and style sheet it names, the notebook listing and the kernel
list, then stops it. Nothing it needs comes from outside the machine: the page
names no outside address, and the update check and news feed, which would
reach outside, are switched off by the target.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
JUPYTER = ROOT / ".venv" / "bin" / "jupyter"
NOTEBOOKS = ["01_first_economy.ipynb", "02_risk_tools.ipynb", "03_sweeps_and_sensitivity.ipynb"]
TOKEN = "solsim-workshop-test"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """`make notebooks` on a free port; yields its base URL."""
    if shutil.which("make") is None or not JUPYTER.exists():
        pytest.skip("needs make and the project's .venv with the notebooks extra")
    port = _free_port()
    home = tmp_path_factory.mktemp("jupyter")
    env = {
        **os.environ,
        "JUPYTER_TOKEN": TOKEN,
        # Keep the server's runtime and settings files out of the home directory.
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
    }
    log_path = home / "server.log"
    with log_path.open("w") as log:
        # `-o install`: the test runs the target's own command, not a reinstall.
        process = subprocess.Popen(
            [
                "make",
                "-o",
                "install",
                "notebooks",
                f"NOTEBOOK_PORT={port}",
                "NOTEBOOK_ARGS=--no-browser",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # make and JupyterLab in a group of their own, to stop both
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"make notebooks exited:\n{log_path.read_text()}")
            try:
                if _get(f"{base}/api/status?token={TOKEN}")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer in 60 s:\n{log_path.read_text()}")
            time.sleep(0.5)
        yield base
    finally:
        _stop(process)


def _stop(process: subprocess.Popen) -> None:
    """Stop make and the JupyterLab it started (their process group)."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_make_notebooks_serves_jupyterlab_and_its_files_locally(lab):
    status, page = _get(f"{lab}/lab?token={TOKEN}")
    assert status == 200
    html = page.decode()
    assert "JupyterLab" in html
    config = json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', html).group(1))
    assert config["news"] == {"disabled": True}
    assert config["extensionManager"]["name"] != "PyPI"
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css|ico)(?:\?[^"]*)?)"', html)
    assert assets, "the page names no script"
    for asset in assets:
        assert not re.match(r"(?:https?:)?//", asset) or asset.startswith(lab), asset
        url = asset if asset.startswith("http") else lab + asset
        assert _get(url)[0] == 200, asset


def test_the_workshop_notebooks_and_their_kernel_are_there(lab):
    _, listing = _get(f"{lab}/api/contents?token={TOKEN}")
    names = {item["name"] for item in json.loads(listing)["content"]}
    assert set(NOTEBOOKS) <= names
    _, specs = _get(f"{lab}/api/kernelspecs?token={TOKEN}")
    assert "python3" in json.loads(specs)["kernelspecs"]  # the kernel the notebooks name


def test_make_workshop_prints_the_steps():
    if shutil.which("make") is None:
        pytest.skip("needs make")
    result = subprocess.run(
        ["make", "--no-print-directory", "workshop"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0
    for step in ("make dashboard", "make notebooks", "01_first_economy", "Apply and restart"):
        assert step in result.stdout, step
