"""Vet visits, and each pet's chip number

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

Exercise 4's reference solution: the downgrade drops pet.chip_number too,
after asking, so nothing of the upgrade is left.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

vet_visit = sa.table("vet_visit")
pet = sa.table("pet", sa.column("chip_number", sa.String))


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
    """Drop pet.chip_number and vet_visit, after asking if they hold data."""
    op.confirm_data_loss(
        {
            "table vet_visit": sa.select(sa.func.count()).select_from(vet_visit),
            "column pet.chip_number": sa.select(sa.func.count())
            .select_from(pet)
            .where(pet.c.chip_number.is_not(None)),
        }
    )
    with op.batch_alter_table("pet") as batch:
        batch.drop_column("chip_number")
    op.drop_table("vet_visit")
