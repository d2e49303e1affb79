"""Add order.version_id, filled in SQL

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

An unusual correct answer to exercise 8: the column is added NULL, set
to 1 by an UPDATE written as SQL (order is a reserved word: the dialect
quotes it), then made NOT NULL.
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
    op.add_column("order", sa.Column("version_id", sa.Integer()))
    order = op.get_context().dialect.identifier_preparer.quote("order")
    op.execute(f"UPDATE {order} SET version_id = 1")
    with op.batch_alter_table("order") as batch:
        batch.alter_column("version_id", existing_type=sa.Integer(), nullable=False)


def downgrade() -> None:
    """Drop order.version_id."""
    with op.batch_alter_table("order") as batch:
        batch.drop_column("version_id")
