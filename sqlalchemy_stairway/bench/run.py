"""One benchmark run of a project, as ``invoke bench`` makes it: every part, printed and saved."""

from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from sqlalchemy_stairway.bench.chain import run_chain
from sqlalchemy_stairway.bench.chart import draw_chart
from sqlalchemy_stairway.bench.checks import time_checks
from sqlalchemy_stairway.bench.plan import BenchPlan
from sqlalchemy_stairway.bench.results import (
    chain_memory,
    explain,
    load_results,
    merge,
    merge_run,
    save_results,
    scaling,
)
from sqlalchemy_stairway.bench.targets import MeasureContext, Target, run_measurements
from sqlalchemy_stairway.bench.walk import run_walk
from sqlalchemy_stairway.check.engines import parse_url, redact, resolve_url
from sqlalchemy_stairway.check.errors import StairwayError

DEFAULT_ROWS = 1_000_000
DEFAULT_JSON = "bench-results/bench.json"


def parse_sizes(rows: str | int) -> list[int]:
    """Return the sizes in ``rows``: one number, or several separated by commas."""
    try:
        sizes = [int(part) for part in str(rows).split(",") if part.strip()]
    except ValueError:
        raise StairwayError(f"--rows takes numbers separated by commas, not {rows!r}") from None
    if not sizes or min(sizes) < 1:
        raise StairwayError(f"--rows must be at least 1, not {rows!r}")
    return sorted(sizes)


def chain_target(chain: dict) -> Target:
    return Target(
        "base to head in one run",
        chain["ratio"],
        chain["target"],
        "x its floor",
        at_least=False,
        how=f"{chain['rows']:,} rows; floors back to back {chain['floor']:.2f} s, "
        f"migrations {chain['seconds']:.2f} s"
        + (
            f"; the median of {len(chain['runs'])} pairs: "
            + ", ".join(f"{r['ratio']:.2f}" for r in chain["runs"])
            if "runs" in chain
            else ""
        ),
    )


def run(
    plan: BenchPlan,
    rows: str | int = DEFAULT_ROWS,
    url: str | None = None,
    json_path: str = DEFAULT_JSON,
    chart: str | None = None,
    checks: bool = True,
    chain: bool = True,
    measurements: bool = True,
    console: Console | None = None,
    walk: bool = True,
    repeat: int = 1,
) -> dict:
    """Run the bench on ``url``'s server: stage by stage for each size, the whole chain at
    the largest, each stage's own measurements, the checks; print, save and return it all.

    Without the stage-by-stage ``walk``, the whole chain runs at every size instead, so
    that its time and its memory can be compared across sizes; ``repeat`` times it that
    many times at each size (:func:`run_chain`)."""
    console = console or Console()
    sizes = parse_sizes(rows)
    parsed = parse_url(resolve_url(url, "sqlite:///tutorial.db"))
    dialect = parsed.get_backend_name()
    path = Path(json_path)
    results = load_results(path)
    console.print(f"bench on {redact(parsed)} (in scratch databases beside it)")
    for note in plan.notes:
        console.print(note, highlight=False)
    for size in sizes if walk else ():
        found = run_walk(plan, parsed, size, console)
        merge_run(results, found)
        save_results(path, results)
        console.print(
            f"an upgrade with nothing to do (Alembic and env.py alone): "
            f"{found['alembic_noop_upgrade_seconds']:.3f} s; at head: {found['counts']}"
        )
        for line in explain(found):
            console.print(line, highlight=False, markup=False, soft_wrap=True)
    for line in scaling(results, dialect):
        console.print(line)
    for size in (sizes[-1:] if walk else sizes) if chain else ():
        found = run_chain(plan, parsed, size, console, repeat)
        merge(results, "chains", found)
        save_results(path, results)
        console.print(chain_target(found).line(), soft_wrap=True)
        if not found["same_schema"]:
            console.print(f"[red]the floors' schema differs:[/] {found['schema_differences']}")
    for line in chain_memory(results, dialect) if chain else ():
        console.print(line, highlight=False)
    if measurements:
        measured = run_measurements(MeasureContext(plan, parsed, console))
        merge(
            results,
            "measurements",
            {
                "dialect": dialect,
                "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "measured": [m.as_dict() for m in measured],
            },
        )
        save_results(path, results)
    if checks:
        results["checks"] = found = time_checks(plan.stairway, console)
        save_results(path, results)
        style = "green" if found["ratio"] <= found["target"] else "red"
        console.print(
            f"the checks on SQLite: {found['check_seconds']:.2f} s; bare up, down, up: "
            f"{found['traverse_seconds']:.2f} s; [{style}]{found['ratio']:.2f}x[/] "
            f"(target ≤ {found['target']}x); the same up, down, up one stage per "
            f"Alembic command: {found['stepwise_traverse_seconds']:.2f} s"
        )
    console.print(f"results: {path}")
    if chart:
        draw_chart(results, Path(chart))
        console.print(f"chart: {chart}")
    return results
