"""Benchmark: ``results merge`` of a journal of 200 runs (tests/runner/conftest.py's fixture
run: 5 steps, 3 expectations, 6 events, 7 link samples each) into an empty journal, against
SQLite copying the same rows itself (ATTACH + INSERT ... SELECT per table in one transaction,
the floor of any copy done through SQLite). ``items`` is the rows copied."""
from __future__ import annotations

import itertools
import sqlite3

import pytest

from ntnstack.runner.journal import SCHEMA
from ntnstack.runner.merge import TABLES, merge
from tests.runner.conftest import write_journal

RUNS = 200


@pytest.fixture(scope="module")
def big_journal(tmp_path_factory):
    """One results.sqlite holding RUNS runs; (its folder, its row count)."""
    folder = tmp_path_factory.mktemp("journal")
    for i in range(RUNS):
        write_journal(folder, run_id=f"run-{i:04d}")
    db = sqlite3.connect(folder / "results.sqlite")
    rows = sum(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES)
    db.close()
    return folder, rows


def sqlite_copy(src, out) -> None:
    db = sqlite3.connect(out, isolation_level=None)
    db.executescript(SCHEMA)
    db.execute("ATTACH DATABASE ? AS src", (str(src / "results.sqlite"),))
    db.execute("BEGIN IMMEDIATE")
    for table in TABLES:
        db.execute(f"INSERT INTO main.{table} SELECT * FROM src.{table}")
    db.execute("COMMIT")
    db.close()


@pytest.mark.benchmark(group="journal-merge")
def test_bench_sqlite_copy_baseline(benchmark, big_journal, tmp_path):
    src, rows = big_journal
    outs = (tmp_path / f"copy-{i}.sqlite" for i in itertools.count())
    benchmark.pedantic(lambda: sqlite_copy(src, next(outs)), rounds=5, iterations=1)
    benchmark.extra_info.update(baseline=True, items=rows)


@pytest.mark.benchmark(group="journal-merge")
def test_bench_results_merge(benchmark, big_journal, tmp_path):
    src, rows = big_journal
    outs = (tmp_path / f"merge-{i}.sqlite" for i in itertools.count())
    done = benchmark.pedantic(lambda: merge(next(outs), [src]), rounds=5, iterations=1)
    benchmark.extra_info["items"] = rows
    assert len(done.added) == RUNS
