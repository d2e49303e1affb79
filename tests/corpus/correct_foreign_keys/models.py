"""The models at head: env.py's target_metadata."""

import sqlalchemy as sa

metadata = sa.MetaData()

categories = sa.Table(
    "categories",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(40), nullable=False),
    sa.Column(
        "parent_id",
        sa.Integer,
        sa.ForeignKey("categories.id", name="fk_categories_parent", ondelete="CASCADE"),
    ),
)

warehouses = sa.Table(
    "warehouses",
    metadata,
    sa.Column("region", sa.String(10), primary_key=True),
    sa.Column("code", sa.String(10), primary_key=True),
)

stock = sa.Table(
    "stock",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("region", sa.String(10), nullable=False),
    sa.Column("code", sa.String(10), nullable=False),
    sa.Column("category_id", sa.Integer, sa.ForeignKey("categories.id"), nullable=False),
    sa.ForeignKeyConstraint(
        ["region", "code"],
        ["warehouses.region", "warehouses.code"],
        name="fk_stock_warehouse",
        ondelete="CASCADE",
    ),
)
