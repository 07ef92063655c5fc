"""Executors with the ``concurrent.futures`` shape: in-process, local processes, Dask.

Every executor here is a :class:`concurrent.futures.Executor` (``submit`` returns a
:class:`concurrent.futures.Future`), so the sweep drives all of them with the
same loop. A run depends only on its scenario and its seed, never on where it
ran, so results are identical whichever executor and however many workers:

* :class:`InProcessExecutor` runs each task when it is submitted (one worker,
  no start-up cost; easiest to debug).
* local processes (``--workers N``, the default with N > 1): a
  :class:`~concurrent.futures.ProcessPoolExecutor` whose workers are forked from a
  server that has already imported solsim, so they start in milliseconds.
* Dask distributed: ``--scheduler tcp://HOST:PORT`` attaches to a running
  cluster (for instance one started by dask-jobqueue on SLURM or PBS);
  ``--dask-local N`` starts a :class:`distributed.LocalCluster` of N one-thread
  worker processes with the dashboard off. Dask re-runs the tasks of a worker
  that dies on the workers that remain.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing
import os
from collections.abc import Callable
from typing import Any

__all__ = ["ExecutorError", "InProcessExecutor", "RunExecutor", "dask_executor", "make_executor"]


class ExecutorError(ValueError):
    """Executor options that cannot work (conflicting flags, unreachable scheduler)."""


# BLAS libraries split long dot products across threads, which changes the order
# of additions and so the last bits of a sum. Worker processes use one thread
# each (parallelism comes from the processes), like Dask's nanny does.
_SINGLE_THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


class InProcessExecutor(cf.Executor):
    """Run each submitted call at once, in this process; return a finished Future."""

    def __init__(self) -> None:
        self._shutdown = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future:
        if self._shutdown:
            raise RuntimeError("cannot schedule new futures after shutdown")
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # the Future carries it, as a pool's would
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            future.set_exception(exc)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._shutdown = True


class RunExecutor:
    """An executor and what the sweep needs to know about it.

    Attributes
    ----------
    executor
        The :class:`concurrent.futures.Executor` runs are submitted to.
    description
        One line for the manifest and the progress bar (``processes (2 workers)``).
    """

    def __init__(
        self,
        make: Callable[[], cf.Executor],
        description: str,
        slots: Callable[[], int],
        close: Callable[[], None] | None = None,
        restartable: bool = False,
        client: Any = None,
    ):
        self._make = make
        self.executor = make()
        self.description = description
        self._slots = slots
        self._close = close
        self.restartable = restartable
        self.client = client

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> cf.Future:
        return self.executor.submit(fn, *args)

    def slots(self) -> int:
        """How many tasks to keep in flight: enough to keep every worker busy."""
        return max(2 * self._slots(), 2)

    def restart(self) -> None:
        """Replace a broken pool (a worker process died) with a fresh one."""
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = self._make()

    def close(self, cancel: bool = False) -> None:
        try:
            self.executor.shutdown(wait=not cancel, cancel_futures=cancel)
        except TypeError:  # Dask's ClientExecutor has no cancel_futures
            self.executor.shutdown(wait=not cancel)
        if self._close is not None:
            self._close()

    def __enter__(self) -> RunExecutor:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(cancel=exc_type is not None)


def _process_pool(workers: int) -> cf.ProcessPoolExecutor:
    for key, value in _SINGLE_THREAD_ENV.items():
        os.environ.setdefault(key, value)
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # Workers fork from a server that has imported the engine once.
        context.set_forkserver_preload(["solsim.experiments.worker"])
    else:  # pragma: no cover - platforms without fork
        context = multiprocessing.get_context("spawn")
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=context)


def _dask_threads(client: Any) -> int:
    workers = client.scheduler_info(n_workers=-1).get("workers", {})
    return sum(int(w.get("nthreads", 1)) for w in workers.values()) or 1


def dask_executor(client: Any, description: str | None = None) -> RunExecutor:
    """A RunExecutor over an existing :class:`distributed.Client` (left open).

    For clusters made in Python, e.g. with dask-jobqueue::

        cluster = SLURMCluster(cores=1, memory="2GB"); cluster.scale(100)
        run_sweep(experiment, "out/big", executor=dask_executor(Client(cluster)))
    """
    return RunExecutor(
        lambda: client.get_executor(pure=False),
        description or f"dask ({client.scheduler.address})",
        lambda: _dask_threads(client),
        client=client,
    )


def _dask(scheduler: str | None, local_workers: int | None) -> RunExecutor:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ExecutorError(
            "Dask executors need dask.distributed: pip install 'solsim[dask]'"
        ) from None
    cluster = None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise ExecutorError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        description = f"dask ({scheduler})"
    else:
        cluster = LocalCluster(
            n_workers=local_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
        description = f"dask local cluster ({local_workers} workers)"

    def close() -> None:
        client.close()
        if cluster is not None:
            cluster.close()

    return RunExecutor(
        lambda: client.get_executor(pure=False),
        description,
        lambda: _dask_threads(client),
        close=close,
        client=client,
    )


def make_executor(
    workers: int | None = None, scheduler: str | None = None, dask_local: int | None = None
) -> RunExecutor:
    """The executor a sweep asks for.

    Parameters
    ----------
    workers
        Local worker processes; 1 runs in this process. Default: the number of
        CPUs.
    scheduler
        Address of a running Dask scheduler (``tcp://HOST:PORT``).
    dask_local
        Start a Dask LocalCluster with this many worker processes.

    Raises
    ------
    ExecutorError
        For conflicting or impossible choices.
    """
    chosen = [name for name, v in (("--scheduler", scheduler), ("--dask-local", dask_local)) if v]
    if len(chosen) > 1:
        raise ExecutorError("choose one of --scheduler and --dask-local")
    if chosen and workers is not None:
        raise ExecutorError(f"--workers is for local processes; drop it or {chosen[0]}")
    if dask_local is not None and dask_local < 1:
        raise ExecutorError("--dask-local needs at least 1 worker")
    if scheduler is not None or dask_local is not None:
        return _dask(scheduler, dask_local)
    if workers is None:
        workers = os.cpu_count() or 1
    if workers < 1:
        raise ExecutorError("--workers must be at least 1")
    if workers == 1:
        return RunExecutor(InProcessExecutor, "in-process", lambda: 1)
    return RunExecutor(
        lambda: _process_pool(workers),
        f"processes ({workers} workers)",
        lambda: workers,
        restartable=True,
    )
