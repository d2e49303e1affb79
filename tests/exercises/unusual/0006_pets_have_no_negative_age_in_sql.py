"""Pets have no negative age, in SQL

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

An unusual correct answer to exercise 7: ALTER TABLE written out on
PostgreSQL and MariaDB, with the constraint's final name; SQLite cannot
add a constraint to a table, so there batch mode copies it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the CHECK constraint ck_pet_age_not_negative."""
    if op.get_context().dialect.name == "sqlite":
        with op.batch_alter_table("pet") as batch:
            batch.create_check_constraint(op.f("ck_pet_age_not_negative"), "age >= 0")
    else:
        op.execute("ALTER TABLE pet ADD CONSTRAINT ck_pet_age_not_negative CHECK (age >= 0)")


def downgrade() -> None:
    """Drop the CHECK constraint ck_pet_age_not_negative."""
    if op.get_context().dialect.name == "sqlite":
        with op.batch_alter_table("pet") as batch:
            batch.drop_constraint(op.f("ck_pet_age_not_negative"), type_="check")
    else:
        op.execute("ALTER TABLE pet DROP CONSTRAINT ck_pet_age_not_negative")
