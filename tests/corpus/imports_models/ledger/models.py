"""The application's models (at head)."""

from datetime import datetime

import sqlalchemy as sa

metadata = sa.MetaData()

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(40), nullable=False),
    sa.Column(
        "created_at",
        sa.DateTime,
        nullable=False,
        default=datetime.now,
        server_default=sa.func.now(),
    ),
)
