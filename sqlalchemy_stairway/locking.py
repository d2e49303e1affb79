"""One migration run at a time per database, and how long a run waits for locks.

Two waits, both bounded by ``$STAIRWAY_LOCK_TIMEOUT`` (N seconds: wait N
seconds; 0: do not wait at all):

- for **another migration run** of the same database: the migration lock,
  N seconds (default 60);
- for **another client's table or row lock**, on every connection a
  task or the ``alembic`` command migrates with (:func:`wait_briefly`),
  and under the migration lock on any other: N seconds, but never more
  than :data:`TABLE_LOCK_WAIT`,
  because every query on that table queues behind a statement waiting to
  alter it.  PostgreSQL: ``lock_timeout``; MariaDB: ``lock_wait_timeout``
  (metadata locks, which ALTER TABLE waits on) and
  ``innodb_lock_wait_timeout`` (row locks).  SQLite has one lock for the
  whole database, waited for ``busy_timeout`` (see
  :func:`sqlalchemy_stairway.check.engines.make_engine`).

A statement that gives up waiting is turned into one line by
:func:`lock_conflict`, naming the table and the client the server says
hold the lock (:mod:`sqlalchemy_stairway.lock_holders`).
"""

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.exc import DBAPIError

from sqlalchemy_stairway.check.engines import LOCK_TIMEOUT_VARIABLE, lock_timeout
from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.check.file_lock import sqlite_file_lock
from sqlalchemy_stairway.lock_holders import FOUND, LockHolders, watch_lock_waits
from sqlalchemy_stairway.transactions import require_no_transaction

LOCK_KEY = 0x5354_4149_52  # PostgreSQL: any fixed 64-bit number ("STAIR"); scoped to a database
LOCK_NAME_PREFIX = "stairway:"  # MariaDB: GET_LOCK names are server-wide, so the name says the db
HASHED_LOCK_NAME_PREFIX = "stairway#"
LONGEST_LOCK_NAME = 64  # MySQL refuses longer GET_LOCK names; MariaDB is held to it too
TABLE_LOCK_WAIT = 5  # seconds, at most, for another client's table or row lock

HELD_BY_ANOTHER_RUN = (
    "another migration run holds the lock and did not finish in time; "
    f"try again when it is done (or raise ${LOCK_TIMEOUT_VARIABLE})"
)


def mariadb_lock_name(database: str) -> str:
    """Return the GET_LOCK name of ``database``'s migration lock, at most 64 characters."""
    name = LOCK_NAME_PREFIX + database
    if len(name) <= LONGEST_LOCK_NAME:
        return name
    digest = hashlib.sha256(database.encode()).hexdigest()
    return (HASHED_LOCK_NAME_PREFIX + digest)[:LONGEST_LOCK_NAME]


def table_lock_timeout() -> int:
    """Seconds a statement waits for another client's table or row lock."""
    return min(lock_timeout(), TABLE_LOCK_WAIT)


def postgresql_lock_timeout() -> str:
    """Return :func:`table_lock_timeout` as PostgreSQL's ``lock_timeout`` value.

    PostgreSQL reads ``lock_timeout = 0`` as "wait forever", so "do not
    wait" is the shortest wait it knows.
    """
    seconds = table_lock_timeout()
    return f"{seconds}s" if seconds else "1ms"


def wait_briefly(engine: Engine) -> None:
    """Make every session of ``engine`` wait :func:`table_lock_timeout` at most for a lock.

    Not only the migration waits briefly: a task's reads before and
    between its runs (the stage, the losses a downgrade would count, the
    schema and rows ``invoke show`` prints) would otherwise wait as long
    as the server lets them (MariaDB: a year) behind a client holding a
    table lock.  A statement that gives up says who held the lock
    (:mod:`sqlalchemy_stairway.lock_holders`).  The migration lock's own
    wait is set apart, for each take (:func:`migration_lock`).
    """
    if engine.dialect.name not in ("postgresql", "mysql"):
        return
    waits = None

    @event.listens_for(engine, "connect")
    def set_brief_waits(dbapi_connection, connection_record) -> None:
        nonlocal waits
        waits = waits or _brief_lock_waits(engine)  # read once: the variable may be bad
        with dbapi_connection.cursor() as cursor:
            if engine.dialect.name == "postgresql":
                cursor.execute(f"SET lock_timeout = '{waits[0]}'")
            else:
                cursor.execute(
                    f"SET SESSION lock_wait_timeout = {int(waits[0])}, "
                    f"innodb_lock_wait_timeout = {int(waits[1])}"
                )
        dbapi_connection.commit()

    watch_lock_waits(engine, _gave_up_waiting)


