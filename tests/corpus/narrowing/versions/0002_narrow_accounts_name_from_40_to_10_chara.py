"""Narrow accounts.name from 40 to 10 characters."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.alter_column(
            "name", type_=sa.String(10), existing_type=sa.String(40), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.alter_column(
            "name", type_=sa.String(40), existing_type=sa.String(10), existing_nullable=False
        )
