"""Reading a sweep back: design, stacked timeseries and summaries as pandas DataFrames.

The per-run Parquet files are read as one :mod:`pyarrow.dataset` (the footers
of all files are inspected for a common schema, then the columns asked for are
scanned in one pass), so thousands of small files load in about a second.

>>> results = solsim.results.load("out/smoke")  # doctest: +SKIP
>>> results.summaries.merge(results.design, on="point").groupby("scenario").mean()  # doctest: +SKIP
>>> design, timeseries, summaries = results  # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs

from solsim.errors import ScenarioError
from solsim.experiments import layout

__all__ = ["Results", "load", "read_stacked"]


def read_stacked(
    folder: Path, columns: Sequence[str] | None = None, keys: Sequence[str] = ()
) -> pd.DataFrame:
    """Stack every ``point=P/rep=R.parquet`` file under ``folder`` into one DataFrame.

    Files that lack a column get nulls there (scenarios with different
    instruments record different columns). Rows are sorted by ``point``,
    ``replicate`` and then ``keys``.
    """
    files = (
        sorted(folder.glob(layout.RUN_GLOB), key=layout.parse_run_name) if folder.is_dir() else []
    )
    if not files:
        return pd.DataFrame(
            {"point": pd.Series(dtype="int64"), "replicate": pd.Series(dtype="int64")}
        )
    factory = ds.FileSystemDatasetFactory(
        pafs.LocalFileSystem(), [str(f) for f in files], ds.ParquetFileFormat()
    )
    schema = factory.inspect(promote_options="permissive").remove_metadata()
    dataset = factory.finish(schema)
    if columns is not None:
        wanted = ["point", "replicate", *keys, *(c for c in columns if c not in keys)]
        columns = [c for c in dict.fromkeys(wanted) if c in schema.names]
    table: pa.Table = dataset.to_table(columns=columns)
    frame = table.to_pandas()
    order = ["point", "replicate", *(k for k in keys if k in frame.columns)]
    return frame.sort_values(order, kind="stable").reset_index(drop=True)


class Results:
    """The results of a sweep, read lazily.

    Attributes
    ----------
    directory
        The sweep's output directory.
    manifest
        Its ``manifest.json`` (root seed, versions, experiment, status).
    design
        One row per design point: ``point`` and the parameters (``scenario``
        for a ``scenarios`` design).
    timeseries
        Every finished run's monthly table, stacked, with ``point`` and
        ``replicate`` columns (read on first use).
    summaries
        One row per finished run: ``point``, ``replicate`` and the summary
        metrics as float64 (read on first use).
    failed
        ``point``, ``replicate`` and ``error`` of runs that raised.

    Iterating gives ``design, timeseries, summaries``, so the object unpacks
    like a tuple.
    """

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        path = self.directory / layout.MANIFEST
        if not path.exists():
            raise ScenarioError(
                str(self.directory), "(dir)", "not a sweep directory (no manifest.json)"
            )
        self.manifest: dict[str, Any] = json.loads(path.read_text())

    def __iter__(self) -> Iterator[pd.DataFrame]:
        return iter((self.design, self.timeseries, self.summaries))

    def __repr__(self) -> str:
        runs = self.manifest.get("runs", {})
        return (
            f"Results({str(self.directory)!r}: {self.experiment.get('name')}, "
            f"{runs.get('done')}/{runs.get('total')} runs, {runs.get('failed')} failed)"
        )

    @property
    def experiment(self) -> dict[str, Any]:
        """What the manifest records about the experiment."""
        return self.manifest.get("experiment", {})

    @cached_property
    def design(self) -> pd.DataFrame:
        return pd.read_parquet(self.directory / layout.DESIGN)

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        return read_stacked(self.directory / layout.RUNS, keys=("step",))

    @cached_property
    def summaries(self) -> pd.DataFrame:
        frame = read_stacked(self.directory / layout.SUMMARIES)
        # A summary is written just before its run file; a sweep killed between
        # the two leaves a summary of a run that does not count as done.
        done = pd.DataFrame(
            sorted(layout.existing_runs(self.directory)), columns=["point", "replicate"]
        ).astype("int64")
        return frame.merge(done, on=["point", "replicate"], how="inner")

    @cached_property
    def failed(self) -> pd.DataFrame:
        rows = []
        folder = self.directory / layout.FAILED
        for path in sorted(folder.glob("point=*/rep=*.json")) if folder.is_dir() else []:
            record = json.loads(path.read_text())
            rows.append({k: record.get(k) for k in ("point", "replicate", "error", "traceback")})
        return pd.DataFrame(rows, columns=["point", "replicate", "error", "traceback"])

    def agents(
        self, kind: str = "households", columns: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Agent-level final state (``agents = "final"``): ``households`` or ``coops``."""
        return read_stacked(self.directory / layout.AGENTS / kind, columns=columns)

    def timeseries_columns(self, columns: Sequence[str]) -> pd.DataFrame:
        """Only some timeseries columns (with ``point``, ``replicate``, ``step``): cheaper."""
        return read_stacked(self.directory / layout.RUNS, columns=columns, keys=("step",))

    def with_design(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` with the design's parameter columns joined on ``point``."""
        return frame.merge(self.design, on="point", how="left")


def load(directory: str | Path) -> Results:
    """Open a sweep's results directory.

    Parameters
    ----------
    directory
        Where ``solsim sweep`` (or :func:`~solsim.experiments.sweep.run_sweep`)
        wrote.

    Returns
    -------
    Results
        ``design``, ``timeseries`` and ``summaries`` as DataFrames (read lazily),
        the ``manifest`` and the ``failed`` runs.
    """
    return Results(directory)
