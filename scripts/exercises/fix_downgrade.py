"""Exercise 4: a revision whose downgrade leaves a trace, to find and fix."""

from string import Template

from sqlalchemy import Column, ForeignKey, Integer, String, Table

from scripts.exercises.targets import count_rows, count_set, head_tables, next_stage
from sqlalchemy_stairway.exercises import (
    DOWNGRADE_DATA,
    DOWNGRADE_SCHEMA,
    Exercise,
    downgrade_asks_about,
)
from sqlalchemy_stairway.stages import Carry, Stage

REVISION = Template('''\
"""Vet visits, and each pet's chip number

Revision ID: $revision
Revises: $down_revision
Create Date: 2026-11-22

Adds vet_visit, a pet's visits to the vet, and pet.chip_number.  The
upgrade is right.  The downgrade is not: `invoke exercise 4 --check`
says what it leaves behind.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "$revision"
down_revision: str | Sequence[str] | None = "$down_revision"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

vet_visit = sa.table("vet_visit")


def upgrade() -> None:
    """Create vet_visit; add pet.chip_number."""
    op.create_table(
        "vet_visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pet_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vet_visit")),
        sa.ForeignKeyConstraint(["pet_id"], ["pet.id"], name=op.f("fk_vet_visit_pet_id_pet")),
    )
    with op.batch_alter_table("pet") as batch:
        batch.add_column(sa.Column("chip_number", sa.String(20)))


def downgrade() -> None:
    """Drop vet_visit, after asking if it holds rows."""
    op.confirm_data_loss({"table vet_visit": sa.select(sa.func.count()).select_from(vet_visit)})
    op.drop_table("vet_visit")
''')


def revision_id(head: Stage) -> str:
    return f"{head.number + 1:04d}"


def files(head: Stage) -> dict[str, str]:
    """The revision with the faulty downgrade, on top of the head."""
    revision = revision_id(head)
    text = REVISION.substitute(revision=revision, down_revision=head.revision)
    return {f"alembic/versions/{revision}_vet_visits.py": text}


def target(head: Stage) -> Stage:
    """The head, with vet_visit and pet.chip_number."""
    metadata = head_tables(head)
    metadata.tables["pet"].append_column(Column("chip_number", String(20)))
    Table(
        "vet_visit",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("pet_id", ForeignKey("pet.id"), nullable=False),
        Column("note", String(200), nullable=False),
    )
    return next_stage(
        head,
        4,
        "Vet visits and chip numbers",
        metadata,
        carries={"pet": Carry("pet", new=("chip_number",))},
        new_tables=("vet_visit",),
        rows={
            "pet": ({"id": 5, "name": "Gary", "type": "sea snail", "age": 3, "chip_number": "G1"},),
            "vet_visit": ({"id": 1, "pet_id": 5, "note": "shell polish"},),
        },
    )


exercise = Exercise(
    slug="fix-downgrade",
    title="Fix a downgrade that leaves a trace",
    task="""\
The folder's chain has one more revision than the project's:
`alembic/versions/{next_id}_vet_visits.py`, which adds a table of vet
visits and a chip number for every pet. Its upgrade is right; its
downgrade is not. Find what it leaves behind, first by grading it as it
is (from the project's folder), then by trying it:

    invoke exercise {number} --check
    cd {folder}
    alembic upgrade head
    alembic downgrade -1

Fix the downgrade (it should also ask before it throws chip numbers away,
as it asks for the visits), and grade it again.
""",
    target=target,
    files=files,
    kept_revisions=lambda head: (revision_id(head),),
    hints={
        DOWNGRADE_SCHEMA: (
            "A downgrade undoes everything its upgrade did, in the reverse order. Read the two "
            "functions side by side: what does the upgrade add that the downgrade never takes "
            "away? (On SQLite, a column is dropped inside op.batch_alter_table.)"
        ),
        DOWNGRADE_DATA: "The downgrade should give back every row the database had before.",
    },
    extra_checks=(
        downgrade_asks_about(
            {
                "table vet_visit": count_rows("vet_visit"),
                "column pet.chip_number": count_set("pet", "chip_number"),
            },
            "Ask for the chip numbers as the downgrade asks for the visits: one more entry in "
            'op.confirm_data_loss({...}), "column pet.chip_number", counting the pets whose '
            "chip_number IS NOT NULL.",
        ),
    ),
)
