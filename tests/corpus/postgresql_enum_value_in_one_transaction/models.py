"""The models at head: env.py's target_metadata."""

import sqlalchemy as sa

metadata = sa.MetaData()

tickets = sa.Table(
    "tickets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "status",
        sa.Enum("open", "closed", "archived", name="ticket_status"),
        nullable=False,
        server_default="archived",
    ),
)
