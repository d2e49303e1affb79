"""Guards around every task that touches a database.

- :func:`connect_checked`: a SQLite file that is not a database, or that
  cannot be written, is named as such before anything runs.
- :func:`refuse_drift`: a database whose schema is not the one its stamp
  claims is reported, in words, and not migrated; a move killed half-way
  is named as such, and finished by running the same move again.
- :func:`backup_if_changed`: before a run changes a SQLite database, a
  copy, kept only when the run did change it, readable by its owner alone.
"""

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.exc import DatabaseError

from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.interrupted import find_interrupted
from sqlalchemy_stairway.stages import Stage, Stairway
from sqlalchemy_stairway.transactions import reading


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
        with reading(connection):
            connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
    except DatabaseError as exc:
        if "not a database" not in str(exc.orig):
            raise  # e.g. locked: the task reports that itself
        raise StairwayError(
            f"{path} is not a SQLite database; point --url at another file"
        ) from None
    # a file without write permission bits is read-only even to root, who could write it
    if path.exists() and (not os.access(path, os.W_OK) or not path.stat().st_mode & 0o222):
        raise StairwayError(f"{path} is read-only; make it writable (chmod u+w) or copy it")
    if not os.access(path.parent, os.W_OK):
        raise StairwayError(
            f"the folder of {path} is read-only, and SQLite needs to write its journal there"
        )


class DriftError(StairwayError):
    """The database's schema is not the one of the stage it is stamped at."""

    def __init__(
        self, stage: Stage, differences: list[str], remedy: str, tables: list[str] | None = None
    ) -> None:
        self.stage, self.differences = stage, differences
        said = what_drifted(stage, differences, tables)
        super().__init__(f"{said}. Nothing was migrated. {remedy}".strip())


SHOWN_DIFFERENCES = 4
SHOWN_TABLES = 5


def what_drifted(stage: Stage, differences: list[str], tables: list[str] | None = None) -> str:
    """Say in one clause how a database is not at ``stage``; ``tables``: the tables it has.

    Three cases read differently: a database this project never stamped is
    another application's, named by its tables; one stamped at a stage
    none of whose tables is there was stamped by hand or emptied; any
    other was changed by hand since.
    """
    if stage.revision is None and tables:
        return (
            "this database is not the tutorial's: it was never migrated by this project, "
            f"yet it holds the tables {named(tables)}"
        )
    if stage.revision is not None and tables is not None:
        own = sorted(stage.metadata.tables)
        if not set(own) & set(tables):
            return (
                f"the database is stamped at stage {stage.number} ({stage.revision}), but none "
                f"of its tables is there ({named(own)}): the stamp was written without running "
                "the migrations, or the tables were dropped since"
            )
    shown = "; ".join(differences[:SHOWN_DIFFERENCES])
    more = len(differences) - SHOWN_DIFFERENCES
    shown += f"; and {more} more" if more > 0 else ""
    if stage.revision is None:
        return f"the database was never migrated by this project, yet {shown}"
    return f"the database is at stage {stage.number}, but changed by hand since: {shown}"


def named(tables: list[str]) -> str:
    """Return a few table names, and how many more there are."""
    more = len(tables) - SHOWN_TABLES
    return ", ".join(tables[:SHOWN_TABLES]) + (f" and {more} more" if more > 0 else "")


def present_tables(connection: Connection) -> list[str]:
    """Return the database's tables, but Alembic's own alembic_version, sorted."""
    with reading(connection):
        return sorted(set(inspect(connection).get_table_names()) - {"alembic_version"})


def drift(connection: Connection, stage: Stage) -> list[str]:
    """Return how the database differs from ``stage``'s models, in words (none: it matches)."""
    with reading(connection):
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        found = compare_metadata(context, stage.metadata)
    return [in_words(difference, stage) for difference in found]


def refuse_drift(
    connection: Connection,
    stage: Stage,
    remedy: str = "",
    *,
    stairway: Stairway | None = None,
    target: Stage | None = None,
) -> None:
    """Fail if the database's schema differs from the models of the stage it is stamped at.

    ``remedy`` ends the message: how to start again, in the caller's commands.
    Given the ``stairway``, a difference that is a move killed half-way
    (:mod:`sqlalchemy_stairway.interrupted`) is named as such, and let
    through when the run's ``target`` finishes that move.
    """
    differences = drift(connection, stage)
    if not differences:
        return
    if stairway is not None:
        found = find_interrupted(stairway, connection, stage)
        if found is not None:
            if target is not None and found.finished_by(target):
                return
            raise StairwayError(f"{found}. Nothing was migrated.")
    raise DriftError(stage, differences, remedy, present_tables(connection))


