"""Seed and migrate a million users, every step timed against the database's own floor.

Usage::

    invoke bench [--rows N[,N...]] [--url URL] [--iterations K] [--json FILE] [--chart PNG]
    python -m scripts.bench [same options]

For each size N (default 1,000,000) the bench makes two scratch databases
beside ``--url``'s (SQLite: new files beside the given one; PostgreSQL and
MariaDB: new databases on the same server; the database named in the URL
is never touched) and walks both up the stairway, step by step:

- the *stairway* database the project's own way: ``move()`` to stage 1,
  then :func:`scripts.seed.insert_many` seeds N users and 2N e-mail
  addresses (one user in a thousand has a password, like Mary among Tom,
  Fred and Harry), then ``move()`` to stages 2, 3, 4 and 5;
- the *floor* database by the least the database itself must do, through
  a raw DB-API cursor in one transaction per step: the same tuples by
  ``executemany``; for each stage the minimal SQL of that database (native
  ``ALTER`` where it has one; on SQLite stage 4 one rebuild per table:
  create the new table, ``INSERT ... SELECT``, drop the old one).

Both databases hold the same rows before every step, and the bench checks
that they hold the same schema after it.  Each step's time, its floor, the
ratio, rows per second (the rows the step must move / seconds) and the
process's peak memory (peak RSS, reset before each step on Linux) go into a
table, and with each step's slowest statements on both sides, into
``--json`` (merged with the other sizes already there).  ``--chart`` draws
every size in that file, stage time against floor, as a PNG
(``pip install -e '.[bench]'`` for matplotlib).

Passwords: revision 0004 hashes each one with PBKDF2 in Python, a batch
at a time.  At the revision's 600,000 iterations, hashing the thousand
passwords of a million users alone takes minutes, so the bench passes
``password_iterations`` (``--iterations``, default 1,000) to the revision
and to the floor alike, reports the hashing on its own line and says what
it would cost at 600,000.

Then (unless ``--no-checks``) it times the full ``invoke check`` on SQLite
against a bare upgrade to head, downgrade to base and upgrade to head of the
chain, and against the same traverse made one Alembic command per stage.
"""

import argparse
import gc
import hashlib
import io
import json
import os
import platform
import re
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from itertools import islice
from pathlib import Path

import alembic
import sqlalchemy
from alembic import command
from rich.console import Console, Group
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import URL, Connection, Engine, event, text
from sqlalchemy.schema import CreateTable

from models.stages import HEAD, STAGES
from scripts.database import make_engine, parse_url, redact, resolve_url, scratch_database
from scripts.errors import StairwayError
from scripts.migrate import PROJECT_ROOT, alembic_config, move
from scripts.passwords import ITERATIONS, hash_password
from scripts.schema import structure, structure_differences
from scripts.seed import BATCH_SIZE, insert_many

DEFAULT_ROWS = 1_000_000
DEFAULT_ITERATIONS = 1_000
DEFAULT_JSON = "bench-results/bench.json"
PASSWORD_EVERY = 1000  # one user in a thousand has a password: Mary, among Tom, Fred and Harry
ADDRESSES_PER_USER = 2
TARGETS = {"seed": 1.3, "stage": 1.5, "check": 4.0}
PROGRESS_EVERY = 10_000

# Rows per user a stage's floor must read or write: stage 4 rewrites both
# tables; the others create tables or add a NULL column, whatever the size.
ROWS_TOUCHED = {4: 1 + ADDRESSES_PER_USER}

USER_COLUMNS = ("user_name", "password")
ADDRESS_COLUMNS = ("email_address", "user_id")


# -- the data ----------------------------------------------------------------


def user_rows(n: int) -> Iterator[tuple[str, str | None]]:
    """Yield N users as (user_name, password); user i gets id i in a new table."""
    for i in range(1, n + 1):
        yield f"user{i}", (f"pw{i}"[:10] if i % PASSWORD_EVERY == 1 else None)


def address_rows(n: int) -> Iterator[tuple[str, int]]:
    """Yield two e-mail addresses for each of N users, as (email_address, user_id)."""
    for i in range(1, n + 1):
        yield f"user{i}@example.com", i
        yield f"user{i}.home@example.com", i


def counted(rows: Iterable, advance: Callable[[int], None]) -> Iterator:
    """Yield ``rows``, calling ``advance(k)`` after every k of them."""
    rows = iter(rows)
    while chunk := list(islice(rows, PROGRESS_EVERY)):
        yield from chunk
        advance(len(chunk))


