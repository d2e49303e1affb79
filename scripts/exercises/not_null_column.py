"""Exercise 6: a NOT NULL column on a table that has rows."""

from sqlalchemy import Column, String

from scripts.exercises.targets import Fixed, count_set, head_tables, next_stage
from sqlalchemy_stairway.exercises import (
    NO_REVISION,
    UPGRADE_DATA,
    UPGRADE_SCHEMA,
    Exercise,
    downgrade_asks_about,
)
from sqlalchemy_stairway.stages import Carry, Stage

STATUS = "at home"  # what every pet already there is


def target(head: Stage) -> Stage:
    """The head, and pet.status, a VARCHAR(20) that is never NULL and has no default."""
    metadata = head_tables(head)
    metadata.tables["pet"].append_column(Column("status", String(20), nullable=False))
    return next_stage(
        head,
        6,
        "Every pet has a status",
        metadata,
        carries={"pet": Carry("pet", computed={"status": Fixed(STATUS)})},
        rows={
            "pet": ({"id": 5, "name": "Gary", "type": "sea snail", "age": 3, "status": "adopted"},)
        },
    )


exercise = Exercise(
    slug="not-null-column",
    title="Add a NOT NULL column to a table with rows",
    task="""\
The exercise's models give every pet a `status`: `VARCHAR(20)`, NOT
NULL, with no default in the models (the application always says which).
The pets already in the database are all "at home". Write the revision:

    cd {folder}
    alembic upgrade head
    alembic revision --autogenerate --rev-id {next_id} -m "Add pet.status"

Autogenerate writes `nullable=False` and nothing for the rows already
there: run it and see what each database does with it. Every pet there
must end up "at home", and the column must end up exactly as the models
say (NOT NULL, no server default). A server default that fills the rows
and is dropped afterwards is one way; adding the column NULL, filling it
with one UPDATE and then making it NOT NULL is another. The downgrade
throws every status away: it asks first, as revision 0003's does. Then,
from the project's folder:

    invoke exercise {number} --check
""",
    target=target,
    hints={
        NO_REVISION: "Write one with `alembic revision --autogenerate` in the exercise's folder.",
        UPGRADE_SCHEMA: (
            "After the upgrade, pet.status should be VARCHAR(20), NOT NULL, with no server "
            "default: a server_default that filled the rows is dropped afterwards "
            "(alter_column('status', server_default=None, existing_type=sa.String(20), "
            "existing_nullable=False))."
        ),
        UPGRADE_DATA: (
            f"Every pet already there should have status '{STATUS}'. MariaDB fills a NOT NULL "
            "column it adds with '' when no default says otherwise; PostgreSQL and SQLite "
            "refuse. Give the value yourself: a server_default, or an UPDATE before the column "
            "becomes NOT NULL."
        ),
    },
    extra_checks=(
        downgrade_asks_about(
            {"column pet.status": count_set("pet", "status")},
            'Call op.confirm_data_loss({"column pet.status": ...}) before the drop, with a '
            "query that counts the pets whose status is set.",
        ),
    ),
)
