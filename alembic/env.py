"""Alembic's environment: the generic template, plus what the stairway needs.

- The URL comes from ``-x url=...``, else ``$DATABASE_URL``, else alembic.ini.
- A connection passed in ``config.attributes["connection"]`` is used as is
  (the cookbook's "sharing a connection" recipe; tasks, tests and
  pytest-alembic pass one).
- SQLite runs in batch mode, with foreign keys off while tables are rebuilt
  and a ``PRAGMA foreign_key_check`` before commit whenever rows moved
  (sqlalchemy_stairway.orphans): rows the run left pointing at no row are
  refused, rows that pointed at none before it are named and kept.
- Another application's database, and a stamp of two revisions one above
  the other, are refused before Alembic writes anything.
- The migration reads at READ COMMITTED whatever the database's default
  (PostgreSQL, MariaDB), so a revision's read under its lock sees what
  other clients committed before it; a MariaDB session whose sql_mode is
  not strict is refused (sqlalchemy_stairway.sessions).
- One migration run at a time per database (sqlalchemy_stairway.locking):
  an advisory lock on PostgreSQL, ``GET_LOCK`` on MariaDB, ``BEGIN
  IMMEDIATE`` on SQLite.  A statement waiting on another client's lock
  gives up after a few seconds, and says so in one line.
- On MariaDB, which commits each DDL statement on its own, every operation
  first looks whether a run killed half-way did it already, and skips it
  then (``resumable=True``: sqlalchemy_stairway.resumable).
- What a user can fix ends in one line (``FAILED: ...`` from Alembic's
  command line), never a traceback.  Run from the command line, any
  failure, or Ctrl-C, also says truly where the database is left
  (sqlalchemy_stairway.aftermath): on MariaDB, revisions before the one
  that failed stay committed.
"""

import contextlib
import logging
import os
from collections.abc import Iterator
from logging.config import fileConfig

from alembic import context
from alembic.util import CommandError
from rich.console import Console
from sqlalchemy import Connection, inspect
from sqlalchemy.exc import DBAPIError

# registers op.refuse_rows, op.confirm_data_loss, and resumable operations
import sqlalchemy_stairway.hashing  # registers op.prehash_column, op.write_hashes
import sqlalchemy_stairway.ops
from scripts.stages import HEAD, STAIRWAY
from sqlalchemy_stairway.aftermath import aftermath, read_stage, truthful
from sqlalchemy_stairway.check.engines import first_line, make_engine, redact
from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.guards import named
from sqlalchemy_stairway.interrupted import find_interrupted
from sqlalchemy_stairway.locking import (
    lock_conflict,
    migration_lock,
    postgresql_lock_timeout,
    wait_briefly,
)
from sqlalchemy_stairway.losses import describe, destination, planned_losses
from sqlalchemy_stairway.ops import rolls_back_ddl
from sqlalchemy_stairway.orphans import OrphanWatch, described, watching_orphans
from sqlalchemy_stairway.sessions import read_committed, refuse_lax_sql_mode

config = context.config

# callers that set up logging themselves (tasks.py) pass configure_logger=False
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = HEAD.metadata

# PostgreSQL, until the migration's COMMIT: a revision that must wait for a
# table lock gives up after lock_timeout (5 s, or $STAIRWAY_LOCK_TIMEOUT if
# less) instead of stalling every query queued behind it, and no statement
# holds its locks past statement_timeout.  MariaDB gets the same lock waits
# from the migration lock (sqlalchemy_stairway.locking).
POSTGRESQL_STATEMENT_TIMEOUT = "60s"


class RefusedUntouched(CommandError):
    """A refusal made before this run wrote anything: its words need no aftermath."""


def database_url() -> str:
    """Return the URL from -x url=..., else $DATABASE_URL, else alembic.ini."""
    return (
        config.attributes.get("url")  # a caller in Python, such as `invoke sql`
        or context.get_x_argument(as_dictionary=True).get("url")
        or os.environ.get("DATABASE_URL")
        or config.get_main_option("sqlalchemy.url")
    )


def set_postgresql_timeouts() -> None:
    """SET LOCAL the PostgreSQL timeouts, on the connection or in the --sql output."""
    if context.get_context().dialect.name == "postgresql":
        context.execute(f"SET LOCAL lock_timeout = '{postgresql_lock_timeout()}'")
        context.execute(f"SET LOCAL statement_timeout = '{POSTGRESQL_STATEMENT_TIMEOUT}'")


def run_migrations_offline() -> None:
    """Emit the SQL of the migrations as text, without a database."""
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=database_url().startswith("sqlite"),
    )
    with context.begin_transaction():
        set_postgresql_timeouts()
        context.run_migrations()


