"""Move phones to their own table; the downgrade does not move them back."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "phones",
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), primary_key=True),
        sa.Column("number", sa.String(20), nullable=False),
    )
    op.execute(
        "INSERT INTO phones (account_id, number) "
        "SELECT id, phone FROM accounts WHERE phone IS NOT NULL"
    )
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("phone")


def downgrade() -> None:
    op.add_column("accounts", sa.Column("phone", sa.String(20)))
    op.drop_table("phones")