# -- the floors --------------------------------------------------------------


@dataclass(frozen=True)
class HashPasswords:
    """The floor's one Python step: read the passwords, write their hashes."""

    read: str
    write: str


def create_tables(dialect, stage: int, *names: str) -> list[str]:
    tables = STAGES[stage].metadata.tables
    return [str(CreateTable(tables[name]).compile(dialect=dialect)).strip() for name in names]


def floor_statements(dialect, stage: int) -> list[str | HashPasswords]:
    """Return the least SQL that takes stage ``stage - 1`` to ``stage`` on ``dialect``."""
    name = dialect.name
    if stage == 1:
        return create_tables(dialect, 1, "users", "email_addresses")
    if stage == 2:
        return create_tables(dialect, 2, "pet")
    if stage == 3:
        return ["ALTER TABLE users ADD COLUMN number INTEGER"]
    if stage == 5:
        return create_tables(dialect, 5, "order", "item")
    if name == "sqlite":
        # no ALTER for the rest: one rebuild per table, straight to the new names
        return [
            *create_tables(dialect, 4, "user_account"),
            "INSERT INTO user_account (id, name, number) "
            "SELECT user_id, user_name, number FROM users",
            HashPasswords(
                "SELECT user_id, password FROM users WHERE password IS NOT NULL",
                "UPDATE user_account SET password_hash = ? WHERE id = ?",
            ),
            *create_tables(dialect, 4, "address"),
            "INSERT INTO address (id, email_address, user_id) "
            "SELECT address_id, email_address, user_id FROM email_addresses",
            "DROP TABLE email_addresses",
            "DROP TABLE users",
        ]
    hashing = HashPasswords(
        "SELECT user_id, password FROM users WHERE password IS NOT NULL",
        "UPDATE users SET password_hash = %s WHERE user_id = %s",
    )
    if name == "postgresql":
        return [
            "ALTER TABLE users ADD COLUMN password_hash VARCHAR(128)",
            hashing,
            "ALTER TABLE users RENAME TO user_account",
            "ALTER TABLE user_account RENAME CONSTRAINT pk_users TO pk_user_account",
            "ALTER TABLE user_account RENAME COLUMN user_id TO id",
            "ALTER TABLE user_account RENAME COLUMN user_name TO name",
            # one statement, one rewrite: the NOT NULL is checked during it
            "ALTER TABLE user_account DROP COLUMN password, ALTER COLUMN name TYPE VARCHAR(30), "
            "ALTER COLUMN name SET NOT NULL, ADD COLUMN fullname VARCHAR(100)",
            "ALTER SEQUENCE users_user_id_seq RENAME TO user_account_id_seq",
            "ALTER TABLE email_addresses RENAME TO address",
            "ALTER TABLE address RENAME CONSTRAINT pk_email_addresses TO pk_address",
            "ALTER TABLE address RENAME CONSTRAINT fk_email_addresses_user_id_users "
            "TO fk_address_user_id_user_account",
            "ALTER TABLE address RENAME COLUMN address_id TO id",
            "ALTER TABLE address ALTER COLUMN user_id SET NOT NULL",
            "ALTER SEQUENCE email_addresses_address_id_seq RENAME TO address_id_seq",
        ]
    if name == "mysql":
        return [
            "ALTER TABLE users ADD COLUMN password_hash VARCHAR(128)",
            hashing,
            "RENAME TABLE users TO user_account, email_addresses TO address",
            # the key first: InnoDB copies no table whose referenced column is renamed
            "ALTER TABLE address DROP FOREIGN KEY fk_email_addresses_user_id_users, "
            "DROP INDEX fk_email_addresses_user_id_users",
            # then one ALTER per table, so one rebuild per table at most
            "ALTER TABLE user_account DROP COLUMN password, "
            "CHANGE user_id id INTEGER NOT NULL AUTO_INCREMENT, "
            "CHANGE user_name name VARCHAR(30) NOT NULL, ADD COLUMN fullname VARCHAR(100)",
            "ALTER TABLE address CHANGE address_id id INTEGER NOT NULL AUTO_INCREMENT, "
            "MODIFY user_id INTEGER NOT NULL, ADD CONSTRAINT fk_address_user_id_user_account "
            "FOREIGN KEY (user_id) REFERENCES user_account (id)",
        ]
    raise StairwayError(f"the bench knows no floor for {name}; use sqlite, postgresql or mysql")


