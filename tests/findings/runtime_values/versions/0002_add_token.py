"""Add accounts.token: a new random token for each account."""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

accounts = sa.table("accounts", sa.column("id", sa.Integer), sa.column("token", sa.String))


def upgrade() -> None:
    op.add_column("accounts", sa.Column("token", sa.String(36), nullable=True))
    bind = op.get_bind()
    ids = bind.execute(sa.select(accounts.c.id)).scalars().all()
    # a token is made in Python, one per account: SQLite has no UUID function
    for account in ids:
        bind.execute(
            accounts.update().where(accounts.c.id == account).values(token=str(uuid.uuid4()))
        )


def downgrade() -> None:
    op.drop_column("accounts", "token")
