"""Faults: a migration killed at any write, and other clients holding locks.

A run killed at any write statement is finished by the next, losing
nothing.  For each revision, upgrade and downgrade, on every database: the run is
counted once to its end (N writes), then for every K in 1..N the database
is put back at the start stage (the stages' seeded rows plus a few thousand
more), ``invoke stage TARGET`` is killed with SIGKILL just before its K-th
write (tests/faults/killing.py), and run again to its end.  The rerun must
reach the target stage, the schema must be exactly the target's models,
and every row of every table must be the one before the run, by id and
value, as the stage declarations say the target has it (a password
verifies against its hash; what a downgrade declares lost comes back NULL).

Other clients' locks (at the end): a client holding a table lock makes a
downgrade's count of its losses, its DDL and ``invoke show`` give up after
``$STAIRWAY_LOCK_TIMEOUT`` seconds (1 here) in one line naming that table
and that client, with nothing changed; a second run started while a first
one is stopped half-way through stage 4 (tests/faults/pausing.py) waits
for it, then reports the database as the first run left it.
"""

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import URL, Connection, Table, bindparam, func, select, text, update

from scripts.stages import STAIRWAY
from sqlalchemy_stairway.check.engines import make_engine
from sqlalchemy_stairway.check.schema import rows
from sqlalchemy_stairway.check.scratch import scratch_database
from sqlalchemy_stairway.check.synthetic import PLAIN, RowMaker
from sqlalchemy_stairway.checks import (
    Checker,
    carried_differences,
    restored_differences,
)
from sqlalchemy_stairway.guards import drift
from sqlalchemy_stairway.interrupted import find_interrupted
from sqlalchemy_stairway.migrate import current_stage, migrate
from sqlalchemy_stairway.ops import rolls_back_ddl
from sqlalchemy_stairway.seeding import insert_rows, seed_on_the_way
from sqlalchemy_stairway.stages import Stage
from tests.conftest import DATABASES, KINDS, needs
from tests.faults.killing import CHEAP_ITERATIONS, PROJECT
from tests.helpers import assert_one_line_error, invoke

KILLING = Path(__file__).resolve().parent / "faults" / "killing.py"

# every revision, both ways: (the revision's stage, "up" or "down")
CELLS = [(stage.number, way) for stage in STAIRWAY.stages[1:] for way in ("up", "down")]
# MariaDB cannot roll DDL back: only the revisions made resumable there are covered
MARIADB_RESUMABLE = set(CELLS)


def cells() -> Iterator:
    for database in KINDS:
        for number, way in CELLS:
            if database == "mariadb" and (number, way) not in MARIADB_RESUMABLE:
                continue
            yield pytest.param(
                database, number, way, id=f"{database}-{number:04d}-{way}", marks=needs(database)
            )


# -- the children: one preloaded process forks each run --------------------------------


class Killer:
    """Runs ``invoke ARGS`` in a forked child, killed before its K-th write (0: never)."""

    def __init__(self) -> None:
        self.server = subprocess.Popen(
            [sys.executable, str(KILLING), "--serve"],
            cwd=PROJECT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, kill_at: int, args: list[str], output: Path) -> tuple[int, str]:
        request = {"kill_at": kill_at, "args": args, "output": str(output)}
        self.server.stdin.write(json.dumps(request) + "\n")
        self.server.stdin.flush()
        answer = self.server.stdout.readline()
        assert answer, "the process that forks the runs has died"
        return json.loads(answer)["returncode"], output.read_text()

    def close(self) -> None:
        self.server.stdin.close()
        self.server.wait(timeout=30)
        self.server.stdout.close()


@pytest.fixture(scope="module")
def killer() -> Iterator[Killer]:
    killer = Killer()
    yield killer
    killer.close()


def writes_made(output: str) -> int:
    last = output.strip().splitlines()[-1]
    assert last.startswith("writes: "), output
    return int(last.removeprefix("writes: "))


# -- the start: seeded rows and a few thousand more --------------------------------------

EXTRA_ROWS = 2000  # for each table a stage creates
FIRST_EXTRA_ID = 1001  # above every id a stage seeds, now or at a later stage
# of the rows already there, those a new column of a carried table gets a value in
NEW_VALUE_EVERY = 3


