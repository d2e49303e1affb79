"""The models at head: env.py's target_metadata."""

import sqlalchemy as sa

metadata = sa.MetaData()

# "held" is in the models but no revision adds it to the database
tickets = sa.Table(
    "tickets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("status", sa.Enum("open", "closed", "held", name="ticket_status"), nullable=False),
)