def insert_statement(dialect, table: str, columns: Iterable[str]) -> str:
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    columns = list(columns)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})"
    )


# -- measuring ---------------------------------------------------------------


def reset_peak_memory() -> None:
    """Start a new peak-RSS reading (Linux; elsewhere the peak is the process's)."""
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_memory_mib() -> float:
    """Return the peak resident memory since :func:`reset_peak_memory`, in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def label(statement: str) -> str:
    """Return a statement on one line, short enough to read in a report."""
    line = " ".join(statement.split())
    return line if len(line) <= 110 else line[:107] + "..."


@dataclass
class Clock:
    """Seconds per statement, and the Python time spent hashing passwords."""

    statements: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    hashing: float = 0.0

    def add(self, statement: str, seconds: float) -> None:
        self.statements[label(statement)] += seconds

    def slowest(self, count: int = 5) -> list[tuple[str, float]]:
        return sorted(self.statements.items(), key=lambda item: -item[1])[:count]


@contextmanager
def clocked(engine: Engine) -> Iterator[Clock]:
    """Time every statement ``engine`` runs; the gap before each hash UPDATE is hashing."""
    clock = Clock()
    marks = {"started": 0.0, "ended": None}

    def before(conn, cursor, statement, parameters, context, executemany):
        now = time.perf_counter()
        if marks["ended"] is not None and re.match(r"\s*UPDATE\b.*password_hash", statement, re.S):
            clock.hashing += now - marks["ended"]
        marks["started"] = now

    def after(conn, cursor, statement, parameters, context, executemany):
        now = time.perf_counter()
        clock.add(statement, now - marks["started"])
        marks["ended"] = now

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield clock
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


@dataclass
class Timing:
    seconds: float
    peak_mib: float
    sql_seconds: float
    hashing_seconds: float
    slowest: list[tuple[str, float]]


def timed(run: Callable[[], Clock | None], engine: Engine | None = None) -> Timing:
    """Run ``run()`` and return its time, peak memory and slowest statements."""
    gc.collect()
    reset_peak_memory()
    with clocked(engine) if engine is not None else _no_clock() as clock:
        start = time.perf_counter()
        returned = run()
        seconds = time.perf_counter() - start
    peak = peak_memory_mib()
    clock = returned or clock
    return Timing(
        seconds=seconds,
        peak_mib=round(peak, 1),
        sql_seconds=sum(clock.statements.values()),
        hashing_seconds=clock.hashing,
        slowest=clock.slowest(),
    )


@contextmanager
def _no_clock() -> Iterator[Clock]:
    yield Clock()


# -- the steps ---------------------------------------------------------------


@dataclass
class Step:
    name: str
    kind: str  # "seed" or "stage": which target applies
    stage: int | None = None  # the stage a migration step moves to
    rows: int = 0  # rows the floor must read or write; 0: a step of constant time
    seconds: float | None = None
    floor: float | None = None
    peak_mib: float | None = None
    floor_peak_mib: float | None = None
    sql_seconds: float | None = None
    hashing_seconds: float | None = None
    floor_hashing_seconds: float | None = None
    same_schema: bool | None = None
    schema_differences: list[str] = field(default_factory=list)
    slowest: list[tuple[str, float]] = field(default_factory=list)
    floor_slowest: list[tuple[str, float]] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if self.seconds is None or not self.floor:
            return None
        return self.seconds / self.floor

    @property
    def rows_per_second(self) -> float | None:
        return self.rows / self.seconds if self.rows and self.seconds else None

    @property
    def target(self) -> float:
        return TARGETS[self.kind]

    def as_dict(self) -> dict:
        found = asdict(self)
        found.update(ratio=self.ratio, rows_per_second=self.rows_per_second, target=self.target)
        return found


class Floor:
    """Runs the floor's statements on one raw DB-API connection, one transaction per step."""

    def __init__(self, engine: Engine, iterations: int) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        self.iterations = iterations
        self.raw = engine.raw_connection()

    def close(self) -> None:
        self.raw.close()

    @contextmanager
    def transaction(self) -> Iterator:
        cursor = self.raw.cursor()
        if self.dialect.name == "sqlite":
            # our SQLite engines leave transactions to the caller: BEGIN as a migration does
            cursor.execute("BEGIN IMMEDIATE")
        try:
            yield cursor
            self.raw.commit()
        except BaseException:
            self.raw.rollback()
            raise
        finally:
            cursor.close()

    def seed(self, n: int, advance: Callable[[int], None]) -> Clock:
        clock = Clock()
        with self.transaction() as cursor:
            for table, columns, rows in (
                ("users", USER_COLUMNS, user_rows(n)),
                ("email_addresses", ADDRESS_COLUMNS, address_rows(n)),
            ):
                sql = insert_statement(self.dialect, table, columns)
                start = time.perf_counter()
                # in lists of BATCH_SIZE, as insert_many does: sqlite3 takes tuples from a
                # list a third faster than from a generator, and memory stays flat
                rows = counted(rows, advance)
                while batch := list(islice(rows, BATCH_SIZE)):
                    cursor.executemany(sql, batch)
                clock.add(sql, time.perf_counter() - start)
        return clock

    def stage(self, number: int) -> Clock:
        clock = Clock()
        with self.transaction() as cursor:
            for statement in floor_statements(self.dialect, number):
                if isinstance(statement, HashPasswords):
                    self.hash_passwords(cursor, statement, clock)
                    continue
                start = time.perf_counter()
                cursor.execute(statement)
                clock.add(statement, time.perf_counter() - start)
        return clock

    def hash_passwords(self, cursor, step: HashPasswords, clock: Clock) -> None:
        start = time.perf_counter()
        cursor.execute(step.read)
        passwords = cursor.fetchall()  # one user in a thousand
        clock.add(step.read, time.perf_counter() - start)
        start = time.perf_counter()
        hashes = [(hash_password(pw, self.iterations), uid) for uid, pw in passwords]
        clock.hashing += time.perf_counter() - start
        start = time.perf_counter()
        cursor.executemany(step.write, hashes)
        clock.add(step.write, time.perf_counter() - start)


