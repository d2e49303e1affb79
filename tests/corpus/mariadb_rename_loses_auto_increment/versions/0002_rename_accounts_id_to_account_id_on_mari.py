"""Rename accounts.id to account_id; on MariaDB the CHANGE drops AUTO_INCREMENT."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.alter_column(
            "id", new_column_name="account_id", existing_type=sa.Integer(), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.alter_column(
            "account_id", new_column_name="id", existing_type=sa.Integer(), existing_nullable=False
        )