def new_rows(connection: Connection, table: Table, count: int) -> Iterator[dict]:
    """Yield ``count`` rows for ``table`` that fit beside the rows already there.

    An integer key counts from FIRST_EXTRA_ID; foreign keys point at
    existing parents, a composite key made of them takes each combination
    once; every other column gets a value from the checks' row maker (type,
    length, enum labels, JSON), distinct per row, so unique columns stay
    unique.  (The seeded rows are the ones with NULLs in them.)
    """
    maker = RowMaker()
    counter = table.autoincrement_column
    if counter is not None:
        highest = connection.scalar(select(func.max(counter))) or 0
        assert highest < FIRST_EXTRA_ID, f"{table.name} has ids from {FIRST_EXTRA_ID} on already"
    first = FIRST_EXTRA_ID
    parents = [
        (fk, connection.execute(select(*[element.column for element in fk.elements])).all())
        for fk in sorted(table.foreign_key_constraints, key=lambda fk: fk.name or "")
    ]
    key = [c.name for c in table.primary_key.columns]
    taken = {tuple(r) for r in connection.execute(select(*table.primary_key.columns))}
    made, n = 0, 0
    while made < count:
        i, n = n, n + 1
        row, spread = {}, i
        for fk, choices in parents:
            assert choices, f"{table.name} needs rows in {fk.referred_table.name}"
            chosen = choices[spread % len(choices)]._mapping
            spread //= len(choices)
            for local, remote in zip(fk.columns, fk.elements, strict=True):
                row[local.name] = chosen[remote.column.name]
        for column in table.columns:
            if column is counter:
                row[column.name] = first + i
            elif column.name not in row:
                row[column.name] = maker.value(column, PLAIN, first + i)
        if tuple(row[k] for k in key) in taken:
            continue  # a combination the seeded rows already hold
        taken.add(tuple(row[k] for k in key))
        made += 1
        yield row


def add_extra_rows(connection: Connection, stage: Stage) -> None:
    """Give ``stage``'s new tables and new columns rows and values of their own.

    What is new comes from the stage's declaration: every table it creates
    gets EXTRA_ROWS rows, and every column it adds to a carried table gets
    a value in one row in NEW_VALUE_EVERY of the extra ones.
    """
    for table in stage.metadata.sorted_tables:  # parents first
        if table.name in stage.new_tables:
            insert_rows(connection, table, new_rows(connection, table, EXTRA_ROWS))
    for name, carry in stage.carries.items():
        table = stage.metadata.tables[name]
        (key, *more) = table.primary_key.columns
        if more or not carry.new:
            continue
        ids = connection.execute(select(key).where(key >= FIRST_EXTRA_ID).order_by(key))
        chosen = ids.scalars().all()
        maker = RowMaker()
        values = [
            {"key": i, **{f"new_{c}": maker.value(table.c[c], PLAIN, i) for c in carry.new}}
            for i in chosen[::NEW_VALUE_EVERY]
        ]
        if values:
            statement = (
                update(table)
                .where(key == bindparam("key"))
                .values({c: bindparam(f"new_{c}") for c in carry.new})
            )
            connection.execute(statement, values)


def build_start(url: URL, start: Stage) -> dict:
    """Migrate ``url``'s empty database to ``start`` with its rows; return every row."""
    engine = make_engine(url, for_migrations=True)
    try:
        with engine.connect() as connection:
            for stage in STAIRWAY.stages[1 : start.number + 1]:
                migrate(
                    STAIRWAY,
                    connection,
                    stage,
                    password_iterations=CHEAP_ITERATIONS,
                    after_each=seed_on_the_way(STAIRWAY),
                )
                with connection.begin():
                    add_extra_rows(connection, stage)
            with connection.begin():
                return rows(connection)
    finally:
        engine.dispose()


