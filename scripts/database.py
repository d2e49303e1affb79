"""Database URLs and engines: where the tutorial database is and how to reach it.

The URL comes from ``--url``, else ``DATABASE_URL``, else the embedded
default ``sqlite:///tutorial.db``.  Every engine the project makes comes
from :func:`make_engine`, which teaches SQLite two things it does not do
by default: enforce foreign keys, and run DDL inside transactions.
"""

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from scripts.errors import StairwayError

DEFAULT_URL = "sqlite:///tutorial.db"


def lock_timeout() -> int:
    """Seconds a run waits for another run's lock ($STAIRWAY_LOCK_TIMEOUT, default 60)."""
    return int(os.environ.get("STAIRWAY_LOCK_TIMEOUT", "60"))


# Drivers the README names as extras: dialect -> (module, extra).
DRIVER_EXTRAS = {
    "postgresql": ("psycopg", "postgresql"),
    "mysql": ("pymysql", "mariadb"),
}


def resolve_url(url: str | None = None) -> str:
    """Return ``url``, else ``$DATABASE_URL``, else the SQLite default."""
    return url or os.environ.get("DATABASE_URL") or DEFAULT_URL


def parse_url(url: str) -> URL:
    """Parse ``url`` or raise a StairwayError that says what is wrong with it."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StairwayError(
            f"{url!r} is not a database URL; "
            "expected e.g. sqlite:///tutorial.db or postgresql+psycopg://user@host/db"
        ) from None
    try:
        parsed.get_dialect()
    except NoSuchModuleError:
        raise StairwayError(
            f"unknown database driver {parsed.drivername!r} in {redact(parsed)}; "
            "use sqlite, postgresql+psycopg or mysql+pymysql"
        ) from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (
        None,
        "",
        ":memory:",
    ):
        folder = Path(parsed.database).parent
        if not folder.is_dir():
            raise StairwayError(
                f"the folder {str(folder)!r} for SQLite database {parsed.database!r} "
                "does not exist; create it or choose another path"
            )
    return parsed


def redact(url: str | URL) -> str:
    """Return ``url`` as text with any password masked, safe to print."""
    if isinstance(url, str):
        try:
            url = make_url(url)
        except ArgumentError:
            return "<malformed URL>"
    return url.render_as_string(hide_password=True)


def make_engine(url: str | URL, *, for_migrations: bool = False, echo: bool = False) -> Engine:
    """Create an engine for ``url``.

    On SQLite every connection gets ``PRAGMA foreign_keys=ON`` (SQLite checks
    foreign keys only when asked, per connection), and the driver's own
    transaction handling is replaced by explicit ``BEGIN`` so that DDL can
    be rolled back too.  Engines ``for_migrations`` leave foreign keys off,
    because Alembic's batch mode rebuilds tables by copy-and-rename and a
    live foreign key would cascade or refuse mid-rebuild; env.py runs
    ``PRAGMA foreign_key_check`` before it commits instead.  They also
    ``BEGIN IMMEDIATE``: the write lock taken up front makes a second
    migration run wait instead of reading a version that is about to change.
    """
    parsed = parse_url(url) if isinstance(url, str) else url
    try:
        engine = create_engine(parsed, echo=echo)
    except ModuleNotFoundError as exc:
        module, extra = DRIVER_EXTRAS.get(parsed.get_backend_name(), (exc.name, "?"))
        raise StairwayError(
            f"the driver {module!r} for {parsed.get_backend_name()} is not installed; "
            f"pip install -e '.[{extra}]'"
        ) from None
    if engine.dialect.name == "sqlite":
        _make_sqlite_strict(
            engine,
            foreign_keys=not for_migrations,
            begin=("BEGIN IMMEDIATE" if for_migrations else "BEGIN"),
        )
    return engine


def _make_sqlite_strict(engine: Engine, *, foreign_keys: bool, begin: str) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        # Hand transaction control to SQLAlchemy (see the "Serializable
        # isolation / Savepoints / Transactional DDL" recipe in the docs).
        dbapi_connection.isolation_level = None
        state = "ON" if foreign_keys else "OFF"
        dbapi_connection.execute(f"PRAGMA foreign_keys={state}")
        # Concurrent runs wait for the write lock instead of failing at once.
        dbapi_connection.execute(f"PRAGMA busy_timeout={lock_timeout() * 1000}")
        connection_record.info["transactional_ddl"] = True

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql(begin)


# -- watching what runs -------------------------------------------------------


@contextmanager
def watching_statements(
    connection: Connection, keep: Callable[[Connection, str], bool]
) -> Iterator[list[str]]:
    """Yield a list that fills with the statements run on ``connection`` that ``keep`` accepts."""
    kept: list[str] = []

    def watch(conn, cursor, statement, parameters, context, executemany):
        text = statement.strip()
        if keep(conn, text):
            kept.append(text)

    event.listen(connection, "before_cursor_execute", watch)
    try:
        yield kept
    finally:
        event.remove(connection, "before_cursor_execute", watch)


# -- one migration run at a time ----------------------------------------------

LOCK_NAME = "sqlalchemy_stairway_migrations"
LOCK_KEY = 0x5354_4149_52  # any fixed 64-bit number; "STAIR"


@contextmanager
def migration_lock(connection: Connection) -> Iterator[None]:
    """Hold the database's migration lock; a second holder waits ``lock_timeout()``.

    PostgreSQL: a session advisory lock.  MariaDB: ``GET_LOCK``.  Both are
    re-entrant, so a task can hold the lock around several Alembic runs
    that take it again.  SQLite needs nothing here: engines for migrations
    ``BEGIN IMMEDIATE``, and the write lock makes a second run wait.
    The connection leaves with no transaction open.
    """
    dialect = connection.dialect.name
    if dialect not in ("postgresql", "mysql"):
        yield
        return
    if connection.in_transaction():
        connection.commit()
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
            connection.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": LOCK_NAME})
        connection.commit()


# -- scratch databases for the checks and the tests -------------------------


@contextmanager
def scratch_database(server_url: str | URL, tmp_dir: Path | None = None) -> Iterator[URL]:
    """Create an empty database next to ``server_url``'s, yield its URL, drop it.

    On SQLite the scratch database is a new file in ``tmp_dir`` (or beside
    the given file); on PostgreSQL and MariaDB it is a new database on the
    same server, named ``stairway_<random>``, so ``server_url``'s own
    database is never touched.
    """
    parsed = parse_url(server_url) if isinstance(server_url, str) else server_url
    name = f"stairway_{uuid.uuid4().hex[:12]}"
    if parsed.get_backend_name() == "sqlite":
        folder = tmp_dir or Path(parsed.database or ".").resolve().parent
        path = folder / f"{name}.db"
        try:
            yield parsed.set(database=str(path))
        finally:
            path.unlink(missing_ok=True)
        return

    admin = make_engine(parsed, for_migrations=True).execution_options(isolation_level="AUTOCOMMIT")
    quoted = admin.dialect.identifier_preparer.quote(name)
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {quoted}"))
    except Exception as exc:  # a server that does not answer, a refused login...
        admin.dispose()
        raise StairwayError(
            f"cannot create a scratch database on {redact(parsed)}: {first_line(exc)}"
        ) from None
    try:
        yield parsed.set(database=name)
    finally:
        with admin.connect() as conn:
            if admin.dialect.name == "postgresql":
                conn.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
            else:
                conn.execute(text(f"DROP DATABASE IF EXISTS {quoted}"))
        admin.dispose()


def first_line(exc: BaseException) -> str:
    """Return the first line of a database error, without SQLAlchemy's footer."""
    inner = getattr(exc, "orig", None) or exc
    return (str(inner).strip().splitlines() or [type(inner).__name__])[0]
