"""Create people with a full name."""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("full_name", sa.String(81)),
    )


def downgrade() -> None:
    op.drop_table("people")