@contextmanager
def migration_lock(connection: Connection) -> Iterator[None]:
    """Hold the database's migration lock; a second holder waits ``lock_timeout()``.

    PostgreSQL: a session advisory lock (advisory locks belong to one
    database).  MariaDB: ``GET_LOCK`` under a name made from the database's
    (:func:`mariadb_lock_name`; the lock itself is server-wide).  SQLite: a
    ``flock`` on a file beside the database (sqlalchemy_stairway.check.file_lock).
    All are re-entrant, so a task can hold the lock around several Alembic
    runs that take it again.  While it is held, the connection waits for
    other clients' table and row locks :func:`table_lock_timeout` at most;
    the connection's own settings come back when it is released.  The
    connection leaves with no transaction open.
    """
    dialect = connection.dialect.name
    if dialect == "sqlite":
        database = connection.engine.url.database
        if database and database != ":memory:":
            with sqlite_file_lock(Path(database), lock_timeout()):
                yield
            return
    if dialect not in ("postgresql", "mysql"):
        yield
        return
    require_no_transaction(connection, "taking the migration lock")
    wait = lock_timeout()
    try:
        before = _lock_waits(connection)
        if dialect == "postgresql":
            got = _take_postgresql_lock(connection, wait)
        else:
            name = mariadb_lock_name(connection.execute(text("SELECT DATABASE()")).scalar() or "")
            got = connection.execute(
                text("SELECT GET_LOCK(:name, :timeout)"), {"name": name, "timeout": wait}
            ).scalar()
        if got:
            _set_lock_waits(connection, _brief_lock_waits(connection))
        connection.commit()
    except DBAPIError as exc:
        connection.rollback()
        if not _gave_up_waiting(exc):
            raise
        got = False
    if not got:
        raise StairwayError(HELD_BY_ANOTHER_RUN)
    try:
        yield
    finally:
        if connection.in_transaction():
            connection.rollback()
        _set_lock_waits(connection, before)
        if dialect == "postgresql":
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
        else:
            # tables a downgrade locked while counting, if it failed before unlocking them
            connection.exec_driver_sql("UNLOCK TABLES")
            connection.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": name})
        connection.commit()


def _take_postgresql_lock(connection: Connection, wait: int) -> bool:
    if wait == 0:  # lock_timeout = 0 would wait forever
        return connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}
        ).scalar()
    connection.execute(text(f"SET LOCAL lock_timeout = '{wait}s'"))
    connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
    return True


def _lock_waits(connection: Connection) -> tuple:
    """Return how long the session waits for other clients' locks, as its settings say."""
    if connection.dialect.name == "postgresql":
        return (connection.execute(text("SELECT current_setting('lock_timeout')")).scalar(),)
    return tuple(
        connection.execute(
            text("SELECT @@SESSION.lock_wait_timeout, @@SESSION.innodb_lock_wait_timeout")
        ).one()
    )


def _brief_lock_waits(connection: Connection | Engine) -> tuple:
    """Return the settings for waiting :func:`table_lock_timeout` at most."""
    if connection.dialect.name == "postgresql":
        return (postgresql_lock_timeout(),)
    return (table_lock_timeout(),) * 2  # metadata locks, row locks


