"""`stairway check`'s glue for Dagster's storage chain: the instance being upgraded.

``dagster instance migrate`` runs Alembic inside ``upgrading_instance(instance)``,
and four revisions (5c18fd3c2957 and the three "wipe schedules" of 0.10)
ask for that instance to wipe its scheduler's state. Here it is Dagster's
ephemeral instance, which has no scheduler, so they wipe nothing: the
database under check is the one Alembic is handed.
"""

import atexit

import sqlalchemy as sa
from dagster import DagsterInstance
from dagster._check import CheckError
from dagster._core.storage.migration.utils import (
    get_currently_upgrading_instance,
    upgrading_instance,
)

# entered once per process, as `dagster instance migrate` enters it for its run (Dagster
# refuses a second one), and left when the process ends: atexit keeps the context, for one
# dropped by the garbage collector (this file loaded again, for another check) would leave
try:
    get_currently_upgrading_instance()
except CheckError:
    upgrading = upgrading_instance(DagsterInstance.ephemeral())
    upgrading.__enter__()
    atexit.register(upgrading.__exit__, None, None, None)


def schema_before_the_first_revision() -> sa.MetaData:
    """The runs and the event log as Dagster 0.7 made them, before its first revision.

    Written here from Dagster's release notes and revisions (what the
    revisions add is left out); nothing of Dagster's is imported.
    """
    start = sa.MetaData()
    sa.Table(
        "runs",
        start,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(255), unique=True),
        # String, not Text: 4ea2b1f6f67b turns these into Text
        sa.Column("pipeline_name", sa.String),
        sa.Column("status", sa.String(63)),
        sa.Column("run_body", sa.String),
        sa.Column("create_timestamp", sa.DateTime, server_default=sa.func.current_timestamp()),
        sa.Column("update_timestamp", sa.DateTime, server_default=sa.func.current_timestamp()),
    )
    sa.Table(
        "run_tags",
        start,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        # named as PostgreSQL names it, which 8f8dba68fd3b drops by that name on every
        # server; ON DELETE CASCADE came with that revision
        sa.Column(
            "run_id",
            sa.String(255),
            sa.ForeignKey("runs.run_id", name="run_tags_run_id_fkey"),
        ),
        sa.Column("key", sa.String),
        sa.Column("value", sa.String),
    )
    sa.Table(
        "event_logs",
        start,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(255)),
        sa.Column("event", sa.Text, nullable=False),
        sa.Column("dagster_event_type", sa.Text),
        sa.Column("timestamp", sa.types.TIMESTAMP),
    )
    return start


def starting_schema(connection: sa.Connection) -> None:
    """Make the tables Dagster's first revision finds, in the scratch database."""
    schema_before_the_first_revision().create_all(connection)


# `dagster instance migrate` on PostgreSQL runs on Dagster's AUTOCOMMIT engine, which the
# revisions' CREATE INDEX CONCURRENTLY needs (MySQL's storage migrates in REPEATABLE READ)
ISOLATION_LEVEL = {"postgresql": "AUTOCOMMIT"}
