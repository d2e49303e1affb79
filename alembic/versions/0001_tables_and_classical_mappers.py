"""Stage 1: the 0.3 tutorial's users and email_addresses tables

Revision ID: 0001
Revises:
Create Date: 2026-11-22

The SQLAlchemy 0.3.5 tutorial (2007) built two tables with ``Table`` objects
on a ``BoundMetaData`` and mapped plain classes to them with ``mapper()``.
This revision creates exactly those tables.  Every constraint is named by
the project's naming convention (``pk_users``,
``fk_email_addresses_user_id_users``), so later stages can drop and rename
them by a name that is the same on every database.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What squawk, the PostgreSQL migration linter, reports on this upgrade, and why
# it stands (tests/test_squawk.py keeps the rules equal to squawk's findings)
SQUAWK_WAIVERS: dict[str, str] = {
    "prefer-bigint-over-int": (
        "INTEGER ids, as the 0.3 tutorial had them; these tables will never hold two billion "
        "rows. A table that might would use BigInteger from its first revision: widening a "
        "column later rewrites the table."
    ),
    "prefer-identity": (
        "SQLAlchemy renders an Integer primary key as SERIAL, and every stage's models keep "
        "SQLAlchemy's default. A new PostgreSQL project would give the column "
        "``sa.Identity()``, whose sequence belongs to the column instead of standing beside "
        "it."
    ),
    "prefer-text-field": (
        "VARCHAR(40), (10) and (100) are the 0.3 tutorial's columns, and MariaDB needs a "
        "length (alembic_version's VARCHAR(32) is Alembic's own). Making a VARCHAR longer "
        "later is a catalog change on PostgreSQL; making it shorter rewrites the table, as "
        "stage 4 does."
    ),
}


users = sa.table("users")
email_addresses = sa.table("email_addresses")


def count(table: sa.TableClause) -> sa.Select:
    return sa.select(sa.func.count()).select_from(table)


def upgrade() -> None:
    """Create users and email_addresses."""
    op.create_table(
        "users",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("user_name", sa.String(40)),
        sa.Column("password", sa.String(10)),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_users")),
    )
    op.create_table(
        "email_addresses",
        sa.Column("address_id", sa.Integer(), nullable=False),
        sa.Column("email_address", sa.String(100), nullable=False),
        sa.Column("user_id", sa.Integer()),
        sa.PrimaryKeyConstraint("address_id", name=op.f("pk_email_addresses")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.user_id"],
            name=op.f("fk_email_addresses_user_id_users"),
        ),
    )


def downgrade() -> None:
    """Drop email_addresses and users, after asking if they hold rows."""
    op.confirm_data_loss(
        {"table users": count(users), "table email_addresses": count(email_addresses)}
    )
    op.drop_table("email_addresses")
    op.drop_table("users")
