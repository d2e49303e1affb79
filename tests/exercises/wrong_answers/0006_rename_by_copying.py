"""Rename pet.type to species, by copying

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

A wrong answer to exercise 3: every value survives, but adding a column
and dropping the old one moves it to the end of the table, both ways.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

pet = sa.table("pet", sa.column("type", sa.String), sa.column("species", sa.String))


def upgrade() -> None:
    """Add species, copy type into it, drop type."""
    with op.batch_alter_table("pet") as batch:
        batch.add_column(sa.Column("species", sa.String(50)))
    op.execute(pet.update().values(species=pet.c.type))
    with op.batch_alter_table("pet") as batch:
        batch.drop_column("type")


def downgrade() -> None:
    """Add type, copy species into it, drop species."""
    with op.batch_alter_table("pet") as batch:
        batch.add_column(sa.Column("type", sa.String(50)))
    op.execute(pet.update().values(type=pet.c.species))
    with op.batch_alter_table("pet") as batch:
        batch.drop_column("species")
