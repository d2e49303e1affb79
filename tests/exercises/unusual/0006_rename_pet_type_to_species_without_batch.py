"""Rename pet.type to species, without batch mode

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

An unusual correct answer to exercise 3: op.alter_column on its own.
SQLite renames a column in place since 3.25, so no table copy is needed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Rename pet.type to species."""
    op.alter_column("pet", "type", new_column_name="species", existing_type=sa.String(50))


def downgrade() -> None:
    """Rename pet.species back to type."""
    op.alter_column("pet", "species", new_column_name="type", existing_type=sa.String(50))
