"""Create warehouses keyed by (region, code) and stock that refers to them."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "warehouses",
        sa.Column("region", sa.String(10), primary_key=True),
        sa.Column("code", sa.String(10), primary_key=True),
    )
    op.create_table(
        "stock",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("region", sa.String(10), nullable=False),
        sa.Column("code", sa.String(10), nullable=False),
        sa.Column("category_id", sa.Integer(), sa.ForeignKey("categories.id"), nullable=False),
        sa.ForeignKeyConstraint(
            ["region", "code"],
            ["warehouses.region", "warehouses.code"],
            name="fk_stock_warehouse",
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("stock")
    op.drop_table("warehouses")
