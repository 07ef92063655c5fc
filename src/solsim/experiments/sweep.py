"""Run an experiment: every (design point, replicate) through an executor, to Parquet.

Runs go out replicate-major (every point's replicate 0, then every point's
replicate 1, …), so a partial sweep covers the whole design evenly. Each
finished run is written by this process as its own files (see
:mod:`~solsim.experiments.layout`), the timeseries last; a run whose timeseries
file exists is done. Rerunning into the same directory therefore redoes only
the missing runs, and refuses a directory made by a different experiment.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import hashlib
import json
import os
import socket
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from solsim.engine.instruments import registry as instrument_registry
from solsim.errors import ScenarioError
from solsim.experiments import layout
from solsim.experiments.executors import RunExecutor, make_executor
from solsim.experiments.seeds import seed_record
from solsim.experiments.spec import FORMAT, Experiment
from solsim.experiments.worker import RunOutput, RunTask, execute_run
from solsim.storage import atomic_write, versions, write_json, write_parquet

__all__ = ["SweepLocked", "SweepReport", "check_output_dir", "run_sweep", "verify_runs"]

#: How often a broken local pool (a worker process killed) is replaced.
MAX_POOL_RESTARTS = 3


@dataclass
class SweepReport:
    """What a sweep did.

    Attributes
    ----------
    out_dir
        The results directory.
    total
        Runs in the experiment (points × replicates).
    skipped
        Runs already present (from an earlier, interrupted sweep).
    ran
        Runs finished now.
    failed
        ``(point, replicate, error)`` of runs that raised.
    seconds
        Wall-clock time of this sweep.
    run_seconds
        Sum of the runs' own times (model build and steps, inside the workers).
    executor
        Which executor ran them.
    """

    out_dir: Path
    total: int
    skipped: int = 0
    ran: int = 0
    failed: list[tuple[int, int, str]] = field(default_factory=list)
    seconds: float = 0.0
    run_seconds: float = 0.0
    executor: str = ""
    redone: list[tuple[int, int, str]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.skipped + self.ran == self.total

    def line(self) -> str:
        """One line for the terminal."""
        parts = [f"{self.skipped + self.ran}/{self.total} runs done"]
        if self.skipped:
            parts.append(f"{self.skipped} already present")
        if self.redone:
            point, replicate, why = self.redone[0]
            parts.append(
                f"{len(self.redone)} damaged or incomplete redone "
                f"(first: point {point}, replicate {replicate}: {why})"
            )
        if self.failed:
            parts.append(f"{len(self.failed)} failed (see {self.out_dir / layout.FAILED}/)")
        return f"{', '.join(parts)} in {self.seconds:.1f} s ({self.executor}) → {self.out_dir}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    """The manifest of a results directory, or None if there is none."""
    path = out_dir / layout.MANIFEST
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        reason = " ".join(str(exc).split())
        raise ScenarioError(str(path), "(file)", f"unreadable manifest: {reason}") from None
    if not isinstance(manifest, dict):
        raise ScenarioError(
            str(path),
            "(file)",
            f"malformed manifest: a JSON {type(manifest).__name__}, not an object",
        )
    if not isinstance(manifest.get("experiment", {}), dict):
        raise ScenarioError(str(path), "experiment", "malformed manifest: not an object")
    return manifest


class SweepLocked(ScenarioError):
    """Another sweep is writing into the directory."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


