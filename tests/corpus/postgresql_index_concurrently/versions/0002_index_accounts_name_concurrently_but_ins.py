"""Index accounts.name CONCURRENTLY, but inside the migration's transaction."""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_accounts_name", "accounts", ["name"], postgresql_concurrently=True)


def downgrade() -> None:
    op.drop_index("ix_accounts_name", table_name="accounts")
