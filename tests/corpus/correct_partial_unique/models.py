"""The models at head: env.py's target_metadata."""

import sqlalchemy as sa

metadata = sa.MetaData()

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(80), nullable=False),
    sa.Column("deleted_at", sa.DateTime),
    sa.Index(
        "uq_accounts_live_email",
        "email",
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
        sqlite_where=sa.text("deleted_at IS NULL"),
    ),
)
