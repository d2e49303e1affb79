"""Database URLs and engines: parsing what a user typed, and reaching the database.

Every engine the project makes comes from :func:`make_engine`, which
teaches SQLite two things it does not do by default: enforce foreign
keys, and run DDL inside transactions.
"""

import importlib.util
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from sqlalchemy_stairway.check.errors import StairwayError

LOCK_TIMEOUT_VARIABLE = "STAIRWAY_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 60
# a day: beyond it a run is stuck, not waiting (and PostgreSQL's lock_timeout,
# in milliseconds, would overflow not far above)
LONGEST_LOCK_TIMEOUT = 86_400


def lock_timeout() -> int:
    """Seconds a run waits for another run's lock: $STAIRWAY_LOCK_TIMEOUT, default 60.

    N waits N seconds on every database; 0 does not wait at all.  Anything
    but a whole number from 0 to a day is refused in one line.
    """
    given = os.environ.get(LOCK_TIMEOUT_VARIABLE, "").strip()
    if not given:
        return DEFAULT_LOCK_TIMEOUT
    if not re.fullmatch(r"[0-9]+", given) or int(given) > LONGEST_LOCK_TIMEOUT:
        raise StairwayError(
            f"{LOCK_TIMEOUT_VARIABLE}={given!r} is not a number of seconds to wait for a lock; "
            f"set it to a whole number from 0 (do not wait) to {LONGEST_LOCK_TIMEOUT}, or unset "
            f"it for {DEFAULT_LOCK_TIMEOUT}"
        )
    return int(given)


# Drivers the README names as extras: dialect -> (driver in a URL, module, extra).
DRIVER_EXTRAS = {
    "postgresql": ("psycopg", "psycopg", "postgresql"),
    "mysql": ("pymysql", "pymysql", "mariadb"),
}


@dataclass(frozen=True)
class ChosenURL:
    """The database URL a run uses, and where it came from, to be said aloud."""

    url: str
    origin: str  # "from --url", "from $DATABASE_URL" or "the default"

    def describe(self) -> str:
        """Return one line naming the database and where its URL came from.

        A SQLite file given relative to the current folder is named whole
        too: ``sqlite:///t.db`` means a different file in each folder.
        """
        said = f"database: {redact(self.url)} ({self.origin})"
        try:
            path = sqlite_file(self.url)
        except StairwayError:  # a URL that is not one is refused where it is used
            return said
        if path is not None and not path.is_absolute():
            said += f", the file {path.resolve()}"
        return said


def resolve_url(url: str | None, default: str) -> str:
    """Return ``url``, else ``$DATABASE_URL``, else ``default``."""
    return choose_url(url, default).url


def choose_url(url: str | None, default: str) -> ChosenURL:
    """Return ``url``, else ``$DATABASE_URL``, else ``default``, with where it came from."""
    if url:
        return ChosenURL(url, "from --url")
    if os.environ.get("DATABASE_URL"):
        return ChosenURL(os.environ["DATABASE_URL"], "from $DATABASE_URL")
    return ChosenURL(default, "the default")


def sqlite_file(url: str | URL) -> Path | None:
    """Return the file of a SQLite URL (None for other databases and for memory)."""
    parsed = parse_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def refuse_nul(parsed: URL) -> None:
    """Refuse a NUL byte (``%00``) in a URL's parts: no file, host or name can hold one.

    Left to the driver, it is a ValueError traceback ("embedded null byte").
    """
    parts = {
        "user name": parsed.username,
        "host": parsed.host,
        "file name" if parsed.get_backend_name() == "sqlite" else "database name": (
            parsed.database
        ),
        **{f"option {key}": str(value) for key, value in parsed.query.items()},
    }
    for part, value in parts.items():
        if value and "\x00" in value:
            raise StairwayError(
                f"the {part} in the database URL holds a NUL byte (%00), which no database "
                "accepts; write it without %00"
            )
    if parsed.password and "\x00" in str(parsed.password):
        raise StairwayError(
            "the password in the URL holds a NUL byte (%00), which no database "
            "accepts; write it without %00"
        )


