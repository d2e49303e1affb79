"""Add pet.status, with a server default dropped afterwards

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

An unusual correct answer to exercise 6: the database fills the rows
from a server default as it adds the column NOT NULL; the default goes
right after, as the models have none.
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
    """Add pet.status NOT NULL, filled with 'at home' by a default that is then dropped."""
    op.add_column(
        "pet", sa.Column("status", sa.String(20), nullable=False, server_default="at home")
    )
    with op.batch_alter_table("pet") as batch:
        batch.alter_column(
            "status", server_default=None, existing_type=sa.String(20), existing_nullable=False
        )


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
