"""Where a sweep's files live inside its output directory.

::

    DIR/manifest.json                         root seed, versions, experiment hash, status
    DIR/design.parquet                        one row per design point (``point`` + parameters)
    DIR/runs/point=P/rep=R.parquet            model-level timeseries of one run (the run's
                                              completion mark: written last)
    DIR/summaries/point=P/rep=R.parquet       its one-row summary
    DIR/agents/KIND/point=P/rep=R.parquet     agent-level final state (``agents = "final"``)
    DIR/failed/point=P/rep=R.json             error and traceback of a run that raised
    DIR/checksums/point=P/rep=R.json          size and SHA-256 of each of a run's files,
                                              written before them; checked on resume
    DIR/.lock                                 pid and host of the sweep writing here

Every file is written to a temporary name and renamed into place, so a file
that exists is complete. Run files hold no timestamps: the same run gives the
same bytes whichever executor wrote it.
"""

from __future__ import annotations

from pathlib import Path

MANIFEST = "manifest.json"
DESIGN = "design.parquet"
RUNS = "runs"
SUMMARIES = "summaries"
AGENTS = "agents"
FAILED = "failed"
CHECKSUMS = "checksums"
LOCK = ".lock"
RUN_GLOB = "point=*/rep=*.parquet"


def run_name(point: int, replicate: int, suffix: str = ".parquet") -> Path:
    return Path(f"point={int(point)}") / f"rep={int(replicate)}{suffix}"


def run_file(root: Path, point: int, replicate: int) -> Path:
    return root / RUNS / run_name(point, replicate)


def summary_file(root: Path, point: int, replicate: int) -> Path:
    return root / SUMMARIES / run_name(point, replicate)


def agents_file(root: Path, kind: str, point: int, replicate: int) -> Path:
    return root / AGENTS / kind / run_name(point, replicate)


def failed_file(root: Path, point: int, replicate: int) -> Path:
    return root / FAILED / run_name(point, replicate, ".json")


def checksum_file(root: Path, point: int, replicate: int) -> Path:
    return root / CHECKSUMS / run_name(point, replicate, ".json")


def parse_run_name(path: Path) -> tuple[int, int]:
    """(point, replicate) of ``.../point=P/rep=R.parquet``."""
    point = int(path.parent.name.removeprefix("point="))
    replicate = int(path.name.split(".", 1)[0].removeprefix("rep="))
    return point, replicate


def existing_runs(root: Path) -> set[tuple[int, int]]:
    """(point, replicate) of every finished run in ``root``."""
    runs = root / RUNS
    if not runs.is_dir():
        return set()
    return {parse_run_name(path) for path in runs.glob(RUN_GLOB)}
