"""Stage 5: the 2.0 tutorial's orders and items

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

The cascades part of the 2.0 tutorial adds ``Order`` (placed by a customer,
a ``user_account``) and ``Item`` (a line of an order).  ``ORDER`` is a
reserved word in SQL: Alembic quotes it in the DDL it emits, and any raw
SQL that touches the table must quote it too (``"order"`` on PostgreSQL
and SQLite, ```order``` on MariaDB).  The ORM's ``delete-orphan`` cascade
lives in the models, not in the database: these foreign keys have no
``ON DELETE``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What squawk, the PostgreSQL migration linter, reports on this upgrade, and why
# it stands (tests/test_squawk.py keeps the rules equal to squawk's findings)
SQUAWK_WAIVERS: dict[str, str] = {
    "prefer-bigint-over-int": (
        "INTEGER ids and quantity, as in the 2.0 tutorial; see revision 0001."
    ),
    "prefer-identity": (
        "SERIAL ids, SQLAlchemy's rendering of an Integer primary key; see revision 0001."
    ),
    "prefer-text-field": (
        "item.description is VARCHAR(100), as in the 2.0 tutorial; see revision 0001."
    ),
}


order = sa.table("order")
item = sa.table("item")


def count(table: sa.TableClause) -> sa.Select:
    return sa.select(sa.func.count()).select_from(table)


def upgrade() -> None:
    """Create order and item."""
    op.create_table(
        "order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order")),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["user_account.id"],
            name=op.f("fk_order_customer_id_user_account"),
        ),
    )
    op.create_table(
        "item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(100), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item")),
        sa.ForeignKeyConstraint(["order_id"], ["order.id"], name=op.f("fk_item_order_id_order")),
    )


def downgrade() -> None:
    """Drop item and order, after asking if they hold rows."""
    op.confirm_data_loss({"table order": count(order), "table item": count(item)})
    op.drop_table("item")
    op.drop_table("order")
