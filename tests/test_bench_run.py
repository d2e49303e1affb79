"""The bench run small on SQLite, as `invoke bench` runs it: its shape, never its timings."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from scripts import bench
from scripts.stages import STAIRWAY
from sqlalchemy_stairway.bench.run import parse_sizes
from sqlalchemy_stairway.check.errors import StairwayError

# one worker makes the module's bench run, which its tests read
pytestmark = pytest.mark.xdist_group("bench_run")

ROWS = 1500
PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A folder for the bench's scratch databases and its results file."""
    return tmp_path_factory.mktemp("bench")


@pytest.fixture(scope="module")
def output() -> io.StringIO:
    return io.StringIO()


@pytest.fixture(scope="module")
def results(folder, output) -> dict:
    """One small run: stage by stage and the whole chain, without the slow measurements."""
    return bench.main(
        rows=ROWS,
        url=f"sqlite:///{folder / 'bench.db'}",
        json_path=str(folder / "bench.json"),
        checks=False,
        measurements=False,
        console=Console(file=output, width=200),
    )


@pytest.fixture(scope="module")
def run(results) -> dict:
    (run,) = results["runs"]
    return run


def test_every_stage_and_the_seed_have_a_time_and_a_floor(run):
    seed_stage = bench.plan().seed_stage()
    names = [step["name"] for step in run["steps"]]
    expected = []
    for stage in STAIRWAY.stages[1:]:
        expected.append(stage.label)
        if stage is seed_stage:
            expected.append("seed")
    assert names == expected
    for step in run["steps"]:
        assert step["seconds"] > 0 and step["floor"] > 0, step["name"]
        assert step["ratio"] == pytest.approx(step["seconds"] / step["floor"])
        assert step["peak_mib"] > 0 and step["floor_peak_mib"] > 0
        assert step["slowest"] and step["floor_slowest"]


def test_the_seed_counts_every_row_it_wrote(run):
    (seed,) = [step for step in run["steps"] if step["name"] == "seed"]
    assert seed["rows"] == 3 * ROWS  # a user and two addresses each
    assert seed["rows_per_second"] > 0


def test_the_floor_reaches_the_same_schema_as_the_stairway(run):
    for step in run["steps"]:
        assert step["same_schema"], (step["name"], step["schema_differences"])


def test_every_row_reaches_the_head_on_both_sides(run):
    assert run["counts"] == run["floor_counts"]
    assert sum(run["counts"].values()) == 3 * ROWS


def test_the_whole_chain_is_timed_against_the_floors_back_to_back(results, output):
    (chain,) = results["chains"]
    assert chain["rows"] == ROWS and chain["same_schema"], chain["schema_differences"]
    assert chain["seconds"] > 0 and chain["floor"] > 0
    assert chain["ratio"] == pytest.approx(chain["seconds"] / chain["floor"])
    assert chain["seeding_seconds"] > 0 and chain["floor_seeding_seconds"] > 0
    # the migrations' statements are timed, the seeding's are not among them
    assert chain["slowest"] and 0 < chain["sql_seconds"] < chain["seconds"]
    assert not [statement for statement, _ in chain["slowest"] if "VALUES" in statement]
    assert chain["counts"] == chain["floor_counts"]
    assert sum(chain["counts"].values()) == 3 * ROWS
    assert "target base to head in one run ≤ 1.30 x its floor" in output.getvalue()


def test_the_plan_is_said_first(output):
    assert "at 1,000 PBKDF2 iterations, not the revision's 600,000" in output.getvalue()


def test_the_results_are_saved_and_the_scratch_databases_gone(folder, results):
    saved = json.loads((folder / "bench.json").read_text())
    assert saved == json.loads(json.dumps(results))
    assert sorted(p.name for p in folder.iterdir()) == ["bench.json"]


def test_without_the_walk_the_chain_runs_at_every_size(tmp_path):
    output = io.StringIO()
    results = bench.main(
        rows="300,600",
        url=f"sqlite:///{tmp_path / 'bench.db'}",
        json_path=str(tmp_path / "bench.json"),
        checks=False,
        measurements=False,
        walk=False,
        console=Console(file=output, width=200),
    )
    assert "runs" not in results or results["runs"] == []
    assert [chain["rows"] for chain in results["chains"]] == [300, 600]
    for chain in results["chains"]:
        assert chain["peak_mib"] > 0 and chain["same_schema"]
    said = output.getvalue()
    assert "the whole chain's peak memory (seeding excluded)" in said
    assert "at 600 rows (" in said


@pytest.mark.parametrize("rows", ["", "0", "ten", "10,-5"])
def test_sizes_must_be_positive_numbers(rows):
    with pytest.raises(StairwayError, match="--rows"):
        parse_sizes(rows)


def test_sizes_run_smallest_first():
    assert parse_sizes("1_000_000,10000, 100000") == [10_000, 100_000, 1_000_000]


def invoke_bench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "invoke", "bench", *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_task_runs_a_size_and_saves_it(tmp_path):
    results = tmp_path / "results" / "bench.json"
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    done = invoke_bench(
        "--rows", "200", "--url", url, "--json", str(results), "--no-checks",
        "--no-measurements", "--no-chain",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "SQLite" in done.stdout and "200 rows seeded" in done.stdout
    saved = json.loads(results.read_text())
    assert [run["rows"] for run in saved["runs"]] == [200]
    assert "chains" not in saved and "measurements" not in saved


def test_the_task_says_what_is_wrong_in_one_line(tmp_path):
    done = invoke_bench("--rows", "ten", "--json", str(tmp_path / "bench.json"))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: --rows takes numbers separated by commas, not 'ten'"
    ]


def test_a_repeated_chain_takes_the_median_of_pairs_run_in_turn_either_way(tmp_path):
    output = io.StringIO()
    results = bench.main(
        rows=300,
        url=f"sqlite:///{tmp_path / 'bench.db'}",
        json_path=str(tmp_path / "bench.json"),
        checks=False,
        measurements=False,
        walk=False,
        repeat=3,
        console=Console(file=output, width=200),
    )
    (chain,) = results["chains"]
    runs = chain["runs"]
    assert [r["floor_first"] for r in runs] == [True, False, True]
    assert chain["ratio"] == sorted(r["ratio"] for r in runs)[1]
    assert chain["seconds"] == sorted(r["seconds"] for r in runs)[1]
    assert chain["floor"] == sorted(r["floor"] for r in runs)[1]
    assert chain["same_schema"] and chain["counts"] == chain["floor_counts"]
    said = output.getvalue()
    assert said.count(" of 3: floors ") == 3
    assert "the median of 3 pairs: " + ", ".join(f"{r['ratio']:.2f}" for r in runs) in said


def test_the_task_refuses_no_repeat_in_one_line(tmp_path):
    done = invoke_bench("--repeat", "0", "--json", str(tmp_path / "bench.json"))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: --repeat takes a number of runs, 1 or more, not 0"
    ]
