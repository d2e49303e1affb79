"""Move a database between stages with Alembic, in-process.

Everything goes through ``alembic.command`` with the connection passed in
``config.attributes["connection"]``, the recipe of Alembic's cookbook that
the project's env.py supports; nothing is run through a shell.

:func:`migrate` is the one verb: from wherever the database is to a
target stage, up or down, in one Alembic run (one lock, one transaction
where the database has transactional DDL).  A caller that wants to act
after each revision (the tutorial seeds each stage's rows) passes
``after_each``.
"""

import io
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.util import CommandError
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from sqlalchemy_stairway.check.engines import first_line, make_engine, redact, watching_statements
from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.locking import wait_briefly
from sqlalchemy_stairway.ops import SQL_NOTES
from sqlalchemy_stairway.stages import Stage, Stairway
from sqlalchemy_stairway.transactions import reading, require_no_transaction

# a URL per dialect name, for offline --sql without a database
DIALECT_URLS = {"sqlite": "sqlite://", "postgresql": "postgresql://", "mysql": "mysql://"}
# MariaDB is reached through SQLAlchemy's mysql dialect: its SQL is the mysql SQL
DIALECT_ALIASES = {"mariadb": "mysql"}


def current_revision(connection: Connection) -> str | None:
    """Return the revision ``connection``'s database is stamped with (None: none)."""
    with reading(connection):
        return MigrationContext.configure(connection).get_current_revision()


def current_stage(stairway: Stairway, connection: Connection) -> Stage:
    """Return the stage ``connection``'s database is stamped at."""
    with reading(connection):
        revisions = MigrationContext.configure(connection).get_current_heads()
    stages = []
    for revision in revisions:
        try:
            stages.append(stairway.stage_for_revision(revision))
        except LookupError:
            raise StairwayError(
                f"the database is stamped with revision {revision!r}, which this project does "
                "not know; it was migrated by another project or a newer version of this one"
            ) from None
    if len(stages) > 1:
        raise StairwayError(stamped_twice(stairway, connection, stages))
    return stages[0] if stages else stairway.base


def stamped_twice(stairway: Stairway, connection: Connection, stages: list[Stage]) -> str:
    """Say what is wrong with a stamp of several stages, and which one the tables match."""
    from sqlalchemy_stairway.guards import drift

    stages = sorted(stages, key=lambda stage: stage.number)
    said = " and ".join(str(stage.revision) for stage in stages)
    matching = [stage for stage in stages if not drift(connection, stage)]
    if matching:
        keep = matching[0].revision
        how = (
            f"its tables are those of stage {matching[0].number}: keep that row alone with "
            f"`alembic stamp --purge {keep}`"
        )
    else:
        how = (
            "its tables match none of them: restore a backup, or stamp the stage it is at "
            "with `alembic stamp --purge REVISION`"
        )
    return (
        f"the table alembic_version holds {len(stages)} revisions, {said}, but a database "
        f"of this project is at one stage; {how}. Nothing was changed."
    )


@contextmanager
def migration_connection(engine_or_url: Engine | str) -> Iterator[Connection]:
    """Yield a connection fit for migrating (SQLite: foreign keys off while rebuilding).

    Made from a URL, its every statement waits briefly for other clients'
    locks (:func:`sqlalchemy_stairway.locking.wait_briefly`).
    """
    owns = not isinstance(engine_or_url, Engine)
    engine = make_engine(engine_or_url, for_migrations=True) if owns else engine_or_url
    if owns:
        wait_briefly(engine)
    try:
        try:
            connection = engine.connect()
        except DBAPIError as exc:
            raise StairwayError(
                f"cannot connect to {redact(engine.url)}: {first_line(exc)}"
            ) from None
        with connection:
            yield connection
    finally:
        if owns:
            engine.dispose()


