"""The models at head: eight columns the revision never adds."""

import sqlalchemy as sa

metadata = sa.MetaData()

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    *(sa.Column(f"extra_{n}", sa.Integer) for n in range(1, 9)),
)
