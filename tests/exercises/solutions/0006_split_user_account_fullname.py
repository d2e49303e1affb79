"""Split user_account.fullname

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

Exercise 2's reference solution.  given_name is the text before the first
space of fullname, family_name the rest (NULL when there is none); the
downgrade joins them back, with a space only when there is a family name.
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
    sa.column("fullname", sa.String),
    sa.column("given_name", sa.String),
    sa.column("family_name", sa.String),
)


def upgrade() -> None:
    """Add given_name and family_name, fill them from fullname, drop fullname."""
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("given_name", sa.String(100)))
        batch.add_column(sa.Column("family_name", sa.String(100)))
    # PostgreSQL has no instr(); its strpos() takes the same arguments
    position = sa.func.strpos if op.get_context().dialect.name == "postgresql" else sa.func.instr
    fullname = user_account.c.fullname
    space = position(fullname, " ")
    before_space = sa.func.substr(fullname, 1, space - 1)
    after_space = sa.func.substr(fullname, space + 1)
    op.execute(
        user_account.update().values(
            given_name=sa.case((space == 0, fullname), else_=before_space),
            family_name=sa.case((space == 0, sa.null()), else_=after_space),
        )
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
        batch.drop_column("family_name")
        batch.drop_column("given_name")
