"""Fill accounts.slug row by row through op.get_bind(): no --sql possible."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("slug", sa.String(40)))
    bind = op.get_bind()
    for account_id, name in bind.execute(sa.text("SELECT id, name FROM accounts")).all():
        bind.execute(
            sa.text("UPDATE accounts SET slug = :slug WHERE id = :id"),
            {"slug": name.lower(), "id": account_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("slug")
