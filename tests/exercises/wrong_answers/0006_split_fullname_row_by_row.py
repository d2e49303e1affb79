"""Split user_account.fullname, row by row

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

A wrong answer to exercise 2: the names come out right, but the upgrade
reads every user into Python and writes them back one UPDATE at a time.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

user_account = sa.table(
    "user_account",
    sa.column("id", sa.Integer),
    sa.column("fullname", sa.String),
    sa.column("given_name", sa.String),
    sa.column("family_name", sa.String),
)


def upgrade() -> None:
    """Add given_name and family_name, fill them from fullname one user at a time."""
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("given_name", sa.String(100)))
        batch.add_column(sa.Column("family_name", sa.String(100)))
    bind = op.get_bind()
    users = bind.execute(sa.select(user_account.c.id, user_account.c.fullname)).all()
    for user_id, fullname in users:
        given, _, family = (fullname or "").partition(" ")
        bind.execute(
            user_account.update()
            .where(user_account.c.id == user_id)
            .values(given_name=given or None, family_name=family or None)
        )
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("fullname")


def downgrade() -> None:
    """Add fullname back, joined from given_name and family_name; drop them."""
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("fullname", sa.String(100)))
    given, family = user_account.c.given_name, user_account.c.family_name
    op.execute(
        user_account.update().values(
            fullname=sa.case((family.is_(None), given), else_=given + " " + family)
        )
    )
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("given_name")
        batch.drop_column("family_name")
