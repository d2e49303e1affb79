"""Create accounts and add the admin account through the application's table."""

import sqlalchemy as sa
from alembic import op
from ledger import models

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(40), nullable=False),
    )
    # the defect: the table comes from today's models, not from this revision
    op.bulk_insert(models.accounts, [{"id": 1, "name": "admin"}])


def downgrade() -> None:
    op.drop_table("accounts")