def settle(*engines: Engine, vacuum: bool = False) -> None:
    """Let the server finish earlier work before the next timing (PostgreSQL: CHECKPOINT)."""
    for engine in engines:
        if engine.dialect.name != "postgresql":
            continue
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if vacuum:
                connection.exec_driver_sql("VACUUM ANALYZE")
            connection.exec_driver_sql("CHECKPOINT")


def server_version(connection: Connection) -> str:
    dialect = connection.dialect
    if dialect.name == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    name = "MariaDB" if getattr(dialect, "is_mariadb", False) else dialect.name
    name = {"postgresql": "PostgreSQL", "mysql": "MySQL"}.get(name, name)
    return f"{name} {'.'.join(str(part) for part in dialect.server_version_info)}"


def machine() -> dict:
    """Return what the numbers were measured on: CPUs, memory, versions (no paths)."""
    cpu, memory = platform.processor() or platform.machine(), None
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                    if line.startswith("model name")), cpu)  # fmt: skip
        meminfo = Path("/proc/meminfo").read_text()
        memory = round(int(re.search(r"MemTotal:\s+(\d+)", meminfo)[1]) / 1024**2, 1)
    except (OSError, TypeError):
        pass
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gib": memory,
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "alembic": alembic.__version__,
    }


def revisions_digest() -> str:
    """Return a short digest of the revision files, so a result names the code it timed."""
    digest = hashlib.sha256()
    for path in sorted((PROJECT_ROOT / "alembic" / "versions").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# -- one run -----------------------------------------------------------------


class View:
    """The live display: the results so far, and the progress bars."""

    def __init__(self, title: str, steps: list[Step]) -> None:
        self.title, self.steps = title, steps
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )

    def __rich__(self) -> Group:
        return Group(results_table(self.title, self.steps), self.progress)


def results_table(title: str, steps: list[Step]) -> Table:
    """Return the steps as a table: time, floor, ratio, rows/s, peak memory."""
    table = Table(title=title, title_justify="left")
    for heading in ("step", "time s", "floor s", "ratio", "target", "rows/s", "peak MiB", "note"):
        table.add_column(heading, justify="left" if heading in ("step", "note") else "right")
    for step in steps:
        ratio = step.ratio
        style = "" if ratio is None else ("green" if ratio <= step.target else "red")
        note = [] if ratio is None or ratio <= step.target else [reason(step)]
        if step.hashing_seconds:
            note.append(
                f"hashing {step.hashing_seconds:.2f} s (floor {step.floor_hashing_seconds:.2f})"
            )
        if step.same_schema is False:
            note.append("[red]floor's schema differs[/]")
        table.add_row(
            step.name,
            _number(step.seconds, ".3f"),
            _number(step.floor, ".3f"),
            f"[{style}]{ratio:.2f}x[/]" if ratio is not None else "",
            f"≤ {step.target}x",
            _number(step.rows_per_second, ",.0f"),
            _number(step.peak_mib, ".0f"),
            "; ".join(note),
        )
    return table


