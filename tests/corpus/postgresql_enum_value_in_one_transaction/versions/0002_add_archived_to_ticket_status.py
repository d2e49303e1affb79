"""Add 'archived' to ticket_status."""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TYPE ticket_status ADD VALUE 'archived'")


def downgrade() -> None:
    op.execute("ALTER TABLE tickets ALTER COLUMN status TYPE text")
    op.execute("UPDATE tickets SET status = 'closed' WHERE status = 'archived'")
    op.execute("DROP TYPE ticket_status")
    op.execute("CREATE TYPE ticket_status AS ENUM ('open', 'closed')")
    op.execute(
        "ALTER TABLE tickets ALTER COLUMN status TYPE ticket_status USING status::ticket_status"
    )
