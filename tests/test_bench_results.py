"""The results file: merged run by run; the summaries printed from it."""

import pytest

from sqlalchemy_stairway.bench.results import (
    chain_memory,
    explain,
    load_results,
    merge,
    merge_run,
    save_results,
    scaling,
)
from sqlalchemy_stairway.check.errors import StairwayError


def step(name: str, seconds: float, floor: float, rows: int = 0) -> dict:
    return {
        "name": name, "seconds": seconds, "floor": floor, "ratio": seconds / floor,
        "target": 1.5, "rows": rows, "sql_seconds": seconds / 2, "peak_mib": 70.0,
        "slowest": [["ALTER TABLE t ADD COLUMN c INTEGER", seconds / 2]],
        "floor_slowest": [["ALTER TABLE t ADD COLUMN c INTEGER", floor]],
    }  # fmt: skip


def a_run(rows: int, server: str = "SQLite 3") -> dict:
    return {
        "dialect": "sqlite",
        "server": server,
        "rows": rows,
        "steps": [step("fast", 1.0, 1.0), step("moving", rows / 1e6, rows / 2e6, rows=rows)],
    }


def test_a_run_replaces_the_earlier_run_of_its_database_and_size():
    results = {"runs": [a_run(100, "old"), a_run(10)]}
    merge_run(results, a_run(100, "new"))
    assert [(r["rows"], r["server"]) for r in results["runs"]] == [(10, "SQLite 3"), (100, "new")]


def test_merge_keeps_one_entry_per_database_without_sizes():
    results = {}
    merge(results, "measurements", {"dialect": "mysql", "n": 1})
    merge(results, "measurements", {"dialect": "mysql", "n": 2})
    merge(results, "measurements", {"dialect": "postgresql", "n": 3})
    assert [m["n"] for m in results["measurements"]] == [2, 3]


def test_results_round_trip_and_a_foreign_file_is_refused(tmp_path):
    path = tmp_path / "deep" / "bench.json"
    assert load_results(path) == {"runs": []}
    save_results(path, {"runs": [a_run(10)]})
    assert load_results(path) == {"runs": [a_run(10)]}
    path.write_text("not json")
    with pytest.raises(StairwayError, match="not a bench results file; choose another --json"):
        load_results(path)


def test_explain_names_only_the_steps_over_their_target():
    lines = explain(a_run(1000))
    assert lines[0].startswith("moving: 0.001 s against a floor of 0.001 s (2.00x; target 1.5x)")
    assert not any(line.startswith("fast") for line in lines)
    assert any("stairway" in line and "ALTER TABLE" in line for line in lines)


def test_scaling_gives_time_per_row_for_each_size():
    results = {"runs": [a_run(1000), a_run(10_000)]}
    assert scaling(results, "sqlite") == [
        "SQLite 3 at 1,000, 10,000 rows:",
        "  moving: 1.00, 1.00 µs per row",
        "  peak memory: 70, 70 MiB",
    ]
    assert scaling({"runs": [a_run(10)]}, "sqlite") == []


def a_chain(rows: int, peak: float, dialect: str = "sqlite") -> dict:
    return {"dialect": dialect, "server": "SQLite 3", "rows": rows, "peak_mib": peak}


def test_the_chains_peak_memory_is_compared_with_the_smallest_size():
    results = {
        "chains": [a_chain(100_000, 70.0), a_chain(1_000_000, 84.0), a_chain(10, 1, "mysql")]
    }
    assert chain_memory(results, "sqlite") == [
        "SQLite 3, the whole chain's peak memory (seeding excluded): "
        "70 MiB at 100,000 rows (1.00x), 84 MiB at 1,000,000 rows (1.20x)"
    ]
    assert chain_memory(results, "mysql") == []