def reason(step: Step) -> str:
    """Return what took the stairway's time in a step that missed its target."""
    outside = step.seconds - (step.sql_seconds or 0) - (step.hashing_seconds or 0)
    statement, seconds = (step.slowest or [("", 0.0)])[0]
    if outside >= seconds:
        return f"outside SQL (Alembic, Python) {outside * 1000:.0f} ms"
    return f"{statement[:40]} {seconds * 1000:.0f} ms"


def _number(value: float | None, spec: str) -> str:
    return "" if value is None else format(value, spec)


def count_rows(connection: Connection) -> dict[str, int]:
    found = {
        table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
        for table in ("user_account", "address")
    }
    found["password_hash"] = connection.execute(
        text("SELECT count(*) FROM user_account WHERE password_hash IS NOT NULL")
    ).scalar_one()
    connection.rollback()
    return found


def check_user_ids(connection: Connection, n: int) -> None:
    """Fail unless the new users got ids 1..N, as the addresses assume."""
    found = connection.execute(text("SELECT min(user_id), max(user_id), count(*) FROM users")).one()
    connection.rollback()
    if tuple(found) != ((1, n, n) if n else (None, None, 0)):
        raise StairwayError(f"seeded users got ids {tuple(found)}, not 1..{n}; is the table new?")


def run_bench(
    url: str | URL,
    rows: int,
    *,
    iterations: int = DEFAULT_ITERATIONS,
    console: Console | None = None,
) -> dict:
    """Seed and migrate ``rows`` users beside ``url``; return the results as plain data."""
    console = console or Console()
    parsed = parse_url(url) if isinstance(url, str) else url
    steps = [Step("stage 1 (0001)", "stage", stage=1), Step("seed", "seed", rows=3 * rows)]
    steps += [
        Step(
            f"stage {s.number} ({s.revision})",
            "stage",
            stage=s.number,
            rows=ROWS_TOUCHED.get(s.number, 0) * rows,
        )
        for s in STAGES[2:]
    ]
    with (
        scratch_database(parsed) as stairway_url,
        scratch_database(parsed) as floor_url,
    ):
        stairway = make_engine(stairway_url, for_migrations=True)
        floor_engine = make_engine(floor_url, for_migrations=True)
        floor = Floor(floor_engine, iterations)
        try:
            with stairway.connect() as connection:
                server = server_version(connection)
                connection.rollback()
                title = f"{server}: {rows:,} users, {2 * rows:,} addresses"
                view = View(title, steps)
                with Live(view, console=console, refresh_per_second=4):
                    _walk(connection, floor, steps, view, rows, iterations)
                if not console.is_terminal:
                    console.line()
                overhead = timed(lambda: _upgrade_to_head(connection), stairway).seconds
                counts = count_rows(connection)
            with floor_engine.connect() as floor_connection:
                floor_counts = count_rows(floor_connection)
        finally:
            floor.close()
            stairway.dispose()
            floor_engine.dispose()
    stage_4 = next(step for step in steps if step.name.startswith("stage 4"))
    passwords = counts["password_hash"]
    return {
        "dialect": parsed.get_backend_name(),
        "server": server,
        "rows": rows,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "revisions": revisions_digest(),
        "password_iterations": iterations,
        "steps": [step.as_dict() for step in steps],
        "hashing": {
            "passwords": passwords,
            "iterations": iterations,
            "seconds": stage_4.hashing_seconds,
            "floor_seconds": stage_4.floor_hashing_seconds,
            "seconds_at_revision_default": (
                stage_4.hashing_seconds * ITERATIONS / iterations if iterations else None
            ),
        },
        "alembic_noop_upgrade_seconds": overhead,
        "counts": counts,
        "floor_counts": floor_counts,
    }


def _upgrade_to_head(connection: Connection) -> None:
    """An upgrade with nothing to do: Alembic's and env.py's fixed cost per command."""
    command.upgrade(alembic_config(connection=connection), "head")
    connection.commit()


