"""Create accounts, and the legacy_audit table another tool owns."""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(40), nullable=False),
        # the same defaults as the models, spelled another way
        sa.Column("status", sa.String(20), nullable=False, server_default=sa.text("( 'active' )")),
        sa.Column("logins", sa.Integer(), nullable=False, server_default=sa.text("(0)")),
    )
    op.create_index(
        "ix_accounts_active_name",
        "accounts",
        ["name"],
        postgresql_where=sa.text("status = 'active'"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_accounts_name_pg", "accounts", ["name"], postgresql_using="btree")
    op.create_table(
        "legacy_audit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("what", sa.String(200)),
    )


def downgrade() -> None:
    op.drop_table("legacy_audit")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_accounts_name_pg", table_name="accounts")
    op.drop_index("ix_accounts_active_name", table_name="accounts")
    op.drop_table("accounts")
