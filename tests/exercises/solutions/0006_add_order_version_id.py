"""Add order.version_id

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

Exercise 8's reference solution: every order already there starts at
version 1, from a server default that is dropped once it has filled
them (the ORM writes the counter itself).  The downgrade loses only
bookkeeping, so it does not ask.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add order.version_id, 1 for every order already there."""
    with op.batch_alter_table("order") as batch:
        batch.add_column(sa.Column("version_id", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("order") as batch:
        batch.alter_column(
            "version_id", server_default=None, existing_type=sa.Integer(), existing_nullable=False
        )


def downgrade() -> None:
    """Drop order.version_id."""
    with op.batch_alter_table("order") as batch:
        batch.drop_column("version_id")
