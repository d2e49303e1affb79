"""Drive Alembic in-process: where a database is, and moving it between stages.

Everything goes through ``alembic.command`` with the connection passed in
``config.attributes["connection"]``, the recipe env.py supports; nothing
is run through a shell.
"""

import io
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from models.stages import STAGES, Stage, stage_for_revision
from scripts.database import first_line, make_engine, redact, watching_statements
from scripts.errors import StairwayError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LAST_STAGE = STAGES[-1].number
DIALECT_URLS = {"sqlite": "sqlite://", "postgresql": "postgresql://", "mysql": "mysql://"}


def alembic_config(**attributes) -> Config:
    """Return the project's Alembic config, with ``attributes`` for env.py."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["configure_logger"] = False
    config.attributes.update(attributes)
    return config


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def parse_stage(text: str | int) -> Stage:
    """Return the stage numbered ``text``, or raise a StairwayError that says why not."""
    try:
        number = int(text)
    except (TypeError, ValueError):
        raise StairwayError(
            f"stage must be a number from 0 to {LAST_STAGE}, not {text!r}; "
            "`invoke stages` lists them"
        ) from None
    if not 0 <= number <= LAST_STAGE:
        raise StairwayError(
            f"there is no stage {number}; stages go from 0 to {LAST_STAGE} "
            "(`invoke stages` lists them)"
        )
    return STAGES[number]


def current_stage(connection: Connection) -> Stage:
    """Return the stage ``connection``'s database is stamped at."""
    revision = MigrationContext.configure(connection).get_current_revision()
    if connection.in_transaction():
        connection.commit()
    try:
        return stage_for_revision(revision)
    except LookupError:
        raise StairwayError(
            f"the database is stamped with revision {revision!r}, which this project does "
            "not know; it was migrated by another project or a newer version of this one"
        ) from None


@contextmanager
def migration_connection(engine_or_url: Engine | str) -> Iterator[Connection]:
    """Yield a connection fit for migrating (SQLite: foreign keys off while rebuilding)."""
    owns = not isinstance(engine_or_url, Engine)
    engine = make_engine(engine_or_url, for_migrations=True) if owns else engine_or_url
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


def move(
    connection: Connection,
    target: Stage,
    *,
    allow_data_loss: bool = False,
    **attributes,
) -> Stage:
    """Upgrade or downgrade ``connection``'s database to ``target``; return where it was."""
    start = current_stage(connection)
    config = alembic_config(connection=connection, allow_data_loss=allow_data_loss, **attributes)
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


def recording_sql(connection: Connection):
    """Collect the DDL and DML statements run on ``connection`` (not reads, not PRAGMAs)."""
    return watching_statements(
        connection,
        lambda conn, text: text.upper().startswith(SHOWN_SQL) and not conn.info.get("seeding"),
    )


def offline_sql(stage: Stage, dialect: str, *, down: bool = False) -> str:
    """Return the SQL ``stage``'s revision emits on ``dialect``, upgrade or ``down``.

    PostgreSQL and MariaDB use Alembic's offline ``--sql`` mode.  SQLite's
    batch mode must read the table it rebuilds, so for SQLite the revision
    runs against an empty scratch database and its statements are recorded.
    """
    if stage.number == 0:
        raise StairwayError("stage 0 is the empty database; it has no revision")
    if dialect not in DIALECT_URLS:
        raise StairwayError(f"unknown dialect {dialect!r}; choose one of {', '.join(DIALECT_URLS)}")
    previous = STAGES[stage.number - 1]
    if dialect == "sqlite":
        return _recorded_sqlite_sql(stage, previous, down)
    buffer = io.StringIO()
    config = alembic_config(url=DIALECT_URLS[dialect])
    config.output_buffer = buffer
    if down:
        command.downgrade(config, f"{stage.revision}:{previous.revision or 'base'}", sql=True)
    else:
        command.upgrade(config, f"{previous.revision or 'base'}:{stage.revision}", sql=True)
    return buffer.getvalue()


def _recorded_sqlite_sql(stage: Stage, previous: Stage, down: bool) -> str:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/sql.db", for_migrations=True)
        try:
            with engine.connect() as connection:
                move(connection, stage if down else previous)
                with recording_sql(connection) as statements:
                    move(connection, previous if down else stage, allow_data_loss=True)
        finally:
            engine.dispose()
    return "".join(f"{s};\n\n" for s in statements)


def stage_title_line(stage: Stage) -> str:
    return f"stage {stage.number} ({stage.revision or 'base'}): {stage.title}"


def climb_or_descend(
    connection: Connection,
    target: Stage,
    *,
    allow_data_loss: bool = False,
    on_stage: Callable[[Stage], None] = lambda stage: None,
) -> list[Stage]:
    """Move to ``target`` in one Alembic run, seeding each stage on the way up.

    One run means one lock: a second run started meanwhile waits, then
    finds the database already at ``target`` and does nothing.  Each
    stage's rows are written right after its revision, inside the same
    transaction, so they are the rows the next revisions carry along.
    Returns the stages passed through; ``on_stage`` sees each one.
    """
    from scripts.seed import seed

    passed: list[Stage] = []

    def after_each_revision(ctx, step, heads, run_args) -> None:
        stage = stage_for_revision(next(iter(step.destination_revision_ids), None))
        if step.is_upgrade:
            ctx.connection.info["seeding"] = True  # not the revision's SQL: unrecorded
            try:
                seed(ctx.connection, stage.number)
            finally:
                ctx.connection.info["seeding"] = False
        passed.append(stage)
        on_stage(stage)

    move(
        connection,
        target,
        allow_data_loss=allow_data_loss,
        on_version_apply=[after_each_revision],
    )
    return passed