def restore(template: URL, work: URL, admin) -> None:
    """Make ``work`` a copy of ``template``: schema, rows, counters and stamp."""
    backend = template.get_backend_name()
    if backend == "sqlite":
        shutil.copyfile(template.database, work.database)
        shutil.rmtree(Path(work.database).parent / "backups", ignore_errors=True)
        return
    with admin.connect() as conn:
        if backend == "postgresql":
            conn.execute(text(f'DROP DATABASE IF EXISTS "{work.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{work.database}" TEMPLATE "{template.database}"'))
            return
        # MariaDB has no template databases: each table's own CREATE, then its rows
        conn.execute(text(f"DROP DATABASE IF EXISTS `{work.database}`"))
        conn.execute(text(f"CREATE DATABASE `{work.database}`"))
        conn.execute(text(f"USE `{work.database}`"))
        conn.execute(text("SET foreign_key_checks = 0"))
        names = conn.execute(
            text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
            {"s": template.database},
        ).scalars()
        for name in list(names):
            create = conn.execute(text(f"SHOW CREATE TABLE `{template.database}`.`{name}`"))
            conn.execute(text(create.one()[1]))
            conn.execute(text(f"INSERT INTO `{name}` SELECT * FROM `{template.database}`.`{name}`"))
        conn.execute(text("SET foreign_key_checks = 1"))


# -- what the rerun must leave ------------------------------------------------------------


def translated_down(stage: Stage, found: dict) -> dict:
    """Return ``found``, rows at ``stage``, as a downgrade to the stage before gives them back.

    Carried columns come back under their old names; what the carry cannot
    give back (a hash, a dropped column) comes back NULL; new tables go.
    """
    back: dict[str, list[dict]] = {}
    for name, source in STAIRWAY.table_sources(stage).items():
        if source.carry is None:
            continue
        origin_of = {old: new for new, old in source.columns.items() if isinstance(old, str)}
        back[source.carry.source] = [
            {c.name: row[origin_of[c.name]] if c.name in origin_of else None for c in source.old.c}
            for row in found.get(name, [])
        ]
    return back


def without_seeded(stage: Stage, found: dict) -> tuple[dict, list[str]]:
    """Split off the rows ``stage`` seeds itself; return the rest and how the seeded ones differ."""
    rest, problems = {}, []
    for name, table_rows in found.items():
        key = [c.name for c in stage.metadata.tables[name].primary_key.columns]
        seeded = {tuple(row[k] for k in key): row for row in stage.rows.get(name, ())}
        rest[name] = []
        for row in table_rows:
            wanted = seeded.pop(tuple(row[k] for k in key), None)
            if wanted is None:
                rest[name].append(row)
            elif {c: row[c] for c in wanted} != dict(wanted):
                problems.append(f"{name}: seeded {dict(wanted)}, found {row}")
        problems += [f"{name}: seeded row {row} is missing" for row in seeded.values()]
    return rest, problems


def row_differences(start: Stage, target: Stage, before: dict, after: dict) -> list[str]:
    if target.number > start.number:
        carried, problems = without_seeded(target, after)
        return problems + carried_differences(STAIRWAY, target, before, carried)
    return restored_differences(translated_down(start, before), after, set())


def killed_state(url: URL, start: Stage, before: dict, kill_at: int) -> bool:
    """Check what a kill left; return True when it left a move half-way (MariaDB).

    A database that rolls DDL back is at the start stage with every row as
    it was.  On MariaDB the stamp is the start or the target, and any
    difference from the stamped stage is named as a move half-way.
    """
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            stamped = current_stage(STAIRWAY, connection)
            interrupted = find_interrupted(STAIRWAY, connection, stamped)
            if rolls_back_ddl(connection):
                assert stamped == start, kill_at
                assert interrupted is None, kill_at
                assert rows(connection) == before, kill_at
                return False
            if drift(connection, stamped):
                assert interrupted is not None, f"write {kill_at}: {drift(connection, stamped)}"
            return interrupted is not None
    finally:
        engine.dispose()


# -- the matrix ---------------------------------------------------------------------------


