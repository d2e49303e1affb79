"""The models at head: env.py's target_metadata."""

import sqlalchemy as sa

metadata = sa.MetaData()

products = sa.Table(
    "products",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("price", sa.Numeric(10, 2), nullable=False),
    sa.Column("stock", sa.Integer, nullable=False, server_default="0"),
    sa.CheckConstraint("price >= 0", name="ck_products_price_not_negative"),
    sa.CheckConstraint("stock >= 0", name="ck_products_stock_not_negative"),
)
