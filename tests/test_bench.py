"""The bench, run small on SQLite so it keeps working: its shape is tested, never its timings."""

import io
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from scripts import bench
from scripts.errors import StairwayError

ROWS = 1500
PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A folder for the bench's scratch databases and its results file."""
    return tmp_path_factory.mktemp("bench")


@pytest.fixture(scope="module")
def output() -> io.StringIO:
    """What the bench printed."""
    return io.StringIO()


@pytest.fixture(scope="module")
def results(folder, output) -> dict:
    """The results of one small run, as main() returns and saves them."""
    return bench.main(
        rows=ROWS,
        url=f"sqlite:///{folder / 'bench.db'}",
        json_path=str(folder / "bench.json"),
        checks=False,
        console=Console(file=output, width=200),
    )


@pytest.fixture(scope="module")
def run(results) -> dict:
    """The one run in the results."""
    (run,) = results["runs"]
    return run


def test_every_step_has_a_time_and_a_floor(run):
    names = [step["name"] for step in run["steps"]]
    assert names == [
        "stage 1 (0001)",
        "seed",
        "stage 2 (0002)",
        "stage 3 (0003)",
        "stage 4 (0004)",
        "stage 5 (0005)",
    ]
    for step in run["steps"]:
        assert step["seconds"] > 0 and step["floor"] > 0, step["name"]
        assert step["ratio"] == pytest.approx(step["seconds"] / step["floor"])
        assert step["peak_mib"] > 0 and step["floor_peak_mib"] > 0
        assert step["slowest"] and step["floor_slowest"]


def test_steps_that_move_rows_say_how_fast(run):
    by_name = {step["name"]: step for step in run["steps"]}
    assert by_name["seed"]["rows"] == by_name["stage 4 (0004)"]["rows"] == 3 * ROWS
    assert by_name["seed"]["rows_per_second"] > 0
    assert by_name["stage 2 (0002)"]["rows"] == 0
    assert by_name["stage 2 (0002)"]["rows_per_second"] is None


def test_the_floor_reaches_the_same_schema_as_the_stairway(run):
    for step in run["steps"]:
        assert step["same_schema"], (step["name"], step["schema_differences"])


def test_every_row_reaches_the_head_on_both_sides(run):
    passwords = math.ceil(ROWS / bench.PASSWORD_EVERY)
    expected = {"user_account": ROWS, "address": 2 * ROWS, "password_hash": passwords}
    assert run["counts"] == run["floor_counts"] == expected


def test_hashing_is_reported_on_its_own_with_the_lowered_cost(run, output):
    hashing = run["hashing"]
    assert hashing["passwords"] == math.ceil(ROWS / bench.PASSWORD_EVERY)
    assert hashing["iterations"] == run["password_iterations"] == bench.DEFAULT_ITERATIONS
    assert hashing["seconds"] > 0 and hashing["floor_seconds"] > 0
    assert hashing["seconds_at_revision_default"] > hashing["seconds"]
    printed = output.getvalue()
    assert "1,000 PBKDF2 iterations, not the revision's 600,000" in printed
    assert f"hashing {hashing['passwords']} passwords at 1,000 iterations" in printed


def test_the_results_are_saved_and_the_scratch_databases_gone(folder, results):
    saved = json.loads((folder / "bench.json").read_text())
    assert saved == json.loads(json.dumps(results))
    assert sorted(p.name for p in folder.iterdir()) == ["bench.json"]


def test_a_run_replaces_the_earlier_run_of_its_size(run):
    results = {"runs": [dict(run, server="old"), dict(run, rows=10)]}
    bench.merge_run(results, run)
    assert [(r["rows"], r["server"]) for r in results["runs"]] == [
        (10, run["server"]),
        (ROWS, run["server"]),
    ]


def test_the_chart_is_drawn(results, tmp_path):
    # matplotlib comes with the bench extra, which the README's test block installs
    path = tmp_path / "chart.png"
    bench.draw_chart(results, path)
    assert path.read_bytes().startswith(b"\x89PNG")


def test_the_chart_without_matplotlib_says_what_to_install(results, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    with pytest.raises(StairwayError, match=r"pip install -e '\.\[bench\]'"):
        bench.draw_chart(results, tmp_path / "chart.png")


@pytest.mark.parametrize("rows", ["", "0", "ten", "10,-5"])
def test_sizes_must_be_positive_numbers(rows):
    with pytest.raises(StairwayError, match="--rows"):
        bench.parse_sizes(rows)


def test_sizes_run_smallest_first():
    assert bench.parse_sizes("1_000_000,10000, 100000") == [10_000, 100_000, 1_000_000]


def test_check_is_timed_against_a_bare_traverse():
    found = bench.time_checks(Console(file=io.StringIO()))
    assert found["check_seconds"] > found["pbkdf2_seconds"] > 0
    assert found["traverse_seconds"] > 0
    assert found["ratio"] == pytest.approx(found["check_seconds"] / found["traverse_seconds"])
    assert found["ratio_without_pbkdf2"] < found["ratio"]


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
    done = invoke_bench("--rows", "200", "--url", url, "--json", str(results), "--no-checks")
    assert done.returncode == 0, done.stderr
    assert "SQLite" in done.stdout and "200 users" in done.stdout
    assert [run["rows"] for run in json.loads(results.read_text())["runs"]] == [200]


def test_the_task_says_what_is_wrong_in_one_line(tmp_path):
    done = invoke_bench("--rows", "ten", "--json", str(tmp_path / "bench.json"))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: --rows takes numbers separated by commas, not 'ten'"
    ]