def parse_url(url: str) -> URL:
    """Parse ``url`` or raise a StairwayError that says what is wrong with it."""
    refuse_unencoded_at(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StairwayError(
            f"{redact(url)!r} is not a database URL; "
            "expected e.g. sqlite:///tutorial.db or postgresql+psycopg://user@host/db"
        ) from None
    except ValueError:  # SQLAlchemy turns the port into an int, and says no more than int() does
        port = url.rpartition("@")[2].partition("/")[0].rpartition(":")[2]
        raise StairwayError(
            f"the port {port!r} in the database URL is not a number; "
            "write it as digits, e.g. 127.0.0.1:5432, or leave it out for the default"
        ) from None
    if parsed.get_backend_name() == "mariadb":
        # the migrations branch on the dialect's name; MariaDB's is "mysql" here
        raise StairwayError(
            f"write MariaDB URLs as mysql+pymysql://..., not {redact(parsed)}: the migrations "
            "reach MariaDB through SQLAlchemy's mysql dialect"
        )
    try:
        parsed.get_dialect()
    except NoSuchModuleError:
        raise StairwayError(
            f"unknown database driver {parsed.drivername!r} in {redact(parsed)}; "
            "use sqlite, postgresql+psycopg or mysql+pymysql"
        ) from None
    refuse_bad_options(parsed)
    refuse_nul(parsed)
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


def refuse_bad_options(parsed: URL) -> None:
    """Fail in words on ``?options`` the driver would refuse with a traceback, not a DB error."""
    charset = parsed.query.get("charset")
    if (
        parsed.drivername == "mysql+pymysql"
        and isinstance(charset, str)
        and importlib.util.find_spec("pymysql") is not None  # missing: make_engine says so
    ):
        from pymysql.charset import charset_by_name

        if charset_by_name(charset) is None:
            raise StairwayError(
                f"MariaDB knows no character set {charset!r} (?charset= in {redact(parsed)}); "
                "use ?charset=utf8mb4, or leave it out"
            )
    try:  # the dialect turns options such as connect_timeout into numbers here
        parsed.get_dialect()().create_connect_args(parsed)
    except (ValueError, TypeError) as exc:
        raise StairwayError(
            f"an option in {redact(parsed)} is not one the driver accepts ({exc}); "
            "correct it or leave it out"
        ) from None


# user:password@ after the scheme (if any). A password may hold any character,
# '@' included, so it runs to the last '@': hiding too much is harmless, hiding
# too little is not.
PASSWORD_IN_USERINFO = {
    True: re.compile(r"^(?P<kept>.*?://[^:/]*:).*@", re.DOTALL),
    False: re.compile(r"^(?P<kept>[^:/]*:).*@", re.DOTALL),
}
# drivers also take the password as a query parameter: ?password=...
PASSWORD_IN_QUERY = re.compile(r"(?P<kept>[?&](?:password|passwd|pwd)=)[^&]*", re.IGNORECASE)


def redact(url: str | URL) -> str:
    """Return ``url`` as text with any password masked, safe to print.

    Works on the text, not on SQLAlchemy's parse, which ends a password at
    its first '@' and would show the rest of it as the host.
    """
    text = url if isinstance(url, str) else url.render_as_string(hide_password=True)
    text = PASSWORD_IN_USERINFO["://" in text].sub(r"\g<kept>***@", text, count=1)
    return PASSWORD_IN_QUERY.sub(r"\g<kept>***", text)


def refuse_unencoded_at(url: str) -> None:
    """Refuse a URL whose password (or what follows it) holds a bare '@'.

    SQLAlchemy ends the password at the first '@', so ``root:p@ss@host``
    would reach a host named ``ss@host``, and the driver's error would print
    that part of the password.  Percent-encoded, the URL means one thing.
    """
    if url.startswith("sqlite"):  # no password; a file's path may hold '@' and ':'
        return
    rest = url.split("://", 1)[-1]
    if rest.count("@") > 1 and ":" in rest[: rest.rfind("@")]:
        raise StairwayError(
            f"{redact(url)} holds more than one '@', so its password cannot be told from "
            "its host; write each '@' in the password (or the database name) as %40"
        )


def make_engine(
    url: str | URL, *, for_migrations: bool = False, echo: bool = False, scratch: bool = False
) -> Engine:
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
    A ``scratch`` database is the checker's own, with no other run to wait
    for: its transactions begin deferred, so that a revision reading through
    a second connection (``inspect(op.get_bind().engine)``) is not locked
    out by the first.
    """
    parsed = parse_url(url) if isinstance(url, str) else url
    # read once, up front: a bad $STAIRWAY_LOCK_TIMEOUT is refused before any connection
    wait = lock_timeout() if for_migrations or parsed.get_backend_name() == "sqlite" else None
    try:
        engine = create_engine(parsed, echo=echo)
    except ModuleNotFoundError as exc:
        raise StairwayError(missing_driver(parsed, exc.name)) from None
    if engine.dialect.name == "sqlite":
        _make_sqlite_strict(
            engine,
            foreign_keys=not for_migrations,
            begin=("BEGIN IMMEDIATE" if for_migrations and not scratch else "BEGIN"),
            busy_timeout=wait,
        )
    return engine


def missing_driver(url: URL, module: str | None) -> str:
    """Return what to do when ``url``'s driver module ``module`` cannot be imported."""
    backend = url.get_backend_name()
    known = DRIVER_EXTRAS.get(backend)
    if known is None:
        return f"the driver {module!r} for {backend} is not installed; install it with pip"
    driver, known_module, extra = known
    if module != known_module:
        # e.g. mysql:// means MySQLdb, which the project does not use
        fixed = url.set(drivername=f"{backend}+{driver}")
        installed = importlib.util.find_spec(known_module) is not None
        then = "" if installed else f" after pip install -e '.[{extra}]'"
        return (
            f"{redact(url)} asks for the driver {module!r}, which is not installed; "
            f"use {redact(fixed)}{then}"
        )
    return f"the driver {module!r} for {backend} is not installed; pip install -e '.[{extra}]'"


def _make_sqlite_strict(
    engine: Engine, *, foreign_keys: bool, begin: str, busy_timeout: int
) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        # Hand transaction control to SQLAlchemy (see the "Serializable
        # isolation / Savepoints / Transactional DDL" recipe in the docs).
        dbapi_connection.isolation_level = None
        state = "ON" if foreign_keys else "OFF"
        dbapi_connection.execute(f"PRAGMA foreign_keys={state}")
        # Concurrent runs wait for the write lock instead of failing at once
        # (0: they fail at once, as $STAIRWAY_LOCK_TIMEOUT=0 asks).
        dbapi_connection.execute(f"PRAGMA busy_timeout={busy_timeout * 1000}")
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


OBJECT_ADDRESS = re.compile(r" object at 0x[0-9a-fA-F]+>")  # in a repr: differs each run


def first_line(exc: BaseException) -> str:
    """Return the first line of a database error, without SQLAlchemy's footer.

    An object's address (``<... SQLiteTypeCompiler object at 0x7f...>``)
    is left out: it says nothing to a reader and differs from run to run.
    """
    inner = getattr(exc, "orig", None) or exc
    line = (str(inner).strip().splitlines() or [type(inner).__name__])[0]
    return OBJECT_ADDRESS.sub(">", line)
