"""Merge the two branches

Revision ID: 0007
Revises: 0006a, 0006b
Create Date: 2026-11-22

Exercise 5's reference solution, as `alembic merge heads` writes it: one
revision on both heads, with nothing to do of its own.
"""

from collections.abc import Sequence

revision: str = "0007"
down_revision: str | Sequence[str] | None = ("0006a", "0006b")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing: the merge only joins the two branches."""


def downgrade() -> None:
    """Nothing: the merge only joins the two branches."""
