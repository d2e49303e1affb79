"""Create ticket_notes with a priority enum, and drop its type on the way down."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column(
            "priority", sa.Enum("low", "normal", "high", name="note_priority"), nullable=False
        ),
    )


def downgrade() -> None:
    op.drop_table("ticket_notes")
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TYPE note_priority")
