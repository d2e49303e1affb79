"""Pets have no negative age

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

Exercise 7's reference solution.  Autogenerate does not compare CHECK
constraints, so it wrote nothing; the naming convention makes
"age_not_negative" into ck_pet_age_not_negative.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the CHECK constraint ck_pet_age_not_negative."""
    with op.batch_alter_table("pet") as batch:
        batch.create_check_constraint("age_not_negative", "age >= 0")


def downgrade() -> None:
    """Drop the CHECK constraint ck_pet_age_not_negative."""
    with op.batch_alter_table("pet") as batch:
        batch.drop_constraint(op.f("ck_pet_age_not_negative"), type_="check")
