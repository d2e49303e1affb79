"""Number accounts from a sequence; the downgrade keeps the sequence."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("account_number_seq")))
    op.add_column(
        "accounts",
        sa.Column(
            "number",
            sa.BigInteger(),
            server_default=sa.text("nextval('account_number_seq')"),
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_column("accounts", "number")