@pytest.mark.full  # a slow matrix: hundreds of killed runs (pytest --full runs it)
@pytest.mark.parametrize("database,number,way", list(cells()))
def test_a_run_killed_at_any_write_is_finished_by_the_next(
    database: str, number: int, way: str, killer: Killer, tmp_path: Path
) -> None:
    revision = STAIRWAY[number]
    start, target = (
        (STAIRWAY.previous(revision), revision)
        if way == "up"
        else (revision, STAIRWAY.previous(revision))
    )
    server = DATABASES[database]
    with (
        scratch_database(server, tmp_path) as template,
        scratch_database(server, tmp_path) as work,
        scratch_database(server, tmp_path) as reference_url,
    ):
        before = build_start(template, start)
        admin = make_engine(server).execution_options(isolation_level="AUTOCOMMIT")
        reference = make_engine(reference_url)
        url = work.render_as_string(hide_password=False)
        task = ["stage", str(target.number), "--url", url, "--yes", "--no-lesson"]
        try:
            with reference.connect() as reference_connection:
                checker = Checker(STAIRWAY, reference_connection, reference_connection)
                restore(template, work, admin)
                returncode, output = killer.run(0, task, tmp_path / "count.txt")
                assert returncode == 0, output
                total = writes_made(output)
                assert total > 0, output
                print(f"{database} {revision.revision} {way}: {total} writes")
                halfway = 0
                for kill_at in range(1, total + 1):
                    restore(template, work, admin)
                    returncode, output = killer.run(kill_at, task, tmp_path / "killed.txt")
                    assert returncode == -9, f"write {kill_at} of {total}: {output}"
                    assert f"killing: before write {kill_at}:" in output, output
                    halfway += killed_state(work, start, before, kill_at)

                    returncode, output = killer.run(0, task, tmp_path / "rerun.txt")
                    assert returncode == 0, f"rerun after a kill at write {kill_at}:\n{output}"
                    engine = make_engine(work)
                    try:
                        with engine.connect() as connection:
                            assert current_stage(STAIRWAY, connection) == target, kill_at
                            checker.connection = connection
                            checker.assert_matches(
                                target, f"killed before write {kill_at} of {total}, rerun"
                            )
                            after = rows(connection)
                            connection.rollback()
                    finally:
                        engine.dispose()
                    assert row_differences(start, target, before, after) == [], kill_at
                if database == "mariadb":
                    # the matrix did reach the half-applied states it is about
                    assert halfway > 0
        finally:
            admin.dispose()
            reference.dispose()


# -- other clients holding locks ------------------------------------------------------------

PAUSING = Path(__file__).resolve().parent / "faults" / "pausing.py"
HALF_WAY = "ALTER TABLE email_addresses"  # stage 4's first statement on that table
SERVERS = [
    pytest.param(database, marks=needs(database), id=database)
    for database in KINDS
    if database != "sqlite"
]
BRIEFLY = {"STAIRWAY_LOCK_TIMEOUT": "1"}  # other clients' locks: waited for 1 s, not 5
# an unbounded wait ends here, and fails the test
NO_LONGER_THAN = 120


def url_text(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def state_of(url: URL) -> tuple:
    """The database's schema, every row, and its stamp."""
    from sqlalchemy_stairway.check.schema import snapshot

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            found = snapshot(connection), rows(connection), current_stage(STAIRWAY, connection)
            connection.rollback()
        return found
    finally:
        engine.dispose()


def climbed(url: URL, target: Stage) -> None:
    """Climb ``url``'s empty database to ``target``, seeding each stage, hashing cheaply."""
    from tests.helpers import climb

    engine = make_engine(url, for_migrations=True)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                climb(connection, target)  # a copy of a climb made once
            else:
                seed_each = seed_on_the_way(STAIRWAY)
                migrate(
                    STAIRWAY,
                    connection,
                    target,
                    after_each=seed_each,
                    password_iterations=CHEAP_ITERATIONS,
                )
    finally:
        engine.dispose()


@contextmanager
def order_locked(url: URL) -> Iterator[str]:
    """Another client holding a lock on table order; yield how a task names that client.

    PostgreSQL: ``LOCK TABLE "order" IN ACCESS EXCLUSIVE MODE``; MariaDB:
    ``LOCK TABLES `order` WRITE``; SQLite, whose one lock is the whole
    file's: ``BEGIN EXCLUSIVE``, which keeps readers out too.
    """
    if url.get_backend_name() == "sqlite":
        holder = sqlite3.connect(url.database, isolation_level=None)
        try:
            holder.execute("BEGIN EXCLUSIVE")
            yield "the database"
            holder.execute("ROLLBACK")
        finally:
            holder.close()
        return
    engine = make_engine(url)
    try:
        with engine.connect() as holder:
            if holder.dialect.name == "postgresql":
                holder.exec_driver_sql('LOCK TABLE "order" IN ACCESS EXCLUSIVE MODE')
                who = "PostgreSQL session {}"
                me = holder.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            else:
                holder.exec_driver_sql("LOCK TABLES `order` WRITE")
                who = "MariaDB connection {}"
                me = holder.exec_driver_sql("SELECT CONNECTION_ID()").scalar()
            yield who.format(me)
            if holder.dialect.name == "mysql":
                holder.exec_driver_sql("UNLOCK TABLES")
            holder.rollback()
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["down"], id="down"),
        pytest.param(["show"], id="show"),
        # the same count on a longer way down; the first DDL statement with --yes
        pytest.param(["stage", "0", "--no-lesson"], id="stage-0", marks=pytest.mark.full),
        pytest.param(["down", "--yes"], id="down-yes", marks=pytest.mark.full),
    ],
)
def test_a_client_locking_a_table_stops_a_task_in_one_line_naming_it(
    database: str, scratch_url: URL, args: list[str]
) -> None:
    # down and stage 0 without --yes count their losses first (order's rows
    # among them), show reads every table: each waits for the lock, then gives up
    climbed(scratch_url, STAIRWAY.head)
    before = state_of(scratch_url)
    with order_locked(scratch_url) as holder:
        result = invoke(*args, "--url", url_text(scratch_url), env=BRIEFLY, timeout=NO_LONGER_THAN)
    if database == "sqlite":
        # its one lock is the file's: the task's own BEGIN gives up waiting for it
        expected = ["another process is writing to the database"]
    else:
        # the table the client locked, not a catalog table or the statement's own
        expected = ["another client holds a lock on", "order", f"held by {holder}"]
        assert "pg_catalog" not in result.stderr
    assert_one_line_error(result, *expected)
    assert state_of(scratch_url) == before


