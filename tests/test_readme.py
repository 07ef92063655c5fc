"""The README's examples work as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import solsim

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
TOML_BLOCKS = [b for b in re.findall(r"```toml\n(.*?)```", README, re.S) if "extends" in b]


@pytest.mark.parametrize("block", TOML_BLOCKS, ids=[f"toml{i}" for i in range(len(TOML_BLOCKS))])
def test_scenario_examples_load_and_run(tmp_path, block):
    # Scenario examples extend the shipped baseline, as a user's copy beside it would.
    path = tmp_path / "example.toml"
    path.write_text(block.replace('"baseline.toml"', f'"{ROOT / "scenarios" / "baseline.toml"}"'))
    scenario = solsim.load_scenario(path)
    result = solsim.run(
        scenario, seed=0, steps=3, overrides={"economy.households": 100, "economy.coops": 6}
    )
    assert len(result.timeseries) == 3


def test_there_are_scenario_examples():
    assert len(TOML_BLOCKS) >= 2


def test_the_first_python_example_runs(monkeypatch):
    block = re.findall(r"```python\n(.*?)```", README, re.S)[0]
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    assert namespace["model"].economy.month == 120
