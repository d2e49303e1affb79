"""Drop the unique constraint on email by the name PostgreSQL invented for it."""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_constraint("accounts_email_key", type_="unique")


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.create_unique_constraint("accounts_email_key", ["email"])
