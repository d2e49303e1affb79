"""The whole chain: base to head in one Alembic run, against the stages' floors back to back.

The bulk rows are seeded on the way (right after the stage whose tables
they fill, inside the run), and the seeding's time is taken off both
sides: what is compared is the migrations alone.  So is the peak memory:
it is read afresh once the seeding is done.

On two shared CPUs one pair of timings moves by a quarter from run to
run, the floor as much as the migrations; ``repeat`` runs the pair again,
in fresh databases, the floor first one time and the migrations first the
next, and the ratio is the median of the pairs' ratios.
"""

import statistics
import time
from datetime import UTC, datetime

from rich.console import Console
from sqlalchemy import URL, Connection

from sqlalchemy_stairway.bench.database import (
    count_rows,
    insert_bulk,
    schema_differences,
    settle,
    stairway_and_floor,
)
from sqlalchemy_stairway.bench.machine import machine, revisions_digest, server_version
from sqlalchemy_stairway.bench.measure import Clock, clocked, peak_memory_mib, reset_peak_memory
from sqlalchemy_stairway.bench.plan import BenchPlan
from sqlalchemy_stairway.bench.steps import TARGETS
from sqlalchemy_stairway.migrate import migrate
from sqlalchemy_stairway.stages import Stage


def run_chain(
    plan: BenchPlan, url: URL, rows: int, console: Console | None = None, repeat: int = 1
) -> dict:
    """Migrate base to head with ``plan.chain_data(rows)`` seeded on the way; time both sides.

    ``repeat``: pairs of runs; the ratio is their median, each run is kept in ``runs``.
    """
    console = console or Console()
    runs = []
    for number in range(repeat):
        runs.append(_one_pair(plan, url, rows, console, floor_first=number % 2 == 0))
        if repeat > 1:
            console.print(
                f"pair {number + 1} of {repeat}: floors {runs[-1]['floor']:.2f} s, "
                f"migrations {runs[-1]['seconds']:.2f} s, {runs[-1]['ratio']:.2f} x",
                highlight=False,
            )
    found = dict(runs[-1])  # statements, schemas and counts as the last pair found them
    found |= {
        "seconds": statistics.median(r["seconds"] for r in runs),
        "floor": statistics.median(r["floor"] for r in runs),
        "ratio": statistics.median(r["ratio"] for r in runs),
        "peak_mib": max(r["peak_mib"] for r in runs),
        "floor_peak_mib": max(r["floor_peak_mib"] for r in runs),
        "same_schema": all(r["same_schema"] for r in runs),
    }
    if repeat > 1:
        found["runs"] = [
            {k: r[k] for k in ("seconds", "floor", "ratio", "floor_first")} for r in runs
        ]
    return found


def _one_pair(plan: BenchPlan, url: URL, rows: int, console: Console, floor_first: bool) -> dict:
    """The floors and the migrations once each, in two fresh scratch databases."""
    stairway, seed_stage = plan.stairway, plan.seed_stage()
    with stairway_and_floor(plan, url) as (connection, floor):
        server = server_version(connection)
        connection.rollback()
        label = f"{server}: base to head in one run, {rows:,} rows seeded on the way"

        def time_floor() -> tuple:
            with console.status(f"{label}: the floors, back to back"):
                settle(connection.engine, floor.engine)
                reset_peak_memory()
                start = time.perf_counter()
                clock, floor_seeding = floor.chain(seed_stage, plan.chain_data(rows))
                seconds = time.perf_counter() - start - floor_seeding
                return clock, floor_seeding, seconds, peak_memory_mib()

        def time_migrations() -> tuple:
            with console.status(f"{label}: the migrations"):
                settle(connection.engine, floor.engine)
                reset_peak_memory()
                with clocked(connection.engine) as statements:
                    seeding = _Seeding(plan, seed_stage, rows, statements)
                    start = time.perf_counter()
                    migrate(
                        stairway, connection, stairway.head, after_each=seeding, **plan.attributes
                    )
                    if connection.in_transaction():
                        connection.commit()
                    seconds = time.perf_counter() - start - seeding.seconds
                return statements, seeding, seconds, peak_memory_mib()

        if floor_first:
            clock, floor_seeding, floor_seconds, floor_peak = time_floor()
            statements, seeding, seconds, peak = time_migrations()
        else:
            statements, seeding, seconds, peak = time_migrations()
            clock, floor_seeding, floor_seconds, floor_peak = time_floor()
        differences = schema_differences(connection, floor.engine)
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
        "seconds": seconds,
        "floor": floor_seconds,
        "ratio": seconds / floor_seconds,
        "target": TARGETS["chain"],
        "seeding_seconds": seeding.seconds,
        "floor_seeding_seconds": floor_seeding,
        "peak_mib": round(peak, 1),
        "floor_peak_mib": round(floor_peak, 1),
        "sql_seconds": sum(statements.statements.values()),
        "slowest": statements.slowest(8),
        "floor_slowest": clock.slowest(8),
        "same_schema": not differences,
        "schema_differences": differences,
        "counts": counts,
        "floor_counts": floor_counts,
        "floor_first": floor_first,
    }


class _Seeding:
    """An ``after_each`` hook that seeds the bulk rows after ``stage``, and times it."""

    def __init__(self, plan: BenchPlan, stage: Stage, rows: int, clock: Clock) -> None:
        self.plan, self.stage, self.rows, self.clock = plan, stage, rows, clock
        self.seconds = 0.0

    def __call__(self, connection: Connection, stage: Stage, upgrading: bool) -> None:
        if upgrading and stage.number == self.stage.number:
            self.clock.paused = True  # the seeding's statements are not the migrations'
            start = time.perf_counter()
            insert_bulk(connection, self.stage, self.plan.chain_data(self.rows), lambda k: None)
            self.seconds += time.perf_counter() - start
            reset_peak_memory()  # the peak is the migrations', not the seeding's
            self.clock.paused = False
