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

Three things in the old data can break the new schema, and the upgrade
checks all three before its first DDL statement (MariaDB cannot roll DDL
back): a user without a name, a name longer than 30 characters (PostgreSQL
refuses to narrow a column holding one), and an e-mail address that
belongs to nobody, which the 0.3 tutorial itself leaves behind with
``del mary.addresses[1]``.  Each is refused with the rows named.

Plaintext passwords do not reach this stage: each becomes a salted
PBKDF2-SHA256 hash in ``password_hash``, in Django's
``pbkdf2_sha256$<iterations>$<salt>$<hash>`` format, computed in Python in
batches of 1,000 rows.  A hash cannot be turned back into a password, so
the downgrade restores the ``password`` column empty, and asks first.

On SQLite, batch mode rebuilds each table once (copy, drop, rename);
PostgreSQL and MariaDB rename in place.

What squawk, the PostgreSQL migration linter, reports on this
upgrade, and why it stands (tests/test_squawk.py keeps the two lists
equal):

squawk: renaming-table — users and email_addresses become user_account and
    address: that is this stage's lesson. The rename is a catalog change,
    but every running client that still says ``users`` breaks, so the
    tutorial's app is stopped while it migrates. A live system would rename,
    create a view under the old name for the old clients, and drop the view
    once they are gone.

squawk: renaming-column — user_id, user_name and address_id become id, name
    and id; as with renaming-table. A live system would add the new column,
    write both, backfill, move the reads over, and drop the old column a
    release later.

squawk: renaming-object — the primary keys, the foreign key and the SERIAL
    sequences follow their tables' new names, so no old name is left; only
    code that names them (``ON CONFLICT ON CONSTRAINT pk_users``,
    ``nextval('users_user_id_seq')``) breaks. PostgreSQL renames the foreign
    key in place: dropping and adding it again would check every address
    while locking both tables.

squawk: ban-drop-column — the plaintext password column must go; that is the
    point. The drop is a catalog change (the space comes back at the next
    rewrite), but clients that read the column break: a live system stops
    reading and writing it a release before this one.

squawk: changing-column-type — VARCHAR(40) to VARCHAR(30) makes PostgreSQL
    rewrite user_account under an ACCESS EXCLUSIVE lock: no reads or writes
    until it is done, which is fine for the tutorial's rows. A big table
    would keep VARCHAR(40) and add ``CHECK (char_length(name) <= 30) NOT
    VALID``, then VALIDATE CONSTRAINT in a later transaction, which scans
    without blocking reads or writes.

squawk: prefer-text-field — password_hash VARCHAR(128), name VARCHAR(30) and
    fullname VARCHAR(100) are the 2.0 tutorial's lengths, and MariaDB needs
    one; what narrowing costs is under changing-column-type.

squawk: adding-not-nullable-field — SET NOT NULL on user_account.name and
    address.user_id scans each table under ACCESS EXCLUSIVE. Both tables are
    locked that way from their renames until COMMIT anyway, and name is
    being rewritten, so the scans cost little here. A big table would spread
    it over transactions: ``CHECK (user_id IS NOT NULL) NOT VALID``; later
    VALIDATE CONSTRAINT, while reads and writes go on; then SET NOT NULL,
    which PostgreSQL 12+ proves from the valid check without a scan; then
    drop the check.