def seed_stairway(connection: Connection, n: int, advance: Callable[[int], None]) -> None:
    """Seed N users and 2N addresses the project's way, in one transaction."""
    tables = STAGES[1].metadata.tables
    with connection.begin():
        for name, columns, rows in (
            ("users", USER_COLUMNS, user_rows(n)),
            ("email_addresses", ADDRESS_COLUMNS, address_rows(n)),
        ):
            insert_many(connection, tables[name], columns, counted(rows, advance))


def migrate(connection: Connection, number: int, iterations: int) -> None:
    """Move the stairway database to stage ``number``, hashing at ``iterations``."""
    move(connection, STAGES[number], password_iterations=iterations)
    if connection.in_transaction():
        connection.commit()


def _walk(
    connection: Connection, floor: Floor, steps: list[Step], view: View, n: int, iterations: int
) -> None:
    progress = view.progress
    overall = progress.add_task("steps (floor, then stairway)", total=2 * len(steps))
    stairway = connection.engine
    for step in steps:
        bar = None
        if step.stage is None:
            bar = progress.add_task("  seed: floor", total=3 * n)
            advance = partial(progress.advance, bar)
            run_floor = partial(floor.seed, n, advance)
            run_stairway = partial(seed_stairway, connection, n, advance)
        else:
            run_floor = partial(floor.stage, step.stage)
            run_stairway = partial(migrate, connection, step.stage, iterations)
        settle(stairway, floor.engine)
        floor_timing = timed(run_floor)
        progress.advance(overall)
        if bar is not None:
            progress.update(bar, description="  seed: stairway", completed=0)
        settle(stairway, floor.engine)
        timing = timed(run_stairway, stairway)
        progress.advance(overall)
        if bar is not None:
            progress.remove_task(bar)
            check_user_ids(connection, n)
            settle(stairway, floor.engine, vacuum=True)
        step.seconds, step.peak_mib = timing.seconds, timing.peak_mib
        step.sql_seconds, step.slowest = timing.sql_seconds, timing.slowest
        step.hashing_seconds = timing.hashing_seconds or None
        step.floor, step.floor_peak_mib = floor_timing.seconds, floor_timing.peak_mib
        step.floor_slowest = floor_timing.slowest
        step.floor_hashing_seconds = floor_timing.hashing_seconds or None
        step.schema_differences = _schema_differences(connection, floor.engine)
        step.same_schema = not step.schema_differences


def _schema_differences(connection: Connection, floor_engine: Engine) -> list[str]:
    """Return how the floor's schema differs from the stairway's (nothing, if the floor is fair)."""
    with floor_engine.connect() as floor_connection:
        floor_structure = structure(floor_connection)
        floor_connection.rollback()
    found = structure(connection)
    connection.rollback()
    return structure_differences(floor_structure, found)


# -- invoke check against a bare traverse ---------------------------------------


@contextmanager
def pbkdf2_clock() -> Iterator[list[float]]:
    """Add up the seconds spent in ``hashlib.pbkdf2_hmac`` meanwhile (one-item list).

    The checks run revision 0004 at its own 600,000 iterations and verify
    the hash it wrote; that is the price of a password hash, not of the
    checks, so the bench reports it apart.  Both the revision and
    scripts.passwords look the function up on ``hashlib`` at each call.
    """
    spent = [0.0]
    original = hashlib.pbkdf2_hmac

    def timed_pbkdf2(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start

    hashlib.pbkdf2_hmac = timed_pbkdf2
    try:
        yield spent
    finally:
        hashlib.pbkdf2_hmac = original


def time_checks(console: Console | None = None) -> dict:
    """Time ``invoke check`` on SQLite, and a bare up, down, up of the chain beside it."""
    from scripts.safety import run_checks

    console = console or Console()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'checks.db'}"
        with console.status("timing invoke check on SQLite"), pbkdf2_clock() as hashing:
            start = time.perf_counter()
            run_checks(url)
            checks = time.perf_counter() - start
        with (
            console.status("timing a bare upgrade, downgrade, upgrade of the chain"),
            scratch_database(url) as traverse_url,
        ):
            engine = make_engine(traverse_url, for_migrations=True)
            try:
                with engine.connect() as connection:
                    start = time.perf_counter()
                    for target in (HEAD, STAGES[0], HEAD):
                        move(connection, target, allow_data_loss=True)
                    traverse = time.perf_counter() - start
                    # the same, one Alembic command per stage, as the checks must move
                    move(connection, STAGES[0], allow_data_loss=True)
                    stages = [*STAGES[1:], *reversed(STAGES[:-1]), *STAGES[1:]]
                    start = time.perf_counter()
                    for target in stages:
                        move(connection, target, allow_data_loss=True)
                    stepwise = time.perf_counter() - start
            finally:
                engine.dispose()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "check_seconds": checks,
        "pbkdf2_seconds": hashing[0],
        "traverse_seconds": traverse,
        "stepwise_traverse_seconds": stepwise,
        "stepwise_commands": len(stages),
        "ratio": checks / traverse,
        "ratio_without_pbkdf2": (checks - hashing[0]) / traverse,
        "target": TARGETS["check"],
    }