def refuse_what_a_run_must_not_touch(connection: Connection) -> None:
    """Refuse, before Alembic writes anything, a database it would damage or misread.

    Both only stop runs that would migrate, ``upgrade`` and ``downgrade``:

    - Another application's database: tables, and no revision of this
      project.  Alembic would create alembic_version in it (on MariaDB for
      good: DDL commits) before the first revision fails.  ``alembic
      stamp`` is how a person adopts a database on purpose, and ``current``
      and ``check`` only look (the stage 2 lesson runs them on one).
    - Revisions stamped one above the other (``0001`` and ``0002``): the
      database is at one of them, and only a person can say which.
    """
    migration_context = context.get_context()
    # the function Alembic's command hands to the run: upgrade, downgrade, do_stamp...
    command = getattr(migration_context.opts.get("fn"), "__name__", "")
    if command not in ("upgrade", "downgrade"):
        return
    heads = migration_context.get_current_heads()
    if not heads:
        version_table = migration_context.version_table
        tables = sorted(set(inspect(connection).get_table_names()) - {version_table})
        # a first revision killed half-way on MariaDB left its own tables: finish it
        if tables and find_interrupted(STAIRWAY, connection, STAIRWAY.base) is None:
            raise CommandError(
                f"this database is not the tutorial's: it was never migrated by this project, "
                f"yet it holds the tables {named(tables)}. Point -x url=... (or $DATABASE_URL) at "
                "another database; if its tables are those of a stage, adopt it with "
                "`alembic stamp REVISION`. Nothing was changed."
            )
    if len(heads) > 1:
        script = migration_context.script
        for head in heads:
            below = {each.revision for each in script.iterate_revisions(head, "base")}
            earlier = sorted(set(heads) & below - {head})
            if earlier:
                raise CommandError(
                    f"alembic_version holds {' and '.join(sorted(heads))}, but {earlier[0]} comes "
                    f"before {head} in the same line of revisions: the database is at one of "
                    "them. Keep the right one with `alembic stamp --purge REVISION` (`invoke "
                    "stages` says which one its tables match). Nothing was changed."
                )


def refuse_to_leave_a_move_half_way(connection: Connection) -> None:
    """Refuse a move from a half-done state (MariaDB, killed) unless it finishes that move.

    Tasks refuse it themselves; this is for the plain ``alembic`` command
    and a program calling ``alembic.command``: ``alembic upgrade head``
    after a downgrade killed half-way would stamp the next revision over
    it, and the state needed to finish it would be lost.
    """
    if rolls_back_ddl(connection):
        return
    argument = context.get_context().opts.get("destination_rev")
    if not isinstance(argument, str):
        return
    try:
        start = STAIRWAY.stage_for_revision(context.get_context().get_current_revision())
    except LookupError:  # stamped by another project: Alembic itself says so
        return
    found = find_interrupted(STAIRWAY, connection, start)
    if found is None:
        return
    target = destination(STAIRWAY, context.script, start, argument)
    if target is None or not found.finished_by(target):
        raise RefusedUntouched(f"{found}. Nothing was changed.")


def check_foreign_keys(connection: Connection, watch: OrphanWatch) -> None:
    """Refuse to commit rows this run left pointing at no row; name older ones, and go on."""
    db = connection.connection.driver_connection
    made, older = watch.after(db)
    if made:
        also = f" (older ones, left as they were: {described(db, older)})" if older else ""
        raise CommandError(
            f"foreign keys broken by this migration: {described(db, made)}{also}. "
            "Nothing was changed."
        )
    if older:
        config.attributes["orphans_before"] = [(o.table, o.rowid, o.parent) for o in older]
        Console(stderr=True, highlight=False, soft_wrap=True).print(
            f"note: {len(older)} row{'s' * (len(older) != 1)} already pointed at no row "
            f"before this run, which left {'them' if len(older) != 1 else 'it'} as "
            f"{'they were' if len(older) != 1 else 'it was'}: {described(db, older)}. "
            "PRAGMA foreign_key_check lists them; fix or delete them."
        )


