"""Add the plans table and accounts.plan, NOT NULL with no server default."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(20), nullable=False, unique=True),
    )
    op.add_column("accounts", sa.Column("plan", sa.String(20), nullable=False))


def downgrade() -> None:
    op.drop_column("accounts", "plan")
