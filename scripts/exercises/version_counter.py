"""Exercise 8: a version counter for optimistic concurrency, on a table with rows."""

from sqlalchemy import Column, Integer

from scripts.exercises.targets import Fixed, head_tables, next_stage
from sqlalchemy_stairway.exercises import (
    NO_REVISION,
    UPGRADE_DATA,
    UPGRADE_SCHEMA,
    Exercise,
)
from sqlalchemy_stairway.stages import Carry, Stage


def target(head: Stage) -> Stage:
    """The head, and order.version_id, the ORM's version counter, NOT NULL."""
    metadata = head_tables(head)
    metadata.tables["order"].append_column(Column("version_id", Integer, nullable=False))
    return next_stage(
        head,
        8,
        "Orders carry a version counter",
        metadata,
        carries={"order": Carry("order", computed={"version_id": Fixed(1)})},
        rows={"order": ({"id": 9, "customer_id": 8, "version_id": 3},)},
    )


exercise = Exercise(
    slug="version-counter",
    title="Give orders a version counter for optimistic concurrency",
    task="""\
Two people edit the same order at once; the second save silently
overwrites the first. SQLAlchemy's answer is a version counter: the
mapping says `__mapper_args__ = {{"version_id_col": version_id}}`, every
UPDATE of an order says `WHERE id = ? AND version_id = ?` and adds one,
and a save that finds the row changed since it was read fails with
`StaleDataError` instead of overwriting it.

The exercise's models give `order` that column: `version_id`, INTEGER,
NOT NULL, no server default (the ORM sets it: 1 for a new row). The
orders already there start at version 1. Write the revision:

    cd {folder}
    alembic upgrade head
    alembic revision --autogenerate --rev-id {next_id} -m "Add order.version_id"

Then, from the project's folder (this one runs on all three databases:
`--url` a PostgreSQL and a MariaDB server to grade on them too):

    invoke exercise {number} --check
""",
    target=target,
    hints={
        NO_REVISION: "Write one with `alembic revision --autogenerate` in the exercise's folder.",
        UPGRADE_SCHEMA: (
            "After the upgrade, order.version_id should be INTEGER, NOT NULL, with no server "
            "default: the ORM writes it, and a default left behind would let an INSERT that "
            "forgot it pass unseen. Fill the rows with server_default='1' and drop it after "
            "(alter_column('version_id', server_default=None, existing_type=sa.Integer(), "
            "existing_nullable=False)), or add the column NULL, UPDATE it to 1, then make it "
            "NOT NULL."
        ),
        UPGRADE_DATA: (
            "Every order already there should start at version 1: the ORM adds one at each "
            "UPDATE, and a row at 0 or NULL would never match its WHERE version_id = ?."
        ),
    },
)