def refuse_losses_on_the_whole_way_down(connection: Connection) -> None:
    """Name every loss of a multi-stage downgrade before the first revision runs.

    Each revision also refuses its own losses, but only when it is reached:
    `alembic downgrade base` from stage 5 would name the orders and never
    the password hashes that accepting them leads on to.  Callers in Python
    (the tasks) ask a person first and pass what was agreed.
    """
    if "allow_data_loss" in config.attributes or sqlalchemy_stairway.ops.data_loss_allowed():
        return
    argument = context.get_context().opts.get("destination_rev")  # as typed: "base", "-1"
    if not isinstance(argument, str):  # no destination (`alembic current`), or a stamp
        return
    heads = context.get_context().get_current_heads()
    if len(heads) != 1:  # branches of your own: each revision refuses its losses when reached
        return
    try:
        start = STAIRWAY.stage_for_revision(heads[0])
    except LookupError:  # stamped by another project, or a branch's revision
        return
    target = destination(STAIRWAY, context.script, start, argument)
    if target is None or target.number >= start.number:
        return
    losses = planned_losses(STAIRWAY, connection, start, target)
    if losses:
        raise CommandError(
            f"going from stage {start.number} to stage {target.number} would lose "
            f"{describe(losses)}; run it again with -x allow_data_loss=true to accept. "
            "Nothing was changed."
        )


def run_migrations(connection: Connection) -> None:
    """Run the migrations under the migration lock; a lock another client kept is one line."""
    try:
        run_migrations_locked(connection)
    except DBAPIError as exc:
        said = lock_conflict(exc)
        if said is None:
            raise
        raise CommandError(said) from None


@contextlib.contextmanager
def unlogged() -> Iterator[None]:
    """Keep a look at the stamp out of the output: it opens a migration context of its own.

    Alembic logs "Context impl" and "Will assume ... DDL" for every context,
    and this one, made without env.py's options, would say non-transactional.
    """
    logger = logging.getLogger("alembic.runtime.migration")
    was = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = was


def run_on_its_own(connection: Connection) -> None:
    """Run for the command line: a failure, or Ctrl-C, is one line saying where the database is."""
    with unlogged():
        before = read_stage(STAIRWAY, connection)
    try:
        run_migrations(connection)
    except RefusedUntouched:
        raise  # said before this run wrote anything: true as it stands
    except CommandError as exc:
        said = str(exc)
    except DBAPIError as exc:
        said = f"the database said: {first_line(exc)}"
    except KeyboardInterrupt:
        said = "Interrupted (Ctrl-C)"
    else:
        return
    with unlogged():
        told = aftermath(STAIRWAY, connection, before, "run the same command again")
    raise CommandError(truthful(said, told)) from None


def run_migrations_locked(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    refuse_lax_sql_mode(connection)
    with migration_lock(connection), read_committed(connection):
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
            # a caller's hook after each revision (tasks seed each stage this way),
            # after freeing the tables the revision locked, and SQLite's secure_delete
            on_version_apply=[
                lambda ctx, **_: sqlalchemy_stairway.ops.unlock_tables(ctx.connection),
                lambda ctx, **_: sqlalchemy_stairway.hashing.restore_freed_space(ctx.connection),
                *config.attributes.get("on_version_apply", ()),
            ],
            # our SQLite engines BEGIN explicitly, so SQLite DDL rolls back too
            transactional_ddl=True if connection.info.get("transactional_ddl") else None,
            # where DDL is not rolled back (MariaDB), each operation skips itself when
            # a run killed half-way did it (sqlalchemy_stairway.resumable)
            resumable=True,
        )
        with context.begin_transaction():
            refuse_what_a_run_must_not_touch(connection)
            refuse_to_leave_a_move_half_way(connection)
            refuse_losses_on_the_whole_way_down(connection)
            set_postgresql_timeouts()
            if not sqlite:
                context.run_migrations()
                return
            with watching_orphans(connection) as watch:
                context.run_migrations()
            check_foreign_keys(connection, watch)


def run_migrations_online() -> None:
    """Run the migrations against a live database."""
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        run_migrations(given)
        return
    # an Engine passed in (pytest-alembic does) is used as is; else make our own
    try:
        engine = given or make_engine(database_url(), for_migrations=True)
        if given is None:  # reads before the lock wait briefly too, and name who held one
            wait_briefly(engine)
        connection = engine.connect()
    except StairwayError as exc:
        raise CommandError(str(exc)) from None
    except DBAPIError as exc:
        raise CommandError(f"cannot connect to {redact(engine.url)}: {first_line(exc)}") from None
    try:
        with connection:
            if given is None:  # Alembic's command line, or a program that gave a URL
                run_on_its_own(connection)
            else:
                run_migrations(connection)
    finally:
        if given is None:
            engine.dispose()


try:
    if context.is_offline_mode():
        run_migrations_offline()
    else:
        run_migrations_online()
except StairwayError as exc:  # e.g. a bad $STAIRWAY_LOCK_TIMEOUT, another run holding the lock
    raise CommandError(str(exc)) from None
