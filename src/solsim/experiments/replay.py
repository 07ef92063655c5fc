"""Replay one run of a sweep alone: the same scenario and seed as its sweep worker.

``solsim run --from-sweep DIR --point P --rep R`` rebuilds run (P, R) from the
sweep's manifest: the experiment file it records is loaded again with the same
command-line overrides, its hash must match the manifest's (otherwise the file
changed since the sweep and the replay would be another run), and the run's
seed is derived exactly as the sweep derives it
(:func:`~solsim.experiments.seeds.run_seed`). The worker encodes the tables
without timestamps, so the replayed timeseries is byte-identical to
``DIR/runs/point=P/rep=R.parquet``.
"""

from __future__ import annotations

from pathlib import Path

from solsim.errors import ScenarioError
from solsim.experiments import layout
from solsim.experiments.spec import Experiment, load_experiment
from solsim.experiments.worker import RunTask

__all__ = ["replay_task"]


def replay_task(directory: str | Path, point: int, replicate: int) -> tuple[Experiment, RunTask]:
    """The experiment of a sweep directory and the task of its run (point, replicate).

    Raises
    ------
    ScenarioError
        No sweep there, the experiment file changed, or no such run.
    """
    from solsim.experiments.sweep import read_manifest

    directory = Path(directory)
    manifest = read_manifest(directory)
    where = str(directory / layout.MANIFEST)
    if manifest is None:
        raise ScenarioError(str(directory), "(dir)", "not a sweep directory: no manifest.json")
    described = manifest.get("experiment")
    if not isinstance(described, dict) or not isinstance(described.get("file"), str):
        raise ScenarioError(where, "experiment.file", "missing: cannot tell which experiment ran")
    overrides = described.get("overrides") or {}
    if not isinstance(overrides, dict):
        raise ScenarioError(where, "experiment.overrides", "must be a table")
    experiment = load_experiment(described["file"], overrides)
    if experiment.hash != manifest.get("experiment_hash"):
        raise ScenarioError(
            described["file"],
            "(file)",
            f"changed since the sweep in {directory} (hash {experiment.hash[:12]}, the sweep's "
            f"{str(manifest.get('experiment_hash'))[:12]}); cannot replay its runs",
        )
    if not 0 <= point < experiment.n_points:
        raise ScenarioError(
            "--point", str(point), f"no such design point (the sweep has {experiment.n_points})"
        )
    replicates = max(experiment.replicates, int(described.get("replicates") or 0))
    if not 0 <= replicate < replicates:
        raise ScenarioError(
            "--rep", str(replicate), f"no such replicate (the sweep has {replicates})"
        )
    seed = experiment.seed(point, replicate)
    task = RunTask(
        point=point,
        replicate=replicate,
        scenario=experiment.point_scenario(point),
        entropy=int(seed.entropy),
        spawn_key=tuple(int(k) for k in seed.spawn_key),
        agents=False,
        experiment_hash=experiment.hash,
        counterfactual=experiment.spec.counterfactual,
    )
    return experiment, task