def _set_lock_waits(connection: Connection, waits: tuple) -> None:
    """Set what :func:`_lock_waits` returns, for the session (not only this transaction)."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT set_config('lock_timeout', :value, false)"), {"value": waits[0]}
        )
        return
    connection.execute(
        text("SET SESSION lock_wait_timeout = :metadata, innodb_lock_wait_timeout = :rows"),
        {"metadata": waits[0], "rows": waits[1]},
    )


# -- a statement that gave up waiting ------------------------------------------

MARIADB_LOCK_WAIT_TIMEOUT = 1205  # ER_LOCK_WAIT_TIMEOUT: metadata and row locks alike
POSTGRESQL_LOCK_NOT_AVAILABLE = "55P03"

# where a statement names the tables it locks, in the order tried
TABLES_IN_STATEMENT = [
    re.compile(p, re.IGNORECASE | re.DOTALL)
    for p in (
        r"^LOCK TABLE (?P<names>.+?)(?: IN |$)",
        r"^LOCK TABLES (?P<names>.+)$",  # MariaDB: `t1` WRITE, `t2` READ LOCAL, ...
        r"^(?:ALTER|DROP|TRUNCATE) TABLE (?:IF EXISTS )?(?P<names>\S+)",
        r"^RENAME TABLE (?P<names>\S+)",
        r"^CREATE (?:UNIQUE )?INDEX .*? ON (?P<names>\S+)",
        r"^INSERT INTO (?P<names>\S+)",
        r"^UPDATE (?P<names>\S+)",
        r"^DELETE FROM (?P<names>\S+)",
        r"\bFROM (?P<names>\S+)",
    )
]


def lock_conflict(exc: DBAPIError) -> str | None:
    """Return one line saying who holds the lock ``exc`` gave up on; None for other errors.

    The tables and sessions are the server's answer when it was asked
    (:mod:`sqlalchemy_stairway.lock_holders`), else the tables the
    statement names.
    """
    if not _gave_up_waiting(exc):
        return None
    statement = (exc.statement or "").strip()
    if _is_sqlite(exc):
        if statement.upper().startswith("BEGIN"):
            return (
                "another process is writing to the database and did not finish in time; "
                f"try again when it is done (or raise ${LOCK_TIMEOUT_VARIABLE})"
            )
        return (
            "another client holds a lock on the database (a transaction still open) and did "
            f"not release it in time; end that transaction, then run again (or raise "
            f"${LOCK_TIMEOUT_VARIABLE})"
        )
    found = getattr(exc, FOUND, None) or LockHolders()
    tables = _tables_phrase(found.tables) if found.tables else tables_locked_by(statement)
    held = ""
    if found.holders and found.certain:
        held = f", held by {'; '.join(found.holders)},"
    elif found.holders:
        held = f" (a transaction is open in {'; '.join(found.holders)})"
    return (
        f"another client holds a lock on {tables}{held} and did not release it in time; end "
        "that client's open transaction (a session left inside BEGIN holds its locks), then "
        "run again"
    )


def tables_locked_by(statement: str) -> str:
    """Name the tables ``statement`` waits to lock, as a phrase: "table users"."""
    names = statement_tables(statement)
    if len(names) > 1:
        return f"one of the tables {', '.join(names)}"
    return _tables_phrase(names) if names else "a table this run needs"


def statement_tables(statement: str) -> list[str]:
    """Return the tables ``statement`` names where it locks them (none: it names none)."""
    for pattern in TABLES_IN_STATEMENT:
        found = pattern.search(statement)
        if found:
            names = [
                n.split()[0].strip("\"`'") for n in found.group("names").split(",") if n.strip()
            ]
            names = [n for n in names if n]
            if names:
                return names
    return []


def _tables_phrase(names: list[str]) -> str:
    return f"table {names[0]}" if len(names) == 1 else f"the tables {', '.join(names)}"


def _gave_up_waiting(exc: DBAPIError) -> bool:
    orig = exc.orig
    if _is_sqlite(exc):
        return "locked" in str(orig)
    if getattr(orig, "sqlstate", None) == POSTGRESQL_LOCK_NOT_AVAILABLE:
        return True
    args = getattr(orig, "args", ())
    return bool(args) and args[0] == MARIADB_LOCK_WAIT_TIMEOUT


def _is_sqlite(exc: DBAPIError) -> bool:
    return type(exc.orig).__module__.startswith("sqlite3")