def in_words(difference, stage: Stage) -> str:
    """Return one of Alembic's ``compare_metadata`` differences as a sentence's clause.

    Alembic says what an upgrade would do to reach the models: ``add_*``
    means the database lacks it, ``remove_*`` that the database has it and
    the stage does not.
    """
    at = f"stage {stage.number}" if stage.revision is not None else "an empty database"
    if isinstance(difference, list):  # modify_*: a list of one or more tuples on one column
        kind, _, table, column, _, found, wanted = difference[0]
        what = {"modify_type": "type", "modify_nullable": "NULL-ability"}.get(
            kind.removeprefix("modify_"), kind.removeprefix("modify_")
        )
        if kind == "modify_nullable":
            found, wanted = ("NULL" if v else "NOT NULL" for v in (found, wanted))
        return f"column {table}.{column} has {what} {found}, where {at} has {wanted}"
    kind = difference[0]
    if kind in ("add_table", "remove_table"):
        name = difference[1].name
        return (
            f"table {name} is missing"
            if kind == "add_table"
            else f"it has a table {name} that {at} does not have"
        )
    if kind in ("add_column", "remove_column"):
        name = f"{difference[2]}.{difference[3].name}"
        return (
            f"column {name} is missing"
            if kind == "add_column"
            else f"it has a column {name} that {at} does not have"
        )
    verb, _, noun = kind.partition("_")
    item = difference[1]
    name = getattr(item, "name", None) or "(unnamed)"
    table = getattr(getattr(item, "table", None), "name", "")
    noun = {"fk": "foreign key", "constraint": "constraint", "index": "index"}.get(noun, noun)
    where = f" on {table}" if table else ""
    if verb == "add":
        return f"{noun} {name}{where} is missing"
    return f"it has a {noun} {name}{where} that {at} does not have"


class Backup:
    """A backup that is kept only if the run changed the database: see :func:`backup_if_changed`."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.changed = False


@contextmanager
def backup_if_changed(connection: Connection) -> Iterator[Backup]:
    """Back a SQLite database up; keep the copy only if the caller sets ``changed``.

    A run that fails, refuses, or finds nothing to do changed nothing, and
    leaves no copy behind.
    """
    backup = Backup(backup_sqlite(connection))
    try:
        yield backup
    finally:
        if backup.path is not None and not backup.changed:
            backup.path.unlink(missing_ok=True)
            with suppress(OSError):  # the folder, if this copy was all it held
                backup.path.parent.rmdir()
            backup.path = None


def backup_sqlite(connection: Connection) -> Path | None:
    """Copy a SQLite database that holds tables into backups/; return the copy's path."""
    path = sqlite_path(connection)
    if path is None or not path.exists():
        return None
    with reading(connection):
        tables = connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
    if not tables:
        return None
    folder = private_folder(path.resolve().parent / "backups")
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = private_file(folder / f"{path.stem}-{stamp}{path.suffix}")
    # sqlite3's online backup gives a consistent copy even mid-transaction
    copy = sqlite3.connect(target)
    try:
        with copy:
            connection.connection.driver_connection.backup(copy)
    except (sqlite3.Error, OSError) as exc:  # a full disk, a quota: no half copy left behind
        copy.close()
        target.unlink(missing_ok=True)
        with suppress(OSError):
            folder.rmdir()
        raise StairwayError(
            f"cannot back the database up into {folder}: {exc}. Make room there (is the disk "
            "full?) and run it again. Nothing was changed."
        ) from None
    copy.close()
    return target


# A backup holds every row, plaintext passwords too before stage 4: only its
# owner may read it.  The modes are set after creating, because the umask
# filters the mode given at creation (a umask of 0 would make it world-readable, 0277
# unwritable); a folder made by an older version (0755) is tightened too.
PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600


def private_folder(folder: Path) -> Path:
    """Make ``folder`` if needed, and readable by its owner alone."""
    try:
        folder.mkdir(mode=PRIVATE_FOLDER, exist_ok=True)
        folder.chmod(PRIVATE_FOLDER)
    except OSError as exc:
        raise StairwayError(
            f"cannot make the backup folder {folder} private (chmod 700): {exc.strerror}; "
            "make it yours, or move it away"
        ) from None
    return folder


def private_file(path: Path) -> Path:
    """Create ``path``, empty and readable by its owner alone; it must not exist yet."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    try:
        os.fchmod(descriptor, PRIVATE_FILE)
    finally:
        os.close(descriptor)
    return path
