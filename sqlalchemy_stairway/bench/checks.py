"""The checks, timed against a bare traverse of the chain they check."""

import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from sqlalchemy_stairway.bench.steps import TARGETS
from sqlalchemy_stairway.check.engines import make_engine
from sqlalchemy_stairway.check.scratch import scratch_database
from sqlalchemy_stairway.checks import CHECK_PASSWORD_ITERATIONS, check_in_scratch
from sqlalchemy_stairway.migrate import migrate
from sqlalchemy_stairway.stages import Stairway


def time_checks(stairway: Stairway, console: Console | None = None) -> dict:
    """Time the checks on SQLite, and a bare up, down, up of the chain beside them.

    The traverse hashes as cheaply as the checks do, so the two differ by
    the checking alone.
    """
    console = console or Console()
    cheap = {"password_iterations": CHECK_PASSWORD_ITERATIONS}  # what the checks migrate with
    head, base = stairway.head, stairway.base
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'checks.db'}"
        with console.status("timing the checks on SQLite"):
            start = time.perf_counter()
            check_in_scratch(stairway, url)
            checks = time.perf_counter() - start
        with (
            console.status("timing a bare upgrade, downgrade, upgrade of the chain"),
            scratch_database(url) as traverse_url,
        ):
            engine = make_engine(traverse_url, for_migrations=True)
            try:
                with engine.connect() as connection:

                    def move(target):
                        migrate(stairway, connection, target, allow_data_loss=True, **cheap)

                    start = time.perf_counter()
                    for target in (head, base, head):
                        move(target)
                    traverse = time.perf_counter() - start
                    # the same, one Alembic command per stage, as the checks must move
                    move(base)
                    stages = stairway.stages
                    path = [*stages[1:], *reversed(stages[:-1]), *stages[1:]]
                    start = time.perf_counter()
                    for target in path:
                        move(target)
                    stepwise = time.perf_counter() - start
            finally:
                engine.dispose()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "check_seconds": checks,
        "traverse_seconds": traverse,
        "stepwise_traverse_seconds": stepwise,
        "stepwise_commands": len(path),
        "ratio": checks / traverse,
        "target": TARGETS["check"],
    }
