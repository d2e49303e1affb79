"""Add pet.status

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

Exercise 6's reference solution: the column is added NULL, every pet
already there is filled in with one UPDATE, and only then is it made NOT
NULL.  The downgrade asks before it throws the statuses away.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

pet = sa.table("pet", sa.column("status", sa.String))


def upgrade() -> None:
    """Add pet.status; every pet already there is at home."""
    with op.batch_alter_table("pet") as batch:
        batch.add_column(sa.Column("status", sa.String(20)))
    op.execute(pet.update().values(status="at home"))
    with op.batch_alter_table("pet") as batch:
        batch.alter_column("status", existing_type=sa.String(20), nullable=False)


def downgrade() -> None:
    """Drop pet.status, after asking."""
    op.confirm_data_loss(
        {
            "column pet.status": sa.select(sa.func.count())
            .select_from(pet)
            .where(pet.c.status.is_not(None))
        }
    )
    with op.batch_alter_table("pet") as batch:
        batch.drop_column("status")
