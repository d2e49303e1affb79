"""The models at head: env.py's target_metadata."""

import sqlalchemy as sa

metadata = sa.MetaData()

account_number_seq = sa.Sequence("account_number_seq", metadata=metadata)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(40), nullable=False),
    sa.Column(
        "number",
        sa.BigInteger,
        server_default=sa.text("nextval('account_number_seq')"),
        nullable=False,
    ),
)
