"""Alembic's environment: the generic template, plus what the stairway needs.

- The URL comes from ``-x url=...``, else ``$DATABASE_URL``, else alembic.ini.
- A connection passed in ``config.attributes["connection"]`` is used as is
  (the cookbook's "sharing a connection" recipe; tasks, tests and
  pytest-alembic pass one).
- SQLite runs in batch mode, with foreign keys off while tables are rebuilt
  and a ``PRAGMA foreign_key_check`` before commit whenever rows moved.
- One migration run at a time per database (sqlalchemy_stairway.locking):
  an advisory lock on PostgreSQL, ``GET_LOCK`` on MariaDB, ``BEGIN
  IMMEDIATE`` on SQLite.
"""

import os
from logging.config import fileConfig

from alembic import context
from alembic.util import CommandError
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

import sqlalchemy_stairway.ops  # registers op.refuse_rows, op.confirm_data_loss
from scripts.stages import HEAD, STAIRWAY
from sqlalchemy_stairway.engines import first_line, make_engine, redact, watching_statements
from sqlalchemy_stairway.errors import StairwayError
from sqlalchemy_stairway.locking import migration_lock
from sqlalchemy_stairway.losses import describe, destination, planned_losses

config = context.config

# callers that set up logging themselves (tasks.py) pass configure_logger=False
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = HEAD.metadata

# PostgreSQL, until the migration's COMMIT: a revision that must wait for a
# table lock gives up after lock_timeout instead of stalling every query
# queued behind it, and no statement holds its locks past statement_timeout
POSTGRESQL_TIMEOUTS = {"lock_timeout": "5s", "statement_timeout": "60s"}


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
        for name, value in POSTGRESQL_TIMEOUTS.items():
            context.execute(f"SET LOCAL {name} = '{value}'")


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


ROW_MOVING = ("INSERT", "UPDATE", "DELETE", "DROP TABLE")


def rows_moved(connection: Connection):
    """Note the statements that move rows, which alone can break a foreign key.

    Creating a table or adding a NULL column cannot; checking the whole
    database after those would cost a full scan of every table for nothing.
    """
    return watching_statements(
        connection,
        lambda conn, text: (
            text.upper().startswith(ROW_MOVING) and "ALEMBIC_VERSION" not in text.upper()
        ),
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
    try:
        start = STAIRWAY.stage_for_revision(context.get_context().get_current_revision())
    except LookupError:  # stamped by another project: Alembic itself says so
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
    sqlite = connection.dialect.name == "sqlite"
    with migration_lock(connection):
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
            # a caller's hook after each revision (tasks seed each stage this way),
            # after freeing the tables a downgrade locked while it counted
            on_version_apply=[
                lambda ctx, **_: sqlalchemy_stairway.ops.unlock_tables(ctx.connection),
                *config.attributes.get("on_version_apply", ()),
            ],
            # our SQLite engines BEGIN explicitly, so SQLite DDL rolls back too
            transactional_ddl=True if connection.info.get("transactional_ddl") else None,
        )
        refuse_losses_on_the_whole_way_down(connection)
        with context.begin_transaction(), rows_moved(connection) as moved:
            set_postgresql_timeouts()
            context.run_migrations()
            if sqlite and moved:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchmany(5)
                if broken:
                    raise CommandError(f"foreign keys broken by this migration: {broken}")


def run_migrations_online() -> None:
    """Run the migrations against a live database."""
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        run_migrations(given)
        return
    # an Engine passed in (pytest-alembic does) is used as is; else make our own
    try:
        engine = given or make_engine(database_url(), for_migrations=True)
        connection = engine.connect()
    except StairwayError as exc:
        raise CommandError(str(exc)) from None
    except DBAPIError as exc:
        raise CommandError(f"cannot connect to {redact(engine.url)}: {first_line(exc)}") from None
    try:
        with connection:
            run_migrations(connection)
    finally:
        if given is None:
            engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
