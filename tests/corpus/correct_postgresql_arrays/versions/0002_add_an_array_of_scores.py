"""Add an array of scores."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("posts", sa.Column("scores", postgresql.ARRAY(sa.Integer())))


def downgrade() -> None:
    op.drop_column("posts", "scores")
