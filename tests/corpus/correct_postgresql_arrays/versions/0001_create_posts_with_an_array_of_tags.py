"""Create posts with an array of tags."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tags", postgresql.ARRAY(sa.String(20)), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("posts")