@contextlib.contextmanager
def sweep_lock(out_dir: Path):
    """Hold ``DIR/.lock`` while a sweep writes into ``DIR``.

    A second sweep into the same directory is refused, naming the holder (pid
    and host). A lock left by a process that no longer runs on this host is
    taken over.

    Raises
    ------
    SweepLocked
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / layout.LOCK
    me = {"pid": os.getpid(), "host": socket.gethostname(), "since": _now()}
    for _ in range(3):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                holder = json.loads(path.read_text())
                if not isinstance(holder, dict):
                    raise ValueError
            except (OSError, ValueError):
                holder = {}
            pid, host = holder.get("pid"), holder.get("host")
            if host == me["host"] and isinstance(pid, int) and not _pid_alive(pid):
                path.unlink(missing_ok=True)  # left by a sweep that was killed
                continue
            raise SweepLocked(
                str(out_dir),
                "(dir)",
                f"in use by another sweep (pid {pid if pid is not None else '?'} on host "
                f"{host or '?'}, since {holder.get('since', '?')}); wait for it to finish, or "
                f"delete {path} if that process is gone",
            ) from None
        with os.fdopen(fd, "w") as handle:
            json.dump(me, handle)
        break
    else:  # pragma: no cover - a lock that keeps reappearing
        raise SweepLocked(str(out_dir), "(dir)", f"cannot take the lock {path}")
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            if json.loads(path.read_text()).get("pid") == me["pid"]:
                path.unlink()


def check_output_dir(
    experiment: Experiment, out_dir: str | Path, resume: bool = False
) -> dict[str, Any] | None:
    """Refuse a directory that holds another experiment's results.

    Returns the existing manifest (None for a fresh directory).

    Raises
    ------
    ScenarioError
        ``--resume`` without an earlier sweep there, or a directory made by a
        different experiment (different scenarios, design, seeds or steps).
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ScenarioError(str(out_dir), "(dir)", "exists and is not a directory")
    manifest = read_manifest(out_dir)
    if manifest is None:
        if resume:
            raise ScenarioError(str(out_dir), "(dir)", "nothing to resume: no manifest.json here")
        if (out_dir / layout.RUNS).exists():
            raise ScenarioError(
                str(out_dir), "(dir)", "holds runs but no manifest.json; choose another --out"
            )
        return None
    old = manifest.get("experiment") or {}
    if manifest.get("experiment_hash") != experiment.hash:
        raise ScenarioError(
            str(out_dir / layout.MANIFEST),
            "experiment_hash",
            f"holds another experiment's runs ({old.get('name', '?')} from "
            f"{old.get('file', '?')}, hash {str(manifest.get('experiment_hash'))[:12]}; this one "
            f"is {experiment.hash[:12]}: scenarios, design, seeds, steps or --set differ); "
            "choose another --out",
        )
    return manifest


def _tasks(experiment: Experiment, todo: list[tuple[int, int]]):
    """Tasks in the order given, each with its scenario and seed."""
    cache: dict[int, dict[str, Any]] = {}
    plugins = instrument_registry.plugin_modules()
    for point, replicate in todo:
        if point not in cache:
            if len(cache) > 256:  # bound memory on designs with many points
                cache.clear()
            cache[point] = experiment.point_scenario(point)
        seed = experiment.seed(point, replicate)
        yield RunTask(
            point=point,
            replicate=replicate,
            scenario=cache[point],
            entropy=int(seed.entropy),
            spawn_key=tuple(int(k) for k in seed.spawn_key),
            agents=experiment.spec.agents == "final",
            experiment_hash=experiment.hash,
            instruments=plugins,
            counterfactual=experiment.spec.counterfactual,
        )


def _write_bytes(path: Path, data: bytes) -> None:
    atomic_write(path, lambda tmp: tmp.write_bytes(data))


def _run_files(root: Path, output: RunOutput) -> list[tuple[Path, bytes]]:
    """A run's files in writing order: agents, summary, the timeseries last."""
    p, r = output.point, output.replicate
    files = [
        (layout.agents_file(root, name.removeprefix("agents/"), p, r), data)
        for name, data in output.tables.items()
        if name.startswith("agents/")
    ]
    files.append((layout.summary_file(root, p, r), output.tables["summary"]))
    files.append((layout.run_file(root, p, r), output.tables["timeseries"]))
    return files