# -- results: JSON, summaries, chart ---------------------------------------------


def load_results(path: Path) -> dict:
    if not path.exists():
        return {"runs": []}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError:
        raise StairwayError(f"{path} is not a bench results file; choose another --json") from None


def merge_run(results: dict, run: dict) -> None:
    """Put ``run`` into ``results``, replacing an earlier run of the same database and size."""
    runs = [
        r for r in results["runs"] if (r["dialect"], r["rows"]) != (run["dialect"], run["rows"])
    ]
    results["runs"] = sorted([*runs, run], key=lambda r: (r["dialect"], r["rows"]))


def save_results(path: Path, results: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1) + "\n")


def explain(run: dict) -> list[str]:
    """Return, for each step over its target, where its time went against the floor's."""
    lines = []
    for step in run["steps"]:
        if step["ratio"] is None or step["ratio"] <= step["target"]:
            continue
        lines.append(
            f"{step['name']}: {step['seconds']:.3f} s against a floor of {step['floor']:.3f} s "
            f"({step['ratio']:.2f}x; target {step['target']}x"
            f"{'' if step['rows'] else '; no rows to touch'}). Outside SQL (Alembic, Python): "
            f"{step['seconds'] - step['sql_seconds'] - (step['hashing_seconds'] or 0):.3f} s."
        )
        for who, slowest in (
            ("stairway", step["slowest"][:3]),
            ("floor", step["floor_slowest"][:2]),
        ):
            for statement, seconds in slowest:
                lines.append(f"    {who:8} {seconds:8.3f} s  {statement}")
    return lines


def scaling(results: dict, dialect: str) -> list[str]:
    """Return, for ``dialect``'s sizes, each row-moving step's time per row and the peak memory."""
    runs = [r for r in results["runs"] if r["dialect"] == dialect]
    if len(runs) < 2:
        return []
    sizes = ", ".join(f"{r['rows']:,}" for r in runs)
    lines = [f"{runs[0]['server']} at {sizes} users:"]
    for index, step in enumerate(runs[-1]["steps"]):
        if not step["rows"]:
            continue
        per_row = [r["steps"][index]["seconds"] / r["steps"][index]["rows"] * 1e6 for r in runs]
        lines.append(f"  {step['name']}: " + ", ".join(f"{t:.2f}" for t in per_row) + " µs per row")
    peaks = [max(s["peak_mib"] for s in r["steps"]) for r in runs]
    lines.append("  peak memory: " + ", ".join(f"{p:.0f}" for p in peaks) + " MiB")
    return lines


