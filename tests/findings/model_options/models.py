"""The models at head: env.py's target_metadata (legacy_audit is not the application's)."""

import sqlalchemy as sa

metadata = sa.MetaData()

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(40), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, server_default="active"),
    sa.Column("logins", sa.Integer, nullable=False, server_default="0"),
)
# a trigram-like index PostgreSQL gets, and only PostgreSQL
sa.Index("ix_accounts_name_pg", accounts.c.name, postgresql_using="btree").ddl_if(
    dialect="postgresql"
)
# a partial index: the WHERE is PostgreSQL's, the index is everyone's
sa.Index("ix_accounts_active_name", accounts.c.name, postgresql_where=sa.text("status = 'active'"))