def paused_half_way(url: URL) -> subprocess.Popen:
    """Start ``invoke stage 4`` from stage 3 and return it stopped half-way, holding its locks.

    It stops before its first statement on email_addresses: on MariaDB the
    columns of users are changed and committed by then, on PostgreSQL
    they are changed in the run's open transaction, its tables locked.
    """
    climbed(url, STAIRWAY[3])
    first = subprocess.Popen(
        [sys.executable, str(PAUSING), HALF_WAY, "invoke", "stage", "4", "--url", url_text(url)],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status = os.waitpid(first.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status), "the first run ended before it reached email_addresses"
    return first


def waiting_for_the_migration_lock(url: URL) -> int:
    """How many sessions wait for the database's migration lock right now."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            else:
                query = (
                    "SELECT count(*) FROM information_schema.PROCESSLIST "
                    "WHERE INFO LIKE 'SELECT GET_LOCK(%%'"
                )
            found = connection.exec_driver_sql(query).scalar()
            connection.rollback()
            return found
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "args,code,said",
    [
        (["stage", "4", "--no-lesson"], 0, "The database is already at stage 4 (0004)"),
        (["show"], 0, "The database is at stage 4 (0004)"),
        # nobody at a terminal to ask: the losses of 4 -> 3 named, with --yes
        (["down"], 1, "error: going from stage 4 to stage 3 would lose "),
    ],
    ids=["stage-4", "show", "down"],
)
@pytest.mark.full  # two runs in processes of their own, one after the other: 10 to 25 s
@pytest.mark.parametrize("database", SERVERS)
def test_a_second_run_waits_for_the_first_then_sees_where_it_left_the_database(
    database: str, scratch_url: URL, args: list[str], code: int, said: str
) -> None:
    first = paused_half_way(scratch_url)
    try:
        second = subprocess.Popen(
            [sys.executable, "-m", "invoke", *args, "--url", url_text(scratch_url)],
            cwd=PROJECT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # the second run is queued behind the first before the first goes on
        deadline = time.monotonic() + NO_LONGER_THAN
        while not waiting_for_the_migration_lock(scratch_url):
            assert second.poll() is None, second.communicate()
            assert time.monotonic() < deadline, "the second run never waited for the lock"
            time.sleep(0.05)
    finally:
        os.kill(first.pid, signal.SIGCONT)
    out, err = first.communicate(timeout=NO_LONGER_THAN)
    assert first.returncode == 0, err
    out, err = second.communicate(timeout=NO_LONGER_THAN)
    told = " ".join((out + err).split())
    assert second.returncode == code, told
    assert said in told
    assert "changed by hand" not in told and "interrupted" not in told
    assert state_of(scratch_url)[2] == STAIRWAY[4]
