"""Create tickets with a status enum."""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("status", sa.Enum("open", "closed", name="ticket_status"), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tickets")
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TYPE ticket_status")
