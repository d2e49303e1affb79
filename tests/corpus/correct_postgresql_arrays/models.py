"""The models at head: env.py's target_metadata."""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData()

posts = sa.Table(
    "posts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("tags", postgresql.ARRAY(sa.String(20)), nullable=False),
    sa.Column("scores", postgresql.ARRAY(sa.Integer)),
)