def migrate(
    stairway: Stairway,
    connection: Connection,
    target: Stage,
    *,
    allow_data_loss: bool | Mapping[str, int] = False,
    after_each: Callable[[Connection, Stage, bool], None] | None = None,
    **attributes,
) -> Stage:
    """Upgrade or downgrade the database to ``target`` in one Alembic run; return where it was.

    ``allow_data_loss`` is True to accept any loss a downgrade brings, or
    ``{what: rows}`` a person was shown and agreed to (see
    :mod:`sqlalchemy_stairway.losses`): the revisions refuse to lose more.
    ``after_each(connection, stage, upgrading)`` runs after every revision,
    inside the run's transaction.  ``attributes`` reach env.py and the
    revisions through ``config.attributes``.
    """
    require_no_transaction(connection, "an Alembic run")
    start = current_stage(stairway, connection)
    hooks = list(attributes.pop("on_version_apply", ()))
    if after_each is not None:

        def after_each_revision(ctx, step, heads, run_args) -> None:
            revision = next(iter(step.destination_revision_ids), None)
            after_each(ctx.connection, stairway.stage_for_revision(revision), step.is_upgrade)

        hooks.append(after_each_revision)
    config = stairway.alembic_config(
        connection=connection,
        allow_data_loss=allow_data_loss,
        on_version_apply=hooks,
        **attributes,
    )
    try:
        if target.number > start.number:
            command.upgrade(config, target.revision)
        elif target.number < start.number:
            command.downgrade(config, target.revision or "base")
    except CommandError as exc:
        if connection.in_transaction():
            connection.rollback()
        raise StairwayError(str(exc)) from None
    return start


# -- the SQL a revision emits -------------------------------------------------

SHOWN_SQL = ("CREATE", "ALTER", "DROP", "INSERT", "UPDATE", "DELETE", "RENAME")


@contextmanager
def recording_sql(connection: Connection) -> Iterator[list[str]]:
    """Collect the DDL and DML statements run on ``connection`` (not reads, not PRAGMAs).

    Statements run while ``connection.info["unrecorded"]`` is set (a
    caller's own writes between revisions) are left out.  A revision's
    ``op.note_sql`` comments are kept among them, where they came.
    """
    with watching_statements(
        connection,
        lambda conn, text: text.upper().startswith(SHOWN_SQL) and not conn.info.get("unrecorded"),
    ) as statements:
        connection.info[SQL_NOTES] = statements
        try:
            yield statements
        finally:
            connection.info.pop(SQL_NOTES, None)


def offline_sql(stairway: Stairway, stage: Stage, dialect: str, *, down: bool = False) -> str:
    """Return the SQL ``stage``'s revision emits on ``dialect``, upgrade or ``down``.

    PostgreSQL and MariaDB use Alembic's offline ``--sql`` mode.  SQLite's
    batch mode must read the table it rebuilds, so for SQLite the revision
    runs against an empty scratch database and its statements are recorded.
    """
    if stage.number == 0:
        raise StairwayError("stage 0 is the empty database; it has no revision")
    dialect = DIALECT_ALIASES.get(dialect, dialect)
    if dialect not in DIALECT_URLS:
        choices = ", ".join([*DIALECT_URLS, *DIALECT_ALIASES])
        raise StairwayError(f"unknown dialect {dialect!r}; choose one of {choices}")
    previous = stairway.previous(stage)
    if dialect == "sqlite":
        return _recorded_sqlite_sql(stairway, stage, previous, down)
    buffer = io.StringIO()
    config = stairway.alembic_config(url=DIALECT_URLS[dialect])
    config.output_buffer = buffer
    if down:
        command.downgrade(config, f"{stage.revision}:{previous.revision or 'base'}", sql=True)
    else:
        command.upgrade(config, f"{previous.revision or 'base'}:{stage.revision}", sql=True)
    return buffer.getvalue()


def _recorded_sqlite_sql(stairway: Stairway, stage: Stage, previous: Stage, down: bool) -> str:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/sql.db", for_migrations=True)
        try:
            with engine.connect() as connection:
                migrate(stairway, connection, stage if down else previous)
                with recording_sql(connection) as statements:
                    migrate(stairway, connection, previous if down else stage, allow_data_loss=True)
        finally:
            engine.dispose()
    return "".join(f"{s}\n\n" if s.startswith("--") else f"{s};\n\n" for s in statements)
