"""Stage 3: users gain the 2018 notebook's number column

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

The 2018 notebook stored Jenny's phone number (8675309) next to her name.
Adding a nullable column is the gentlest change a table can get: existing
rows simply read NULL, and no database rewrites the table for it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What squawk, the PostgreSQL migration linter, reports on this upgrade, and why
# it stands (tests/test_squawk.py keeps the rules equal to squawk's findings)
SQUAWK_WAIVERS: dict[str, str] = {
    "prefer-bigint-over-int": (
        "number is INTEGER, as in the 2018 notebook (8675309 fits); a real phone number "
        "belongs in a string, leading zeros and all."
    ),
}

users = sa.table("users", sa.column("number", sa.Integer))


def upgrade() -> None:
    """Add users.number."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("number", sa.Integer()))


def downgrade() -> None:
    """Drop users.number, after asking if any number is set."""
    op.confirm_data_loss(
        {
            "column users.number": sa.select(sa.func.count())
            .select_from(users)
            .where(users.c.number.is_not(None))
        }
    )
    with op.batch_alter_table("users") as batch:
        batch.drop_column("number")
