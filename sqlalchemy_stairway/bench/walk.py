"""Stage by stage: each migration, and the seeding, timed against its floor."""

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

from rich.console import Console
from rich.live import Live
from sqlalchemy import URL, Connection

from sqlalchemy_stairway.bench.database import (
    count_rows,
    insert_bulk,
    schema_differences,
    settle,
    stairway_and_floor,
)
from sqlalchemy_stairway.bench.floor import Floor
from sqlalchemy_stairway.bench.machine import machine, revisions_digest, server_version
from sqlalchemy_stairway.bench.measure import timed
from sqlalchemy_stairway.bench.plan import BenchPlan, BulkData
from sqlalchemy_stairway.bench.steps import Step
from sqlalchemy_stairway.bench.view import View
from sqlalchemy_stairway.migrate import migrate
from sqlalchemy_stairway.stages import Stage, Stairway


def rewritten_tables(stairway: Stairway, stage: Stage) -> dict[str, str]:
    """Return new name -> old name of the tables ``stage`` rewrites (renames or reshapes)."""
    rewritten = {}
    for name, source in stairway.table_sources(stage).items():
        carry = source.carry
        if carry is not None and (
            carry.source != name or carry.renamed or carry.computed or carry.dropped
        ):
            rewritten[name] = carry.source
    return rewritten


def rows_touched(stairway: Stairway, stages: list[Stage], seeded: dict[str, int]) -> dict:
    """Return stage number -> rows its floor must move, following the seeded tables' renames."""
    counts, touched = dict(seeded), {}
    for stage in stages:
        rewritten = rewritten_tables(stairway, stage)
        touched[stage.number] = sum(counts.get(old, 0) for old in rewritten.values())
        sources = stairway.table_sources(stage)
        counts = {
            name: counts.get(source.carry.source, 0)
            for name, source in sources.items()
            if source.carry is not None
        }
    return touched


def run_walk(plan: BenchPlan, url: URL, rows: int, console: Console | None = None) -> dict:
    """Seed ``plan.data(rows)`` and migrate it up, stage by stage, beside ``url``."""
    console = console or Console()
    stairway, seed_stage = plan.stairway, plan.seed_stage()
    steps = []
    for stage in stairway.stages[1:]:
        steps.append(Step(stage.label, "stage", stage=stage.number))
        if stage is seed_stage:
            steps.append(Step("seed", "seed"))
    with stairway_and_floor(plan, url) as (connection, floor):
        server = server_version(connection)
        connection.rollback()
        view = View(f"{server}: {rows:,} rows seeded", steps)
        with Live(view, console=console, refresh_per_second=4):
            _walk(plan, connection, floor, steps, view, rows)
        if not console.is_terminal:
            console.line()
        overhead = timed(partial(_upgrade_with_nothing_to_do, plan, connection)).seconds
        counts = count_rows(connection, stairway.head)
        with floor.engine.connect() as floor_connection:
            floor_counts = count_rows(floor_connection, stairway.head)
    return {
        "dialect": url.get_backend_name(),
        "server": server,
        "rows": rows,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "revisions": revisions_digest(stairway),
        "attributes": dict(plan.attributes),
        "steps": [step.as_dict() for step in steps],
        "alembic_noop_upgrade_seconds": overhead,
        "counts": counts,
        "floor_counts": floor_counts,
    }


def _walk(
    plan: BenchPlan, connection: Connection, floor: Floor, steps: list[Step], view: View, n: int
) -> None:
    progress, stairway = view.progress, plan.stairway
    overall = progress.add_task("steps (floor, then stairway)", total=2 * len(steps))
    touched: dict[int, int] = {}
    for step in steps:
        bar = None
        if step.stage is None:
            bar = progress.add_task("  seed: floor", total=None)
            advance = partial(progress.advance, bar)
            run_floor = partial(floor.seed, plan.data(n), advance)
            seeded: dict[str, int] = {}
            run_stairway = partial(_seed, plan, connection, plan.data(n), advance, seeded)
        else:
            stage = stairway[step.stage]
            step.rows = touched.get(stage.number, 0)
            run_floor = partial(floor.stage, stage)
            run_stairway = partial(_migrate, plan, connection, stage)
        settle(connection.engine, floor.engine)
        floor_timing = timed(run_floor)
        progress.advance(overall)
        if bar is not None:
            progress.update(bar, description="  seed: stairway", completed=0)
        settle(connection.engine, floor.engine)
        timing = timed(run_stairway, connection.engine)
        progress.advance(overall)
        if bar is not None:
            progress.remove_task(bar)
            step.rows = sum(seeded.values())
            later = [stage for stage in stairway.stages if stage.number > plan.seed_stage().number]
            touched = rows_touched(stairway, later, seeded)
            settle(connection.engine, floor.engine, vacuum=True)
        step.seconds, step.peak_mib = timing.seconds, timing.peak_mib
        step.sql_seconds, step.slowest = timing.sql_seconds, timing.slowest
        step.floor, step.floor_peak_mib = floor_timing.seconds, floor_timing.peak_mib
        step.floor_slowest = floor_timing.slowest
        step.floor_python_seconds = floor_timing.python_seconds or None
        step.schema_differences = schema_differences(connection, floor.engine)
        step.same_schema = not step.schema_differences


def _seed(
    plan: BenchPlan,
    connection: Connection,
    data: BulkData,
    advance: Callable[[int], None],
    seeded: dict[str, int],
) -> None:
    """Seed the bulk rows the project's way, in one transaction; note how many per table."""
    with connection.begin():
        seeded.update(insert_bulk(connection, plan.seed_stage(), data, advance))


def _migrate(plan: BenchPlan, connection: Connection, stage: Stage) -> None:
    migrate(plan.stairway, connection, stage, **plan.attributes)
    if connection.in_transaction():
        connection.commit()


def _upgrade_with_nothing_to_do(plan: BenchPlan, connection: Connection) -> None:
    """Alembic's and env.py's fixed cost per command: an upgrade at the head."""
    from alembic import command

    command.upgrade(plan.stairway.alembic_config(connection=connection), "head")
    connection.commit()