"""

import base64
import hashlib
import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PASSWORD_ITERATIONS = 600_000  # OWASP's 2023 figure for PBKDF2-HMAC-SHA256
HASH_BATCH_SIZE = 1000

users = sa.table(
    "users",
    sa.column("user_id", sa.Integer),
    sa.column("user_name", sa.String),
    sa.column("password", sa.String),
    sa.column("password_hash", sa.String),
)
email_addresses = sa.table(
    "email_addresses",
    sa.column("address_id", sa.Integer),
    sa.column("email_address", sa.String),
    sa.column("user_id", sa.Integer),
)
user_account = sa.table(
    "user_account",
    sa.column("fullname", sa.String),
    sa.column("password_hash", sa.String),
)


def hash_password(password: str, iterations: int) -> str:
    salt = secrets.token_urlsafe(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode()}"


def hash_passwords() -> None:
    """Fill users.password_hash from users.password, a batch at a time."""
    if context.is_offline_mode():
        op.get_context().impl.static_output(
            "-- here the online upgrade hashes every users.password into password_hash"
        )
        return
    iterations = context.config.attributes.get("password_iterations", PASSWORD_ITERATIONS)
    bind = op.get_bind()
    update = (
        users.update()
        .where(users.c.user_id == sa.bindparam("uid"))
        .values(password_hash=sa.bindparam("digest"))
    )
    last_id = None
    while True:
        query = (
            sa.select(users.c.user_id, users.c.password)
            .where(users.c.password.is_not(None))
            .order_by(users.c.user_id)
            .limit(HASH_BATCH_SIZE)
        )
        if last_id is not None:
            query = query.where(users.c.user_id > last_id)
        rows = bind.execute(query).all()
        if not rows:
            return
        bind.execute(
            update,
            [{"uid": uid, "digest": hash_password(pw, iterations)} for uid, pw in rows],
        )
        last_id = rows[-1].user_id


def refuse_data_that_breaks_stage_4() -> None:
    length = sa.func.length if op.get_context().dialect.name == "sqlite" else sa.func.char_length
    op.refuse_rows(
        sa.select(users.c.user_id).where(users.c.user_name.is_(None)),
        "users without a user_name cannot move to user_account.name, which is NOT NULL (user_id)",
        "Give each a name, or delete them",
    )
    op.refuse_rows(
        sa.select(users.c.user_id, users.c.user_name).where(length(users.c.user_name) > 30),
        "user names longer than 30 characters do not fit user_account.name VARCHAR(30) "
        "(user_id, user_name)",
        "Shorten them to 30 characters at most",
    )
    op.refuse_rows(
        sa.select(email_addresses.c.address_id, email_addresses.c.email_address).where(
            email_addresses.c.user_id.is_(None)
        ),
        "e-mail addresses that belong to no user cannot move to address, whose user_id "
        "is NOT NULL (address_id, email_address)",
        "Give each a user_id, or delete them",
    )


def rename_sequence(old: str, new: str) -> None:
    # PostgreSQL names a SERIAL column's sequence after the table and column.
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"ALTER SEQUENCE {old} RENAME TO {new}")


def rename_primary_key(batch, table: str, old: str, new: str, column: str) -> None:
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        # the rebuilt table gets the new name; inside a batch a column goes
        # by the name it had when the batch began, so `column` is that name
        batch.drop_constraint(old, type_="primary")
        batch.create_primary_key(new, [column])
    elif dialect == "postgresql":
        op.execute(f"ALTER TABLE {table} RENAME CONSTRAINT {old} TO {new}")
    # MariaDB calls every primary key PRIMARY


def rename_id_column(batch, old: str, new: str) -> None:
    # MariaDB renames with CHANGE COLUMN, which restates the whole column:
    # without existing_type and autoincrement it would lose AUTO_INCREMENT
    autoincrement = (
        {"autoincrement": True, "existing_autoincrement": True}
        if op.get_context().dialect.name == "mysql"
        else {}
    )
    batch.alter_column(
        old,
        new_column_name=new,
        existing_type=sa.Integer(),
        existing_nullable=False,
        **autoincrement,
    )


def drop_foreign_key(batch, table: str, name: str) -> None:
    # the first half of renaming a foreign key; rename_foreign_key() is the second
    dialect = op.get_context().dialect.name
    if dialect == "postgresql":
        return  # renamed in place instead
    batch.drop_constraint(name, type_="foreignkey")
    if dialect == "mysql":
        # InnoDB made an index for the foreign key and keeps it after the
        # drop; drop it too, so nothing of the old name survives
        batch.drop_index(name)


def rename_foreign_key(
    batch, table: str, old: str, new: str, referent: str, columns: list[str], remote: list[str]
) -> None:
    if op.get_context().dialect.name == "postgresql":
        # a catalog change: re-adding the key would check every row again while
        # it locks both tables
        op.execute(f"ALTER TABLE {table} RENAME CONSTRAINT {old} TO {new}")
    else:
        batch.create_foreign_key(new, referent, columns, remote)


def upgrade() -> None:
    """Rename to user_account/address, hash passwords, tighten NOT NULLs."""
    refuse_data_that_breaks_stage_4()

    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("password_hash", sa.String(128)))
    hash_passwords()

    op.rename_table("users", "user_account")
    with op.batch_alter_table("user_account") as batch:
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
        rename_primary_key(batch, "user_account", "pk_users", "pk_user_account", "user_id")
    rename_sequence("users_user_id_seq", "user_account_id_seq")

    op.rename_table("email_addresses", "address")
    with op.batch_alter_table("address") as batch:
        # renames carried the foreign key along; give it its new name
        drop_foreign_key(batch, "address", "fk_email_addresses_user_id_users")
        rename_id_column(batch, "address_id", "id")
        batch.alter_column(
            "user_id",
            existing_type=sa.Integer(),
            existing_nullable=True,
            nullable=False,
        )
        rename_primary_key(batch, "address", "pk_email_addresses", "pk_address", "address_id")
        rename_foreign_key(
            batch,
            "address",
            "fk_email_addresses_user_id_users",
            "fk_address_user_id_user_account",
            "user_account",
            ["user_id"],
            ["id"],
        )
    rename_sequence("email_addresses_address_id_seq", "address_id_seq")


def downgrade() -> None:
    """Rename back to users/email_addresses; password hashes and full names are lost."""
    op.confirm_data_loss(
        {
            "column user_account.fullname": sa.select(sa.func.count())
            .select_from(user_account)
            .where(user_account.c.fullname.is_not(None)),
            "column user_account.password_hash (a hash cannot be turned back "
            "into the password)": sa.select(sa.func.count())
            .select_from(user_account)
            .where(user_account.c.password_hash.is_not(None)),
        }
    )

    with op.batch_alter_table("user_account") as batch:
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
        batch.add_column(sa.Column("password", sa.String(10)))
        rename_primary_key(batch, "user_account", "pk_user_account", "pk_users", "id")
    op.rename_table("user_account", "users")
    rename_sequence("user_account_id_seq", "users_user_id_seq")

    with op.batch_alter_table("address") as batch:
        drop_foreign_key(batch, "address", "fk_address_user_id_user_account")
        rename_id_column(batch, "id", "address_id")
        batch.alter_column(
            "user_id",
            existing_type=sa.Integer(),
            existing_nullable=False,
            nullable=True,
        )
        rename_primary_key(batch, "address", "pk_address", "pk_email_addresses", "id")
        rename_foreign_key(
            batch,
            "address",
            "fk_address_user_id_user_account",
            "fk_email_addresses_user_id_users",
            "users",
            ["user_id"],
            ["user_id"],
        )
    op.rename_table("address", "email_addresses")
    rename_sequence("address_id_seq", "email_addresses_address_id_seq")
