"""Add a stock count that cannot be negative either."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("stock", sa.Integer(), nullable=False, server_default="0"))
        batch.create_check_constraint("ck_products_stock_not_negative", "stock >= 0")


def downgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.drop_constraint("ck_products_stock_not_negative", type_="check")
        batch.drop_column("stock")
