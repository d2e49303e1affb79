"""Fill accounts.plan where it is NULL: every account without one is on the free plan."""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE accounts SET plan = 'free' WHERE plan IS NULL")


def downgrade() -> None:
    pass
