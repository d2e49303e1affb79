"""Guards around every task that touches a database.

- :func:`connect_checked`: a SQLite file that is not a database, or that
  cannot be written, is named as such before anything runs.
- :func:`refuse_drift`: a database whose schema is not the one its stamp
  claims is reported, and not migrated.
- :func:`backup_sqlite`: before a run changes a SQLite database, a copy.
- :func:`run_checks`: the migration checks, in scratch databases beside
  the given URL, so the user's own database is never touched.
"""

import os
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.exc import DatabaseError

from models.stages import Stage
from scripts.database import make_engine, parse_url, redact, scratch_database
from scripts.errors import StairwayError


def sqlite_path(connection: Connection) -> Path | None:
    """Return the file of a SQLite database, None for other databases and memory."""
    if connection.dialect.name != "sqlite":
        return None
    database = connection.engine.url.database
    return Path(database) if database and database != ":memory:" else None


def connect_checked(connection: Connection) -> None:
    """Fail with one clear line if the database cannot be used at all."""
    path = sqlite_path(connection)
    if path is None:
        return
    try:
        connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
    except DatabaseError as exc:
        if "not a database" not in str(exc.orig):
            raise  # e.g. locked: the task reports that itself
        raise StairwayError(
            f"{path} is not a SQLite database; point --url at another file"
        ) from None
    finally:
        if connection.in_transaction():
            connection.rollback()
    # a file without write permission bits is read-only even to root, who could write it
    if path.exists() and (not os.access(path, os.W_OK) or not path.stat().st_mode & 0o222):
        raise StairwayError(f"{path} is read-only; make it writable (chmod u+w) or copy it")
    if not os.access(path.parent, os.W_OK):
        raise StairwayError(
            f"the folder of {path} is read-only, and SQLite needs to write its journal there"
        )


def refuse_drift(connection: Connection, stage: Stage) -> None:
    """Fail if the database's schema differs from the models of the stage it is stamped at."""
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    differences = compare_metadata(context, stage.metadata)
    if connection.in_transaction():
        connection.commit()
    if differences:
        shown = "; ".join(repr(diff) for diff in differences[:5])
        more = f" and {len(differences) - 5} more" if len(differences) > 5 else ""
        raise StairwayError(
            f"the database is stamped at stage {stage.number} but its schema differs from that "
            f"stage's models ({shown}{more}); nothing was migrated. Undo the manual changes, "
            "or start again from an empty database"
        )


def backup_sqlite(connection: Connection) -> Path | None:
    """Copy a SQLite database that holds tables into backups/; return the copy's path."""
    path = sqlite_path(connection)
    if path is None or not path.exists():
        return None
    tables = connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
    if connection.in_transaction():
        connection.commit()
    if not tables:
        return None
    folder = path.resolve().parent / "backups"
    folder.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{path.stem}-{stamp}{path.suffix}"
    # sqlite3's online backup gives a consistent copy even mid-transaction
    import sqlite3

    with sqlite3.connect(target) as copy:
        connection.connection.driver_connection.backup(copy)
    copy.close()
    return target


def run_checks(url: str, report: Callable[[str], None] = lambda line: None) -> None:
    """Run every migration check in two scratch databases on ``url``'s server."""
    from scripts.checks import Checker

    parsed = parse_url(url)
    report(f"server: {redact(parsed)}")
    with (
        tempfile.TemporaryDirectory() as folder,
        scratch_database(parsed, Path(folder)) as checked_url,
        scratch_database(parsed, Path(folder)) as reference_url,
    ):
        checked = make_engine(checked_url, for_migrations=True)
        reference = make_engine(reference_url)
        try:
            with checked.connect() as connection, reference.connect() as reference_connection:
                Checker(connection, reference_connection, report).check_all()
        finally:
            checked.dispose()
            reference.dispose()
