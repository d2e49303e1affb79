"""Add user_account.nickname

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

Exercise 1's reference solution: autogenerate's draft, reviewed.  The
downgrade asks before it throws nicknames away.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

user_account = sa.table("user_account", sa.column("nickname", sa.String))


def upgrade() -> None:
    """Add user_account.nickname."""
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("nickname", sa.String(50)))


def downgrade() -> None:
    """Drop user_account.nickname, after asking if any is set."""
    op.confirm_data_loss(
        {
            "column user_account.nickname": sa.select(sa.func.count())
            .select_from(user_account)
            .where(user_account.c.nickname.is_not(None))
        }
    )
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("nickname")