def draw_chart(results: dict, path: Path) -> None:
    """Draw each step's time and floor against the number of users, per database, as a PNG."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise StairwayError(
            "drawing the chart needs matplotlib: pip install -e '.[bench]'"
        ) from None
    order = {"sqlite": 0, "postgresql": 1, "mysql": 2}
    dialects = sorted({r["dialect"] for r in results["runs"]}, key=lambda d: order.get(d, 3))
    if not dialects:
        raise StairwayError("no results to draw yet; run the bench first")
    figure, axes = plt.subplots(1, len(dialects), figsize=(5.2 * len(dialects), 4.2), squeeze=False)
    for ax, dialect in zip(axes[0], dialects, strict=True):
        runs = [r for r in results["runs"] if r["dialect"] == dialect]
        sizes = [r["rows"] for r in runs]
        names = [s["name"] for s in runs[-1]["steps"]]
        for index, name in enumerate(names):
            color = f"C{index}"
            steps = [next(s for s in r["steps"] if s["name"] == name) for r in runs]
            ax.plot(sizes, [s["seconds"] for s in steps], "o-", color=color, label=name)
            ax.plot(sizes, [s["floor"] for s in steps], "x--", color=color, alpha=0.6)
        ax.set(xscale="log", yscale="log", xlabel="users (and 2x addresses)", ylabel="seconds")
        ax.set_title(runs[-1]["server"], fontsize=10)
        ax.grid(True, which="major", alpha=0.3)
    axes[0][0].legend(fontsize=7, title="solid: stairway, dashed: floor", title_fontsize=7)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=72)
    plt.close(figure)
    # a 64-colour palette keeps the PNG small enough to live in the repository
    from PIL import Image

    Image.open(buffer).convert("RGB").quantize(64).save(path, optimize=True)


# -- the entry point --------------------------------------------------------------


def parse_sizes(rows: str | int) -> list[int]:
    """Return the sizes in ``rows``: one number, or several separated by commas."""
    try:
        sizes = [int(part) for part in str(rows).split(",") if part.strip()]
    except ValueError:
        raise StairwayError(f"--rows takes numbers separated by commas, not {rows!r}") from None
    if not sizes or min(sizes) < 1:
        raise StairwayError(f"--rows must be at least 1, not {rows!r}")
    return sorted(sizes)


def main(
    rows: str | int = DEFAULT_ROWS,
    url: str | None = None,
    iterations: int = DEFAULT_ITERATIONS,
    json_path: str = DEFAULT_JSON,
    chart: str | None = None,
    checks: bool = True,
    console: Console | None = None,
) -> dict:
    """Run the bench for each size, print and save the results; return them."""
    console = console or Console()
    sizes = parse_sizes(rows)
    resolved = resolve_url(url)
    path = Path(json_path)
    results = load_results(path)
    console.print(
        f"bench on {redact(resolved)} (in scratch databases beside it); passwords hashed with "
        f"{iterations:,} PBKDF2 iterations, not the revision's {ITERATIONS:,} (--iterations)"
    )
    for size in sizes:
        run = run_bench(resolved, size, iterations=iterations, console=console)
        merge_run(results, run)
        save_results(path, results)
        hashing = run["hashing"]
        if hashing["seconds"] is not None:
            console.print(
                f"hashing {hashing['passwords']:,} passwords at {iterations:,} iterations: "
                f"{hashing['seconds']:.2f} s of stage 4 (floor {hashing['floor_seconds']:.2f} s); "
                f"at the revision's {ITERATIONS:,} it would be about "
                f"{hashing['seconds_at_revision_default']:,.0f} s"
            )
        console.print(
            f"an upgrade with nothing to do (Alembic and env.py alone): "
            f"{run['alembic_noop_upgrade_seconds']:.3f} s; at head: {run['counts']}"
        )
        for line in explain(run):
            console.print(line, highlight=False, markup=False, soft_wrap=True)
    for line in scaling(results, parse_url(resolved).get_backend_name()):
        console.print(line)
    if checks:
        results["checks"] = time_checks(console)
        save_results(path, results)
        found = results["checks"]
        style = "green" if found["ratio"] <= found["target"] else "red"
        console.print(
            f"invoke check on SQLite: {found['check_seconds']:.2f} s; bare up, down, up: "
            f"{found['traverse_seconds']:.2f} s; [{style}]{found['ratio']:.2f}x[/] "
            f"(target ≤ {found['target']}x); of the checks' time, PBKDF2 at "
            f"{ITERATIONS:,} iterations took {found['pbkdf2_seconds']:.2f} s, without it "
            f"{found['ratio_without_pbkdf2']:.2f}x; the same up, down, up one stage per "
            f"Alembic command: {found['stepwise_traverse_seconds']:.2f} s"
        )
    console.print(f"results: {path}")
    if chart:
        draw_chart(results, Path(chart))
        console.print(f"chart: {chart}")
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default=str(DEFAULT_ROWS), help="users, or sizes: 10000,100000")
    parser.add_argument("--url", default=None, help="database URL (default: $DATABASE_URL, SQLite)")
    parser.add_argument("--iterations", type=int, default=DEFAULT_ITERATIONS)
    parser.add_argument("--json", default=DEFAULT_JSON, help="results file, merged by size")
    parser.add_argument("--chart", default=None, help="draw every size in --json as this PNG")
    parser.add_argument("--no-checks", dest="checks", action="store_false")
    arguments = parser.parse_args()
    try:
        main(
            arguments.rows,
            arguments.url,
            arguments.iterations,
            arguments.json,
            arguments.chart,
            arguments.checks,
        )
    except StairwayError as exc:
        sys.exit(f"error: {exc}")
