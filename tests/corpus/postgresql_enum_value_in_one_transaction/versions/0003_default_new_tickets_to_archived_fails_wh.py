"""Default new tickets to 'archived': fails when run in 0002's transaction."""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("tickets", "status", server_default="archived")


def downgrade() -> None:
    op.alter_column("tickets", "status", server_default=None)
