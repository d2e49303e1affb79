"""One migration run at a time per database: the migration lock."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from sqlalchemy_stairway.engines import lock_timeout
from sqlalchemy_stairway.errors import StairwayError
from sqlalchemy_stairway.file_lock import sqlite_file_lock
from sqlalchemy_stairway.transactions import require_no_transaction

LOCK_NAME = "sqlalchemy_stairway_migrations"
LOCK_KEY = 0x5354_4149_52  # any fixed 64-bit number; "STAIR"


@contextmanager
def migration_lock(connection: Connection) -> Iterator[None]:
    """Hold the database's migration lock; a second holder waits ``lock_timeout()``.

    PostgreSQL: a session advisory lock.  MariaDB: ``GET_LOCK``.  SQLite: a
    ``flock`` on a file beside the database (sqlalchemy_stairway.file_lock).
    All are re-entrant, so a task can hold the lock around several Alembic
    runs that take it again.
    The connection leaves with no transaction open.
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
    try:
        if dialect == "postgresql":
            connection.execute(text(f"SET LOCAL lock_timeout = '{lock_timeout()}s'"))
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
        else:
            got = connection.execute(
                text("SELECT GET_LOCK(:name, :timeout)"),
                {"name": LOCK_NAME, "timeout": lock_timeout()},
            ).scalar()
            if got != 1:
                raise StairwayError(
                    "another migration run holds the lock and did not finish in time; "
                    "try again when it is done (or raise $STAIRWAY_LOCK_TIMEOUT)"
                )
        connection.commit()
    except DBAPIError as exc:
        connection.rollback()
        if "lock timeout" in str(exc.orig):
            raise StairwayError(
                "another migration run holds the lock and did not finish in time; "
                "try again when it is done (or raise $STAIRWAY_LOCK_TIMEOUT)"
            ) from None
        raise
    try:
        yield
    finally:
        if connection.in_transaction():
            connection.rollback()
        if dialect == "postgresql":
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
        else:
            # tables a downgrade locked while counting, if it failed before unlocking them
            connection.exec_driver_sql("UNLOCK TABLES")
            connection.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": LOCK_NAME})
        connection.commit()
