"""Stage 4: the 2.0 tutorial's user_account and address, passwords hashed

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

The SQLAlchemy 2.0 unified tutorial names its tables ``user_account``
(id, name VARCHAR(30), fullname) and ``address`` (id, user_id NOT NULL,
email_address).  This revision renames the 0.3 tables and columns to those
names and keeps every row and every id, so e-mail addresses still point at
their users.  What a rename drags along is renamed too, so nothing of the
old names is left: the primary key and foreign key constraints, the foreign
key's index on MariaDB, the id sequences on PostgreSQL.

Four things in the old data can break the new schema: a user without a
name, a name longer than 30 characters (PostgreSQL refuses to narrow a
column holding one), an e-mail address that belongs to nobody, which the
0.3 tutorial itself leaves behind with ``del mary.addresses[1]``, and one
whose user_id names no user (written while foreign key checks were off),
which breaks the foreign key where it is made again (SQLite's rebuild,
MariaDB's ALTER; PostgreSQL renames its key in place, and such an address
stays as it was).  Each is refused with the rows named.  SQLite and
MariaDB look for them under the lock, before the first DDL statement
(MariaDB cannot roll DDL back; SQLite would keep a long name in a
VARCHAR(30)): one query for both troubles of the users, one anti-join for
both of the addresses, and only when one finds a row are the troubles told
apart and the rows read to name them.  PostgreSQL refuses the first three
itself as it alters the columns, and rolls everything back: there the
columns change inside a savepoint with no look first, and the rows are
looked for only if PostgreSQL refuses, to name them (``op.refusing_rows``).
Every database looks before the hashing too, when there is anything to
hash.

Plaintext passwords do not reach this stage: each becomes a salted
PBKDF2-SHA256 hash in ``password_hash``, in Django's
``pbkdf2_sha256$<iterations>$<salt>$<hash>`` format.  At 600,000
iterations a hash costs a quarter of a second of CPU, so the hashing is
done before the lock, on every core, while other clients go on reading and
writing ``users`` (``op.prehash_column``); then the upgrade takes the lock
(``op.block_writers``), checks the data, and ``op.write_hashes``
reads the passwords again, re-hashes only those that changed meanwhile,
and writes the hashes.  The columns change under the old table names, and
the tables are renamed last: on MariaDB a table renamed under ``LOCK
TABLES`` leaves the lock.  A hash cannot be turned back into a
password, so the downgrade restores the ``password`` column empty, and
asks first.

On SQLite, dropping the old ``users`` table puts its pages on the file's
free list, plaintext and all; with SQLite's upstream default
(``secure_delete=OFF``) anyone who reads the file could read them.  The
upgrade turns ``secure_delete`` on, whatever the build's default, so that
freed pages and cells are overwritten with zeros, until ``users`` is
rebuilt; ``email_addresses``, which never held a password, is rebuilt
without zeroing, which would double what dropping it costs.

On SQLite, batch mode rebuilds each table once (copy, drop, rename);
PostgreSQL and MariaDB rename in place.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What squawk, the PostgreSQL migration linter, reports on this upgrade, and why
# it stands (tests/test_squawk.py keeps the rules equal to squawk's findings)
SQUAWK_WAIVERS: dict[str, str] = {
    "renaming-table": (
        "users and email_addresses become user_account and address: that is this stage's "
        "lesson. The rename is a catalog change, but every running client that still says "
        "``users`` breaks, so the tutorial's app is stopped while it migrates. A live system "
        "would rename, create a view under the old name for the old clients, and drop the "
        "view once they are gone."
    ),
    "renaming-column": (
        "user_id, user_name and address_id become id, name and id; as with renaming-table. A "
        "live system would add the new column, write both, backfill, move the reads over, and "
        "drop the old column a release later."
    ),
    "renaming-object": (
        "the primary keys, the foreign key and the SERIAL sequences follow their tables' new "
        "names, so no old name is left; only code that names them (``ON CONFLICT ON "
        "CONSTRAINT pk_users``, ``nextval('users_user_id_seq')``) breaks. PostgreSQL renames "
        "the foreign key in place: dropping and adding it again would check every address "
        "while locking both tables."
    ),
    "ban-drop-column": (
        "the plaintext password column must go; that is the point. The drop is a catalog "
        "change (the space comes back at the next rewrite), but clients that read the column "
        "break: a live system stops reading and writing it a release before this one."
    ),
    "changing-column-type": (
        "VARCHAR(40) to VARCHAR(30) makes PostgreSQL rewrite user_account under an ACCESS "
        "EXCLUSIVE lock: no reads or writes until it is done, which is fine for the "
        "tutorial's rows. A big table would keep VARCHAR(40) and add ``CHECK "
        "(char_length(name) <= 30) NOT VALID``, then VALIDATE CONSTRAINT in a later "
        "transaction, which scans without blocking reads or writes."
    ),
    "prefer-text-field": (
        "password_hash VARCHAR(128), name VARCHAR(30) and fullname VARCHAR(100) are the 2.0 "
        "tutorial's lengths, and MariaDB needs one; what narrowing costs is under changing- "
        "column-type."
    ),
    "adding-not-nullable-field": (
        "SET NOT NULL on user_account.name and address.user_id scans each table under ACCESS "
        "EXCLUSIVE. Both tables are locked that way from their renames until COMMIT anyway, "
        "and name is being rewritten, so the scans cost little here. A big table would spread "
        "it over transactions: ``CHECK (user_id IS NOT NULL) NOT VALID``; later VALIDATE "
        "CONSTRAINT, while reads and writes go on; then SET NOT NULL, which PostgreSQL 12+ "
        "proves from the valid check without a scan; then drop the check."
    ),
}

user_account = sa.table("user_account", sa.column("fullname"), sa.column("password_hash"))
OLD_KEY, NEW_KEY = "fk_email_addresses_user_id_users", "fk_address_user_id_user_account"


def dialect() -> str:
    return op.get_context().dialect.name


def columns(table: str) -> set[str]:  # none offline, or with no such table
    if op.get_context().as_sql or not sa.inspect(op.get_bind()).has_table(table):
        return set()
    return {column["name"] for column in sa.inspect(op.get_bind()).get_columns(table)}


def refuse_data_that_breaks_stage_4() -> None:
    """Stop, naming the rows, if any would break the columns still to change."""
    have, addresses_have = columns("users"), columns("email_addresses")
    if not have:  # offline, or renamed by a killed run once every column was done
        return
    users = sa.table("users", *map(sa.column, have))
    length = sa.func.length if dialect() == "sqlite" else sa.func.char_length
    key = users.c.id if "id" in have else users.c.user_id
    if "user_name" in have:
        name = users.c.user_name
        op.refuse_rows_together(
            sa.select(key).where(name.is_(None) | (length(name) > 30)),  # one scan for both
            (
                sa.select(key).where(name.is_(None)),
                "users without a user_name do not fit user_account.name, NOT NULL (user_id)",
                "Give each a name, or delete them",
            ),
            (
                sa.select(key, name).where(length(name) > 30),
                "user names longer than 30 characters do not fit VARCHAR(30) (user_id, user_name)",
                "Shorten them to 30 characters at most",
            ),
        )
    if "address_id" in addresses_have:
        emails = sa.table("email_addresses", *map(sa.column, addresses_have))
        address_id, email, user_id = emails.c.address_id, emails.c.email_address, emails.c.user_id
        belong_to_nobody = (
            sa.select(address_id, email).where(user_id.is_(None)),
            "e-mail addresses that belong to no user cannot move to address, whose user_id "
            "is NOT NULL (address_id, email_address)",
            "Give each a user_id, or delete them",
        )
        if dialect() == "postgresql":  # its key is renamed, not made again: no anti-join
            return op.refuse_rows(*belong_to_nobody)
        op.refuse_rows_together(
            # one anti-join for both: an address with no user_id joins no user either
            sa.select(address_id)
            .select_from(emails.outerjoin(users, key == user_id))
            .where(key.is_(None)),
            belong_to_nobody,
            (
                sa.select(address_id, email, user_id).where(~sa.exists().where(key == user_id)),
                "e-mail addresses whose user_id names no user break address's foreign key to "
                "user_account (address_id, email_address, user_id)",
                "Point each at a user, or delete them",
            ),
        )


def table_now(old: str, new: str) -> str:  # a run killed on MariaDB may have renamed it
    return new if columns(new) else old


def on_postgresql(statement: str) -> None:  # MariaDB's keys are all PRIMARY; SQLite rebuilds
    if dialect() == "postgresql":
        op.execute(statement)


def rename_id_column(batch, old: str, new: str) -> None:
    # MariaDB's CHANGE COLUMN restates the column: without these it loses AUTO_INCREMENT
    keep = {"autoincrement": True, "existing_autoincrement": True} if dialect() == "mysql" else {}
    batch.alter_column(
        old, new_column_name=new, existing_type=sa.Integer(), existing_nullable=False, **keep
    )


def rename_primary_key(batch, table: str, old: str, new: str, column: str) -> None:
    if dialect() == "sqlite":  # inside a batch, a column goes by its name when it began
        batch.drop_constraint(old, type_="primary")
        batch.create_primary_key(new, [column])
    on_postgresql(f"ALTER TABLE {table} RENAME CONSTRAINT {old} TO {new}")


def drop_foreign_key(batch, name: str) -> None:  # PostgreSQL renames it in place instead
    if dialect() != "postgresql":
        batch.drop_constraint(name, type_="foreignkey")
    if dialect() == "mysql":  # InnoDB keeps the index it made for the key after the drop
        batch.drop_index(name)


def name_foreign_key(batch, table: str, old: str, new: str, referent: str, remote: str) -> None:
    # PostgreSQL renames in place: adding it again would check every row, both tables locked
    on_postgresql(f"ALTER TABLE {table} RENAME CONSTRAINT {old} TO {new}")
    if dialect() != "postgresql":
        batch.create_foreign_key(new, referent, ["user_id"], [remote])


def upgrade() -> None:
    """Hash passwords, then under the lock tighten the columns and rename the tables, last."""
    op.zero_freed_space()  # SQLite: no plaintext left in the file's free pages
    users_table = table_now("users", "user_account")
    hashed = op.prehash_column(  # refusing first: the hashing may take long
        users_table, "password", key="user_id", check_first=refuse_data_that_breaks_stage_4
    )
    op.block_writers(users_table, table_now("email_addresses", "address"))
    # under the lock, as other clients wrote meanwhile; PostgreSQL refuses such rows itself as
    # it alters the columns, so there the check runs only if it does, to name them
    with op.refusing_rows(
        refuse_data_that_breaks_stage_4, database_refuses=dialect() == "postgresql"
    ):
        op.add_column(users_table, sa.Column("password_hash", sa.String(128)))
        op.write_hashes(hashed, "password_hash")
        with op.batch_alter_table(users_table) as batch:
            batch.drop_column("password")
            rename_id_column(batch, "user_id", "id")
            batch.alter_column(
                "user_name",
                new_column_name="name",
                existing_type=sa.String(40),
                type_=sa.String(30),
                existing_nullable=True,
                nullable=False,
            )
            batch.add_column(sa.Column("fullname", sa.String(100)))
            rename_primary_key(batch, users_table, "pk_users", "pk_user_account", "user_id")
        op.stop_zeroing_freed_space()  # the plaintext was in users alone
        on_postgresql("ALTER SEQUENCE users_user_id_seq RENAME TO user_account_id_seq")
        addresses = table_now("email_addresses", "address")
        with op.batch_alter_table(addresses) as batch:
            drop_foreign_key(batch, OLD_KEY)
            rename_id_column(batch, "address_id", "id")
            batch.alter_column(
                "user_id", existing_type=sa.Integer(), existing_nullable=True, nullable=False
            )
            rename_primary_key(batch, addresses, "pk_email_addresses", "pk_address", "address_id")
            if dialect() != "mysql":
                name_foreign_key(batch, addresses, OLD_KEY, NEW_KEY, users_table, "id")
    if dialect() == "mysql":  # its rows were checked under the lock: InnoDB need not copy the table
        op.create_foreign_key_already_checked(NEW_KEY, addresses, users_table, ["user_id"], ["id"])
    on_postgresql("ALTER SEQUENCE email_addresses_address_id_seq RENAME TO address_id_seq")
    # last: on MariaDB a table renamed under LOCK TABLES leaves the lock
    op.rename_table("users", "user_account")
    op.rename_table("email_addresses", "address")


def downgrade() -> None:
    """Rename back to users/email_addresses; password hashes and full names are lost."""
    fullname, password_hash = user_account.c
    op.confirm_data_loss(
        {
            "column user_account.fullname": sa.select(sa.func.count(fullname)),
            "column user_account.password_hash (a hash cannot be turned back "
            "into the password)": sa.select(sa.func.count(password_hash)),
        }
    )
    users_table = table_now("user_account", "users")
    # password goes back between user_name and number, where a positional INSERT written for
    # stage 3 expects it (SQLite's rebuild, MariaDB's AFTER); PostgreSQL can only append it
    with op.batch_alter_table(users_table) as batch:
        batch.drop_column("fullname")
        batch.drop_column("password_hash")
        rename_id_column(batch, "id", "user_id")
        batch.alter_column(
            "name",
            new_column_name="user_name",
            existing_type=sa.String(30),
            type_=sa.String(40),
            existing_nullable=False,
            nullable=True,
        )
        if dialect() == "sqlite":  # a batch names a column by its name when it began
            batch.add_column(sa.Column("password", sa.String(10)), insert_after="name")
        elif dialect() == "postgresql":
            batch.add_column(sa.Column("password", sa.String(10)))
        rename_primary_key(batch, users_table, "pk_user_account", "pk_users", "id")
    if dialect() == "mysql" and "password" not in columns(users_table):
        # Alembic's add_column cannot say AFTER
        op.execute(f"ALTER TABLE {users_table} ADD COLUMN password VARCHAR(10) AFTER user_name")
    op.rename_table("user_account", "users")
    on_postgresql("ALTER SEQUENCE user_account_id_seq RENAME TO users_user_id_seq")
    addresses = table_now("address", "email_addresses")
    with op.batch_alter_table(addresses) as batch:
        drop_foreign_key(batch, NEW_KEY)
        rename_id_column(batch, "id", "address_id")
        batch.alter_column(
            "user_id", existing_type=sa.Integer(), existing_nullable=False, nullable=True
        )
        rename_primary_key(batch, addresses, "pk_address", "pk_email_addresses", "id")
        name_foreign_key(batch, addresses, NEW_KEY, OLD_KEY, "users", "user_id")
    op.rename_table("address", "email_addresses")
    on_postgresql("ALTER SEQUENCE address_id_seq RENAME TO email_addresses_address_id_seq")
