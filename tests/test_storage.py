"""Atomic writes: whole files or nothing, with ordinary permissions."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from solsim.storage import atomic_write, write_json, write_parquet


def test_written_files_get_the_usual_permissions(tmp_path):
    mask = os.umask(0o022)
    try:
        path = write_json({"a": 1}, tmp_path / "x.json")
    finally:
        os.umask(mask)
    # Permissions follow the umask the process started with.
    from solsim import storage

    assert path.stat().st_mode & 0o777 == 0o666 & ~storage._UMASK


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    def explode(tmp):
        tmp.write_text("half")
        raise RuntimeError("killed mid-write")

    with pytest.raises(RuntimeError):
        atomic_write(tmp_path / "out.txt", explode)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_replaced_whole(tmp_path):
    path = tmp_path / "t.parquet"
    write_parquet(pd.DataFrame({"x": [1, 2]}), path)
    write_parquet(pd.DataFrame({"x": [3]}), path, {"solsim.seed": "4"})
    assert pd.read_parquet(path)["x"].tolist() == [3]
    assert [p.name for p in tmp_path.iterdir()] == ["t.parquet"]
