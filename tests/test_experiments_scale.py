"""Experiments at scale: identical results on every executor, a killed sweep resumes,
a Dask worker dies and the sweep still completes. Slow: they start processes and clusters."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from solsim.experiments import layout
from solsim.experiments.executors import make_executor
from solsim.experiments.spec import load_experiment
from solsim.experiments.sweep import run_sweep

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"


def experiment_file(folder: Path, replicates: int, households: int = 100, steps: int = 8) -> Path:
    path = folder / "exp.toml"
    path.write_text(
        f"""
name = "scale"
scenario = "{BASELINE}"
replicates = {replicates}
root_seed = 77
steps = {steps}

[set]
economy.households = {households}
economy.coops = 6
economy.communities = 2
shocks.scheduled = [{{ kind = "export_drop", start = 4, duration = 3, size = 0.3 }}]

[design]
kind = "grid"

[design.parameters]
funds.interest_rate = [0.03, 0.06]
households.local_share = [0.4, 0.7]
"""
    )
    return path


def same_results(a: Path, b: Path) -> None:
    """Both directories hold exactly the same run files with the same bytes."""
    for sub in (layout.RUNS, layout.SUMMARIES):
        names_a = sorted(p.relative_to(a) for p in (a / sub).rglob("*.parquet"))
        names_b = sorted(p.relative_to(b) for p in (b / sub).rglob("*.parquet"))
        assert names_a == names_b
        for rel in names_a:
            assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    assert (a / layout.DESIGN).read_bytes() == (b / layout.DESIGN).read_bytes()
    assert not list(b.rglob("*.tmp"))


def live_members(group: int) -> list[int]:
    """Processes of a process group that still run (killed orphans may linger as zombies)."""
    import psutil

    deadline = time.monotonic() + 10
    while True:
        alive = []
        for proc in psutil.process_iter(["status"]):
            try:
                if os.getpgid(proc.pid) == group and proc.info["status"] != psutil.STATUS_ZOMBIE:
                    alive.append(proc.pid)
            except (ProcessLookupError, psutil.Error):
                continue
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


@pytest.fixture(scope="module")
def dask_local():
    """A real Dask LocalCluster: 2 worker processes, one thread each, no dashboard."""
    executor = make_executor(dask_local=2)
    yield executor
    executor.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted in-process sweep (--workers 1) to compare everything with."""
    folder = tmp_path_factory.mktemp("reference")
    experiment = load_experiment(experiment_file(folder, replicates=6))
    report = run_sweep(experiment, folder / "out", workers=1, progress=False)
    assert report.complete and not report.failed
    return experiment, folder / "out"


def test_dask_and_process_pools_give_the_bytes_of_one_worker(reference, dask_local, tmp_path):
    experiment, ref_dir = reference
    two = run_sweep(experiment, tmp_path / "two", workers=2, progress=False)
    assert two.complete and two.executor == "processes (2 workers)"
    same_results(ref_dir, tmp_path / "two")
    dask = run_sweep(experiment, tmp_path / "dask", executor=dask_local, progress=False)
    assert dask.complete and dask.executor.startswith("dask local cluster")
    same_results(ref_dir, tmp_path / "dask")
    # The cluster really ran the tasks on worker processes.
    assert len(dask_local.client.scheduler_info()["workers"]) == 2
    # --scheduler attaches to a running cluster (this one) by its address.
    address = dask_local.client.scheduler.address
    attached = run_sweep(experiment, tmp_path / "attached", scheduler=address, progress=False)
    assert attached.complete and attached.executor == f"dask ({address})"
    same_results(ref_dir, tmp_path / "attached")


def test_a_sweep_killed_with_sigkill_resumes_to_exactly_the_uninterrupted_runs(reference, tmp_path):
    experiment, ref_dir = reference
    out_dir = tmp_path / "out"
    exp_path = experiment.path
    command = [sys.executable, "-m", "solsim", "sweep", str(exp_path), "--out", str(out_dir)]
    # Its own process group: the kill takes the sweep, its fork server and its workers.
    process = subprocess.Popen(
        [*command, "--workers", "2"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    total = experiment.n_points * experiment.replicates
    deadline = time.monotonic() + 180
    while len(layout.existing_runs(out_dir)) < 3:
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, "the sweep wrote no runs"
        time.sleep(0.005)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    process.stderr.close()
    assert not live_members(process.pid)  # nothing of the group survives
    present = len(layout.existing_runs(out_dir))
    assert 3 <= present < total, "the kill came after the sweep had finished"

    resumed = run_sweep(experiment, out_dir, workers=1, resume=True, progress=False)
    # Only the missing runs ran: none twice, none missing.
    assert resumed.skipped == present and resumed.ran == total - present
    assert resumed.complete and not resumed.failed
    same_results(ref_dir, out_dir)


async def _die() -> None:
    """Run on a worker's event loop: end its process at once, like a crash or an OOM kill."""
    os._exit(1)


def test_a_dask_worker_killed_mid_sweep_and_the_sweep_still_completes(dask_local, tmp_path):
    client = dask_local.client
    experiment = load_experiment(experiment_file(tmp_path, replicates=12, households=300))
    total = experiment.n_points * experiment.replicates
    out_dir = tmp_path / "out"
    before = set(client.scheduler_info()["workers"])
    victim = sorted(before)[0]
    killed_at: list[int] = []

    def kill_one_worker() -> None:
        deadline = time.monotonic() + 180
        while len(layout.existing_runs(out_dir)) < 4 and time.monotonic() < deadline:
            time.sleep(0.005)
        killed_at.append(len(layout.existing_runs(out_dir)))
        client.run(_die, workers=[victim], wait=False)

    killer = threading.Thread(target=kill_one_worker)
    killer.start()
    report = run_sweep(experiment, out_dir, executor=dask_local, progress=False)
    killer.join()
    assert killed_at and killed_at[0] < total, "the kill came after the sweep had finished"
    assert report.complete and not report.failed
    assert len(layout.existing_runs(out_dir)) == total
    # The worker really died (its nanny starts a new one at a new address).
    deadline = time.monotonic() + 60
    while victim in client.scheduler_info()["workers"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert victim not in client.scheduler_info()["workers"]
    # And the results are those of an undisturbed in-process sweep.
    undisturbed = run_sweep(experiment, tmp_path / "ref", workers=1, progress=False)
    assert undisturbed.complete
    same_results(tmp_path / "ref", out_dir)
