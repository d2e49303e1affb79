"""Exercise 5: two revisions on the same parent, joined by a merge."""

from string import Template

from sqlalchemy import Column, String

from scripts.exercises.targets import head_tables, next_stage, user
from sqlalchemy_stairway.exercises import HEADS, UPGRADE_SCHEMA, Exercise
from sqlalchemy_stairway.stages import Carry, Stage

BRANCH = Template('''\
"""$message

Revision ID: $revision
Revises: $down_revision
Create Date: 2026-11-22

Written in a branch of its own, on top of $down_revision, at the same time as
another revision on the same parent.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "$revision"
down_revision: str | Sequence[str] | None = "$down_revision"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

$table = sa.table("$table", sa.column("$column", sa.String))


def upgrade() -> None:
    """Add $table.$column."""
    with op.batch_alter_table("$table") as batch:
        batch.add_column(sa.Column("$column", sa.String($length)))


def downgrade() -> None:
    """Drop $table.$column, after asking if any is set."""
    op.confirm_data_loss(
        {
            "column $table.$column": sa.select(sa.func.count())
            .select_from($table)
            .where($table.c.$column.is_not(None))
        }
    )
    with op.batch_alter_table("$table") as batch:
        batch.drop_column("$column")
''')

# the two branches: revision id suffix -> what it adds
BRANCHES = {
    "a": ("user_account", "nickname", 50),
    "b": ("pet", "chip_number", 20),
}


def branch_ids(head: Stage) -> tuple[str, ...]:
    return tuple(f"{head.number + 1:04d}{suffix}" for suffix in BRANCHES)


def files(head: Stage) -> dict[str, str]:
    """Two revisions, both on top of the head."""
    found = {}
    for revision, (table, column, length) in zip(branch_ids(head), BRANCHES.values(), strict=True):
        text = BRANCH.substitute(
            message=f"Add {table}.{column}",
            revision=revision,
            down_revision=head.revision,
            table=table,
            column=column,
            length=length,
        )
        found[f"alembic/versions/{revision}_add_{table}_{column}.py"] = text
    return found


def target(head: Stage) -> Stage:
    """The head, with both branches' columns."""
    metadata = head_tables(head)
    carries = {}
    for table, column, length in BRANCHES.values():
        metadata.tables[table].append_column(Column(column, String(length)))
        carries[table] = Carry(table, new=(column,))
    return next_stage(
        head,
        5,
        "Two branches, merged",
        metadata,
        carries=carries,
        rows={
            "user_account": (user(13, "gary", "Gary the Snail", nickname="Meow"),),
            "pet": ({"id": 5, "name": "Gary", "type": "sea snail", "age": 3, "chip_number": "G1"},),
        },
    )


exercise = Exercise(
    slug="merge-heads",
    title="Resolve two heads with a merge",
    task="""\
Two people each wrote a revision on top of {head}, in their own branches,
and both were merged: the folder's chain now forks. See it, and see what
it does to `alembic upgrade head`:

    cd {folder}
    alembic heads
    alembic history
    alembic upgrade head

Join the two heads with a merge revision (`alembic merge`; `--rev-id`
chooses its id), upgrade, and grade it from the project's folder:

    invoke exercise {number} --check
""",
    target=target,
    files=files,
    kept_revisions=branch_ids,
    released=lambda head: {revision: head.revision for revision in branch_ids(head)},
    hints={
        HEADS: (
            "Join them: `alembic merge heads -m 'Merge the two branches'` writes a revision "
            "whose down_revision is both heads. It needs no operations of its own."
        ),
        UPGRADE_SCHEMA: (
            "Both branches' columns belong in the database; the merge runs both revisions. If "
            "you removed one, `invoke exercise {number} --reset` starts the exercise again."
        ),
    },
)
