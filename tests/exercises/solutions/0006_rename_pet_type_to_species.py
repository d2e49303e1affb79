"""Rename pet.type to species

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

Exercise 3's reference solution: a rename in place, which keeps every
value (autogenerate would drop type and add an empty species).
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
    with op.batch_alter_table("pet") as batch:
        # MariaDB renames with CHANGE COLUMN, which must restate the type
        batch.alter_column("type", new_column_name="species", existing_type=sa.String(50))


def downgrade() -> None:
    """Rename pet.species back to type."""
    with op.batch_alter_table("pet") as batch:
        batch.alter_column("species", new_column_name="type", existing_type=sa.String(50))