def write_run(root: Path, output: RunOutput) -> None:
    """Write one finished run: its checksums, agents, summary, then the timeseries
    (the completion mark)."""
    p, r = output.point, output.replicate
    files = _run_files(root, output)
    record = {
        "point": p,
        "replicate": r,
        "files": {
            path.relative_to(root).as_posix(): {
                "bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
            for path, data in files
        },
    }
    write_json(record, layout.checksum_file(root, p, r))
    for path, data in files:
        _write_bytes(path, data)
    layout.failed_file(root, p, r).unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_run(root: Path, point: int, replicate: int) -> str | None:
    """Why a finished run's files cannot be trusted, or None if they can."""
    record_path = layout.checksum_file(root, point, replicate)
    if not record_path.is_file():
        # Written before checksums were recorded: the files must at least parse.
        import pyarrow.parquet as pq

        for path in (
            layout.run_file(root, point, replicate),
            layout.summary_file(root, point, replicate),
        ):
            if not path.is_file():
                return f"{path.relative_to(root)} is missing"
            try:
                pq.read_metadata(path)
            except Exception:
                return f"{path.relative_to(root)} is not a readable Parquet file"
        return None
    try:
        record = json.loads(record_path.read_text())
        files = record["files"]
        if not isinstance(files, dict):
            raise TypeError
    except (OSError, ValueError, KeyError, TypeError):
        return f"{record_path.relative_to(root)} is unreadable"
    for name, expected in files.items():
        path = root / name
        if not path.is_file():
            return f"{name} is missing"
        size = path.stat().st_size
        if size != expected.get("bytes"):
            return f"{name} has {size:,} bytes, {expected.get('bytes'):,} were written"
        if _sha256(path) != expected.get("sha256"):
            return f"{name} does not match its checksum"
    return None


def verify_runs(root: Path, runs: set[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Check every finished run's files against the checksums recorded when they
    were written; ``(point, replicate, why)`` of each damaged run, sorted."""
    damaged = []
    for point, replicate in sorted(runs):
        why = _check_run(root, point, replicate)
        if why is not None:
            damaged.append((point, replicate, why))
    return damaged


def _discard_run(root: Path, point: int, replicate: int) -> None:
    """Remove a damaged run's files, the completion mark first."""
    layout.run_file(root, point, replicate).unlink(missing_ok=True)
    layout.summary_file(root, point, replicate).unlink(missing_ok=True)
    agents = root / layout.AGENTS
    if agents.is_dir():
        for kind in agents.iterdir():
            layout.agents_file(root, kind.name, point, replicate).unlink(missing_ok=True)
    layout.checksum_file(root, point, replicate).unlink(missing_ok=True)


def write_failure(root: Path, output: RunOutput, task: RunTask) -> None:
    seed = seed_record(np.random.SeedSequence(task.entropy, spawn_key=task.spawn_key))
    record = {
        "point": output.point,
        "replicate": output.replicate,
        "error": output.error,
        "traceback": output.traceback,
        "seed": seed,
        "when": _now(),
    }
    write_json(record, layout.failed_file(root, output.point, output.replicate))


def _clean_temporaries(root: Path) -> None:
    """Remove half-written files a killed sweep left behind (never complete results)."""
    for sub in (layout.RUNS, layout.SUMMARIES, layout.AGENTS, layout.FAILED, layout.CHECKSUMS):
        folder = root / sub
        if folder.is_dir():
            for stray in folder.rglob(".*.tmp"):
                stray.unlink(missing_ok=True)


def _manifest(
    experiment: Experiment,
    previous: dict[str, Any] | None,
    session: dict[str, Any],
    status: str,
    done: int,
    failed: int,
) -> dict[str, Any]:
    sessions = [*(previous or {}).get("sessions", [])]
    return {
        "format": FORMAT,
        "experiment_hash": experiment.hash,
        "experiment": experiment.describe(),
        "root_seed": experiment.root_seed,
        "versions": versions(),
        "created": (previous or {}).get("created", session["started"]),
        "status": status,
        "runs": {
            "total": experiment.n_points * experiment.replicates,
            "done": done,
            "failed": failed,
        },
        "sessions": [*sessions, session],
        "layout": {
            "runs": "runs/point={point}/rep={replicate}.parquet",
            "summaries": "summaries/point={point}/rep={replicate}.parquet",
            "agents": "agents/{kind}/point={point}/rep={replicate}.parquet",
            "failed": "failed/point={point}/rep={replicate}.json",
            "checksums": "checksums/point={point}/rep={replicate}.json",
        },
    }


def _progress(enabled: bool | None):
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console()
    show = console.is_terminal if enabled is None else enabled
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("runs · [red]{task.fields[failed]} failed"),
        TimeElapsedColumn(),
        TextColumn("· left"),
        TimeRemainingColumn(),
        console=console,
        disable=not show,
    )


def _drive(
    executor: RunExecutor,
    tasks,
    on_done,
) -> None:
    """Keep a bounded number of tasks in flight; hand each result to ``on_done``.

    A bounded window keeps submission in replicate-major order (a task queued
    long ago is not overtaken) and keeps memory flat on huge designs. A local
    pool broken by a dead worker is replaced and its tasks resubmitted.
    """
    queue: deque[RunTask] = deque()
    source = iter(tasks)
    pending: dict[cf.Future, RunTask] = {}
    restarts = 0

    def refill() -> None:
        while len(pending) < executor.slots():
            if queue:
                task = queue.popleft()
            else:
                task = next(source, None)
                if task is None:
                    return
            pending[executor.submit(execute_run, task)] = task

    refill()
    while pending:
        done, _ = cf.wait(list(pending), return_when=cf.FIRST_COMPLETED)
        broken: list[RunTask] = []
        for future in sorted(done, key=lambda f: (pending[f].replicate, pending[f].point)):
            task = pending.pop(future)
            try:
                output = future.result()
            except cf.BrokenExecutor:
                broken.append(task)
                continue
            except Exception as exc:  # e.g. Dask's KilledWorker after repeated deaths
                output = RunOutput(task.point, task.replicate, error=f"{type(exc).__name__}: {exc}")
            on_done(task, output)
        if broken:
            broken += list(pending.values())
            pending.clear()
            if executor.restartable and restarts < MAX_POOL_RESTARTS:
                restarts += 1
                executor.restart()
                queue.extendleft(sorted(broken, key=lambda t: (t.replicate, t.point), reverse=True))
            else:
                for task in broken:
                    on_done(
                        task,
                        RunOutput(task.point, task.replicate, error="a worker process died"),
                    )
        refill()


def run_sweep(
    experiment: Experiment,
    out_dir: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    resume: bool = False,
    progress: bool | None = None,
    executor: RunExecutor | None = None,
) -> SweepReport:
    """Run every missing (point, replicate) of an experiment and write its files.

    Parameters
    ----------
    experiment
        From :func:`~solsim.experiments.spec.load_experiment`.
    out_dir
        The results directory (created; an earlier sweep of the same
        experiment there is resumed).
    workers, scheduler, dask_local
        The executor (see :func:`~solsim.experiments.executors.make_executor`).
    resume
        Require an earlier sweep in ``out_dir`` (rerunning into it resumes
        anyway).
    progress
        Show a progress bar; default: when stdout is a terminal.
    executor
        An executor to use instead of making one (left open).

    Returns
    -------
    SweepReport

    Raises
    ------
    ScenarioError
        ``out_dir`` belongs to another experiment, or ``resume`` finds nothing.
    ValueError
        Impossible executor options.
    """
    out_dir = Path(out_dir)
    started = time.perf_counter()
    previous = check_output_dir(experiment, out_dir, resume)
    owned = executor is None
    if executor is None:
        executor = make_executor(workers=workers, scheduler=scheduler, dask_local=dask_local)
    try:
        with sweep_lock(out_dir):
            return _sweep(experiment, out_dir, previous, executor, progress, started)
    finally:
        if owned:
            executor.close()


def _sweep(
    experiment: Experiment,
    out_dir: Path,
    previous: dict[str, Any] | None,
    executor: RunExecutor,
    progress: bool | None,
    started: float,
) -> SweepReport:
    out_dir.mkdir(parents=True, exist_ok=True)
    _clean_temporaries(out_dir)
    existing = layout.existing_runs(out_dir)
    damaged = verify_runs(out_dir, existing)
    for point, replicate, _ in damaged:
        _discard_run(out_dir, point, replicate)
        existing.discard((point, replicate))
    todo = [
        (p, r)
        for r in range(experiment.replicates)
        for p in range(experiment.n_points)
        if (p, r) not in existing
    ]
    total = experiment.n_points * experiment.replicates
    report = SweepReport(
        out_dir=out_dir,
        total=total,
        skipped=total - len(todo),
        executor=executor.description,
        redone=damaged,
    )
    session = {"started": _now(), "executor": executor.description, "to_run": len(todo)}
    write_parquet(experiment.design, out_dir / layout.DESIGN)
    write_json(
        _manifest(experiment, previous, session, "running", report.skipped, 0),
        out_dir / layout.MANIFEST,
    )
    status = "interrupted"
    try:
        with _progress(progress) as bar:
            task_id = bar.add_task(experiment.name, total=total, completed=report.skipped, failed=0)

            def on_done(task: RunTask, output: RunOutput) -> None:
                report.run_seconds += output.seconds
                if output.ok:
                    write_run(out_dir, output)
                    report.ran += 1
                else:
                    write_failure(out_dir, output, task)
                    report.failed.append((task.point, task.replicate, output.error or ""))
                bar.update(task_id, advance=1, failed=len(report.failed))

            _drive(executor, _tasks(experiment, todo), on_done)
        status = "complete" if report.complete else "incomplete"
    finally:
        report.seconds = time.perf_counter() - started
        session.update(
            finished=_now(),
            ran=report.ran,
            failed=len(report.failed),
            seconds=round(report.seconds, 3),
        )
        with contextlib.suppress(OSError):
            write_json(
                _manifest(
                    experiment,
                    previous,
                    session,
                    status,
                    report.skipped + report.ran,
                    len(report.failed),
                ),
                out_dir / layout.MANIFEST,
            )
    return report
