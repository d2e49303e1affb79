"""Add an optional JSON metadata column."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("extra", sa.JSON()))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("extra")
