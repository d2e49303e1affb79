"""Split user_account.fullname, in raw SQL

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

An unusual correct answer to exercise 2: the same UPDATEs as the
reference, written as SQL text, with what the databases spell
differently chosen by dialect.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add given_name and family_name, fill them from fullname, drop fullname."""
    op.add_column("user_account", sa.Column("given_name", sa.String(100)))
    op.add_column("user_account", sa.Column("family_name", sa.String(100)))
    space = (
        "strpos(fullname, ' ')"
        if op.get_context().dialect.name == "postgresql"
        else "instr(fullname, ' ')"
    )
    op.execute(
        "UPDATE user_account SET "
        f"given_name = CASE WHEN {space} = 0 THEN fullname "
        f"ELSE substr(fullname, 1, {space} - 1) END, "
        f"family_name = CASE WHEN {space} = 0 THEN NULL ELSE substr(fullname, {space} + 1) END"
    )
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("fullname")


def downgrade() -> None:
    """Add fullname back, joined from given_name and family_name; drop them."""
    op.add_column("user_account", sa.Column("fullname", sa.String(100)))
    # MariaDB reads || as OR; SQLite before 3.44 has no concat()
    joined = (
        "given_name || ' ' || family_name"
        if op.get_context().dialect.name == "sqlite"
        else "concat(given_name, ' ', family_name)"
    )
    op.execute(
        "UPDATE user_account SET fullname = CASE WHEN family_name IS NULL THEN given_name "
        f"ELSE {joined} END"
    )
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("given_name")
        batch.drop_column("family_name")
