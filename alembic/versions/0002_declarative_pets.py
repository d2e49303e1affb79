"""Stage 2: the pets notebook's pet table

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

The 1.x pets notebook declared ``Pet`` with ``declarative_base()`` and
``Column(String)``.  A ``String`` without a length is fine on SQLite and
PostgreSQL, but MariaDB refuses ``VARCHAR`` without one, so name and type
are ``VARCHAR(50)`` here.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What squawk, the PostgreSQL migration linter, reports on this upgrade, and why
# it stands (tests/test_squawk.py keeps the rules equal to squawk's findings)
SQUAWK_WAIVERS: dict[str, str] = {
    "prefer-bigint-over-int": (
        "id and age are INTEGER, as in the pets notebook; see revision 0001."
    ),
    "prefer-identity": (
        "id is SERIAL, SQLAlchemy's rendering of an Integer primary key; see revision 0001."
    ),
    "prefer-text-field": (
        "VARCHAR(50), since MariaDB refuses VARCHAR without a length (above); see revision 0001."
    ),
}


def upgrade() -> None:
    """Create pet."""
    op.create_table(
        "pet",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(50)),
        sa.Column("type", sa.String(50)),
        sa.Column("age", sa.Integer()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pet")),
    )


def downgrade() -> None:
    """Drop pet, after asking if it holds rows."""
    op.confirm_data_loss({"table pet": sa.select(sa.func.count()).select_from(sa.table("pet"))})
    op.drop_table("pet")
