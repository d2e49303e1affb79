"""Rename accounts to members and name to display_name, keeping the rows."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.rename_table("accounts", "members")
    with op.batch_alter_table("members") as batch:
        batch.alter_column(
            "name",
            new_column_name="display_name",
            existing_type=sa.String(40),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.alter_column(
            "display_name",
            new_column_name="name",
            existing_type=sa.String(40),
            existing_nullable=False,
        )
    op.rename_table("members", "accounts")
