"""Split full_name at its first space; the downgrade joins the parts back."""

import sqlalchemy as sa
from alembic import op

# set-based, one statement per dialect: a name without a space keeps last_name NULL
SPLIT = {
    "sqlite": (
        "UPDATE people SET "
        "first_name = CASE WHEN instr(full_name, ' ') > 0 "
        "THEN substr(full_name, 1, instr(full_name, ' ') - 1) ELSE full_name END, "
        "last_name = CASE WHEN instr(full_name, ' ') > 0 "
        "THEN substr(full_name, instr(full_name, ' ') + 1) END"
    ),
    "postgresql": (
        "UPDATE people SET "
        "first_name = CASE WHEN strpos(full_name, ' ') > 0 "
        "THEN substr(full_name, 1, strpos(full_name, ' ') - 1) ELSE full_name END, "
        "last_name = CASE WHEN strpos(full_name, ' ') > 0 "
        "THEN substr(full_name, strpos(full_name, ' ') + 1) END"
    ),
    "mysql": (
        "UPDATE people SET "
        "first_name = CASE WHEN locate(' ', full_name) > 0 "
        "THEN substr(full_name, 1, locate(' ', full_name) - 1) ELSE full_name END, "
        "last_name = CASE WHEN locate(' ', full_name) > 0 "
        "THEN substr(full_name, locate(' ', full_name) + 1) END"
    ),
}
JOIN = {
    "sqlite": "UPDATE people SET full_name = first_name || coalesce(' ' || last_name, '')",
    "postgresql": "UPDATE people SET full_name = first_name || coalesce(' ' || last_name, '')",
    "mysql": (
        "UPDATE people SET full_name = concat(first_name, coalesce(concat(' ', last_name), ''))"
    ),
}

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("people", sa.Column("first_name", sa.String(81)))
    op.add_column("people", sa.Column("last_name", sa.String(81)))
    op.execute(SPLIT[op.get_context().dialect.name])
    with op.batch_alter_table("people") as batch:
        batch.drop_column("full_name")


def downgrade() -> None:
    op.add_column("people", sa.Column("full_name", sa.String(81)))
    op.execute(JOIN[op.get_context().dialect.name])
    with op.batch_alter_table("people") as batch:
        batch.drop_column("first_name")
        batch.drop_column("last_name")
