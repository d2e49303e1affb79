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

Four things in the old data can break the new schema, and the upgrade
checks all four before its first DDL statement (MariaDB cannot roll DDL
back): a user without a name, a name longer than 30 characters (PostgreSQL
refuses to narrow a column holding one), an e-mail address that belongs to
nobody, which the 0.3 tutorial itself leaves behind with
``del mary.addresses[1]``, and one whose user_id names no user (written
while foreign key checks were off), which the new foreign key refuses.
Each is refused with the rows named.

Plaintext passwords do not reach this stage: each becomes a salted
PBKDF2-SHA256 hash in ``password_hash``, in Django's
``pbkdf2_sha256$<iterations>$<salt>$<hash>`` format.  At 600,000
iterations a hash costs a quarter of a second of CPU, so the hashing is
done before the lock, on every core, while other clients go on reading and
writing ``users``; then the upgrade takes the lock, checks the data again,
reads the passwords again and re-hashes only those that changed
meanwhile, and writes the hashes.  A hash cannot be turned back into a
password, so the downgrade restores the ``password`` column empty, and
asks first.

On SQLite, dropping the old ``users`` table puts its pages on the file's
free list, plaintext and all; with SQLite's upstream default
(``secure_delete=OFF``) anyone who reads the file could read them.  The
upgrade turns ``secure_delete`` on while it runs, whatever the build's
default, so that freed pages and cells are overwritten with zeros.

On SQLite, batch mode rebuilds each table once (copy, drop, rename);
PostgreSQL and MariaDB rename in place.
"""

import base64
import hashlib
import itertools
import os
import secrets
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from alembic import context, op
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

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

PASSWORD_ITERATIONS = 600_000  # OWASP's 2023 figure for PBKDF2-HMAC-SHA256
WRITE_BATCH_SIZE = 1000
PROGRESS_BAR_FROM = 300  # fewer passwords than this get one summary line, never a bar
# PBKDF2 iterations in all (a few seconds of CPU) worth checking the data before as well
LONG_HASHING = 10_000_000

user_account = sa.table(
    "user_account",
    sa.column("fullname", sa.String),
    sa.column("password_hash", sa.String),
)


# -- the upgrade's steps, as MariaDB leaves them ---------------------------------------
# MariaDB commits every DDL statement on its own: a run killed half-way leaves
# the first steps done and the stamp at 0003.  Each step below says whether its
# change is in the schema; the upgrade skips what it finds done, so the next
# run finishes it, and `invoke stages` names the last step found.  PostgreSQL
# and SQLite roll a killed run back whole: there, no step is ever found done.


def user_table_columns(schema) -> dict:
    return schema.columns("users") or schema.columns("user_account")


def added_password_hash(schema) -> bool:
    """adding users.password_hash"""
    return "password_hash" in user_table_columns(schema)


def renamed_users(schema) -> bool:
    """renaming users to user_account"""
    return schema.has_table("user_account")


def dropped_password(schema) -> bool:
    """dropping the plaintext passwords, once hashed"""
    columns = user_table_columns(schema)
    return bool(columns) and "password" not in columns


def renamed_user_id(schema) -> bool:
    """renaming users.user_id to id"""
    return "id" in user_table_columns(schema)


def renamed_user_name(schema) -> bool:
    """renaming users.user_name to name, VARCHAR(30) NOT NULL"""
    return "name" in user_table_columns(schema)


def added_fullname(schema) -> bool:
    """adding users.fullname"""
    return "fullname" in user_table_columns(schema)


def renamed_email_addresses(schema) -> bool:
    """renaming email_addresses to address"""
    return schema.has_table("address")


def dropped_old_foreign_key(schema) -> bool:
    """dropping the foreign key fk_email_addresses_user_id_users"""
    return bool(address_table_columns(schema)) and (
        "fk_email_addresses_user_id_users" not in address_table_foreign_keys(schema)
    )


def dropped_old_foreign_key_index(schema) -> bool:
    """dropping the index fk_email_addresses_user_id_users"""
    return bool(address_table_columns(schema)) and "fk_email_addresses_user_id_users" not in (
        schema.indexes("address") | schema.indexes("email_addresses")
    )


def renamed_address_id(schema) -> bool:
    """renaming email_addresses.address_id to id"""
    return "id" in address_table_columns(schema)


def made_user_id_not_null(schema) -> bool:
    """making email_addresses.user_id NOT NULL"""
    column = address_table_columns(schema).get("user_id")
    return column is not None and not column["nullable"]


def added_new_foreign_key(schema) -> bool:
    """adding the foreign key fk_address_user_id_user_account"""
    return "fk_address_user_id_user_account" in address_table_foreign_keys(schema)


def address_table_columns(schema) -> dict:
    return schema.columns("address") or schema.columns("email_addresses")


def address_table_foreign_keys(schema) -> set[str]:
    return schema.foreign_keys("address") | schema.foreign_keys("email_addresses")


# the tables are renamed last: MariaDB's LOCK TABLES, which holds other clients
# off while the columns change, no longer covers a table once it is renamed
UPGRADE_STEPS = (
    added_password_hash,
    dropped_password,
    renamed_user_id,
    renamed_user_name,
    added_fullname,
    dropped_old_foreign_key,
    dropped_old_foreign_key_index,
    renamed_address_id,
    made_user_id_not_null,
    added_new_foreign_key,
    renamed_users,
    renamed_email_addresses,
)


# -- the downgrade's steps, in the same way ---------------------------------------------


def dropped_fullname(schema) -> bool:
    """dropping user_account.fullname"""
    columns = user_table_columns(schema)
    return bool(columns) and "fullname" not in columns


def dropped_password_hash(schema) -> bool:
    """dropping user_account.password_hash"""
    columns = user_table_columns(schema)
    return bool(columns) and "password_hash" not in columns


def renamed_id_back(schema) -> bool:
    """renaming user_account.id back to user_id"""
    return "user_id" in user_table_columns(schema)


def renamed_name_back(schema) -> bool:
    """renaming user_account.name back to user_name, VARCHAR(40) NULL"""
    return "user_name" in user_table_columns(schema)


def added_password_back(schema) -> bool:
    """adding the password column back, empty"""
    return "password" in user_table_columns(schema)


def renamed_user_account_back(schema) -> bool:
    """renaming user_account back to users"""
    return schema.has_table("users")


def dropped_new_foreign_key(schema) -> bool:
    """dropping the foreign key fk_address_user_id_user_account"""
    return bool(address_table_columns(schema)) and (
        "fk_address_user_id_user_account" not in address_table_foreign_keys(schema)
    )


def dropped_new_foreign_key_index(schema) -> bool:
    """dropping the index fk_address_user_id_user_account"""
    return bool(address_table_columns(schema)) and "fk_address_user_id_user_account" not in (
        schema.indexes("address") | schema.indexes("email_addresses")
    )


def renamed_address_id_back(schema) -> bool:
    """renaming address.id back to address_id"""
    return "address_id" in address_table_columns(schema)


def made_user_id_nullable(schema) -> bool:
    """making address.user_id NULL again"""
    column = address_table_columns(schema).get("user_id")
    return column is not None and column["nullable"]


def added_old_foreign_key(schema) -> bool:
    """adding the foreign key fk_email_addresses_user_id_users back"""
    return "fk_email_addresses_user_id_users" in address_table_foreign_keys(schema)


def renamed_address_back(schema) -> bool:
    """renaming address back to email_addresses"""
    return schema.has_table("email_addresses")


DOWNGRADE_STEPS = (
    dropped_fullname,
    dropped_password_hash,
    renamed_id_back,
    renamed_name_back,
    added_password_back,
    renamed_user_account_back,
    dropped_new_foreign_key,
    dropped_new_foreign_key_index,
    renamed_address_id_back,
    made_user_id_nullable,
    added_old_foreign_key,
    renamed_address_back,
)


def users_now() -> sa.Table:
    """``users`` under the names it has now: a resumed run may find it renamed."""
    return sa.Table(
        "user_account" if op.done(renamed_users) else "users",
        sa.MetaData(),
        sa.Column("id" if op.done(renamed_user_id) else "user_id", sa.Integer, key="user_id"),
        sa.Column("user_name", sa.String),
        sa.Column("password", sa.String),
        sa.Column("password_hash", sa.String),
    )


def email_addresses_now() -> sa.Table:
    """``email_addresses`` under the names it has now."""
    return sa.Table(
        "address" if op.done(renamed_email_addresses) else "email_addresses",
        sa.MetaData(),
        sa.Column(
            "id" if op.done(renamed_address_id) else "address_id", sa.Integer, key="address_id"
        ),
        sa.Column("email_address", sa.String),
        sa.Column("user_id", sa.Integer),
    )


def hash_password(password: str, iterations: int) -> str:
    salt = secrets.token_urlsafe(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode()}"


# -- hashing: the expensive part, done before the lock --------------------------------


def cores() -> int:
    """The CPUs this process may run on (a container or taskset may allow fewer than exist)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class RateColumn(ProgressColumn):
    def render(self, task) -> Text:
        return Text(
            f"{task.speed:,.1f} hashes/s" if task.speed else "", style="progress.data.speed"
        )


@contextmanager
def progress_shown(total: int, description: str):
    """Yield ``advance()``: a bar with rate and time left in a terminal, else nothing."""
    console = Console(stderr=True)
    if total < PROGRESS_BAR_FROM or not console.is_terminal:
        yield lambda: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda: progress.advance(task)


def hash_all(passwords: dict[int, str], iterations: int, description: str) -> dict[int, str]:
    """Return user_id -> hash for ``passwords``, hashed on every core.

    ``hashlib.pbkdf2_hmac`` releases the GIL while it works, so threads
    hash in parallel; they only compute, and never touch the database.
    """
    if not passwords:
        return {}
    pool = ThreadPoolExecutor(max_workers=min(cores(), len(passwords)))
    try:
        with progress_shown(len(passwords), description) as advance:
            hashes = {}
            for user_id, hashed in zip(
                passwords,
                pool.map(hash_password, passwords.values(), itertools.repeat(iterations)),
                strict=True,
            ):
                hashes[user_id] = hashed
                advance()
    finally:
        # an interrupted run does not wait for the passwords not started yet
        pool.shutdown(cancel_futures=True)
    return hashes


def read_passwords() -> dict[int, str]:
    """Return user_id -> plaintext password of every user that has one."""
    users = users_now()
    query = sa.select(users.c.user_id, users.c.password).where(users.c.password.is_not(None))
    return dict(op.get_bind().execute(query).all())


@dataclass
class HashedPasswords:
    """Passwords hashed before the lock, with the plaintext each hash was made from."""

    passwords: dict[int, str]
    hashes: dict[int, str]
    seconds: float


def hash_passwords_before_the_lock() -> HashedPasswords | None:
    """Read the plaintext passwords and hash them while other clients go on working.

    Nothing is written: a plain read takes no lock that stops other clients
    from reading or writing users (PostgreSQL: ACCESS SHARE; MariaDB: a
    consistent read, no row locks; SQLite is the exception, see the
    lesson).  A run killed here leaves the database as it was.
    """
    op.note_sql("here the online upgrade hashes every users.password, before the lock")
    if context.is_offline_mode():
        return None
    if op.done(dropped_password):
        return HashedPasswords({}, {}, 0.0)  # a run killed later: the hashes were written
    iterations = context.config.attributes.get("password_iterations", PASSWORD_ITERATIONS)
    start = time.perf_counter()
    refuse_passwords_that_are_not_text()
    passwords = read_passwords()
    if len(passwords) * iterations >= LONG_HASHING and op.get_context().dialect.name != "sqlite":
        # fail before a long hashing, not after it; the check runs again under the
        # lock (SQLite's migration holds it already: once is enough there)
        refuse_data_that_breaks_stage_4()
    hashes = hash_all(passwords, iterations, "revision 0004: hashing passwords")
    return HashedPasswords(passwords, hashes, time.perf_counter() - start)


def refuse_passwords_that_are_not_text() -> None:
    """Stop, naming the users, if a password is bytes: hashing needs the text it stands for.

    Only SQLite can hold one (a VARCHAR column there takes any value, and a
    client that binds bytes stores a BLOB); which text the bytes encode is
    for a person to say.  SQLite's migration holds the write lock already,
    so none can come after this check.
    """
    if op.get_context().dialect.name != "sqlite":
        return
    users = users_now()
    op.refuse_rows(
        sa.select(users.c.user_id).where(sa.func.typeof(users.c.password) == "blob"),
        "passwords stored as bytes (BLOB), not text, cannot be hashed (user_id)",
        "Store each as text, e.g. UPDATE users SET password = CAST(password AS TEXT) "
        "WHERE typeof(password) = 'blob', or set it to NULL",
    )


# -- the lock, and what is written under it --------------------------------------------


def take_the_lock() -> None:
    """Stop other clients writing users and email_addresses until the upgrade is done.

    The lock outlives MariaDB's commit at each DDL statement, so what is
    checked and hashed under it stays true until the tables are renamed, last.
    """
    pause = context.config.attributes.get("before_the_lock")
    if pause is not None and not context.is_offline_mode():
        pause()  # tests make other clients write here, between hashing and the lock
    op.block_writers(users_now().name, email_addresses_now().name)
    # what was written while the passwords were hashed is checked again
    refuse_data_that_breaks_stage_4()


def write_password_hashes(hashed: HashedPasswords | None) -> None:
    """Write the hashes, re-hashing passwords that changed or came while they were hashed.

    The passwords are read again under the lock, at READ COMMITTED (env.py
    sets it): the read sees what was committed meanwhile.  A password whose
    plaintext equals the one hashed keeps its hash; a changed or new one is
    hashed now, from its new value; a deleted one is forgotten.
    """
    op.note_sql("here it writes the hashes, re-hashing the passwords changed meanwhile")
    if hashed is None:  # offline mode
        return
    if op.done(dropped_password):
        return
    iterations = context.config.attributes.get("password_iterations", PASSWORD_ITERATIONS)
    now = read_passwords()
    start = time.perf_counter()
    changed = {uid: pw for uid, pw in now.items() if hashed.passwords.get(uid) != pw}
    hashes = {uid: hashed.hashes[uid] for uid in now if uid not in changed}
    hashes |= hash_all(changed, iterations, "revision 0004: re-hashing changed passwords")
    rehashing = time.perf_counter() - start
    users = users_now()
    update = (
        users.update()
        .where(users.c.user_id == sa.bindparam("uid"))
        .values(password_hash=sa.bindparam("digest"))
    )
    rows = [{"uid": uid, "digest": digest} for uid, digest in hashes.items()]
    for first in range(0, len(rows), WRITE_BATCH_SIZE):
        op.get_bind().execute(update, rows[first : first + WRITE_BATCH_SIZE])
    report_hashing(len(hashed.passwords), len(changed), hashed.seconds, rehashing, iterations)


def report_hashing(
    hashed: int, rehashed: int, seconds: float, rehashing: float, iterations: int
) -> None:
    """Say in one line what the hashing cost; hand the numbers to a caller that asked."""
    workers = min(cores(), hashed) if hashed else 0
    found = context.config.attributes.get("password_hashing")
    if isinstance(found, dict):
        found.update(
            passwords=hashed,
            rehashed=rehashed,
            seconds=seconds,
            rehashing_seconds=rehashing,
            iterations=iterations,
            workers=workers,
        )
    if hashed or rehashed:
        rate = f" ({hashed / seconds:,.1f} per second)" if seconds and hashed else ""
        Console(stderr=True, highlight=False, soft_wrap=True).print(
            f"revision 0004: hashed {hashed:,} password{'s' * (hashed != 1)} at "
            f"{iterations:,} iterations in "
            f"{seconds:.1f} s on {workers} thread{'s' * (workers != 1)}{rate}, before the lock; "
            f"{rehashed:,} changed meanwhile, re-hashed under it"
        )


def refuse_data_that_breaks_stage_4() -> None:
    """Stop, naming the rows, if any would break the new schema."""
    length = sa.func.length if op.get_context().dialect.name == "sqlite" else sa.func.char_length
    # a resumed run checks only what its remaining steps would break
    if not op.done(renamed_user_name):
        users = users_now()
        op.refuse_rows(
            sa.select(users.c.user_id).where(users.c.user_name.is_(None)),
            "users without a user_name cannot move to user_account.name, which is NOT NULL "
            "(user_id)",
            "Give each a name, or delete them",
        )
        op.refuse_rows(
            sa.select(users.c.user_id, users.c.user_name).where(length(users.c.user_name) > 30),
            "user names longer than 30 characters do not fit user_account.name VARCHAR(30) "
            "(user_id, user_name)",
            "Shorten them to 30 characters at most",
        )
    if op.done(added_new_foreign_key):
        return
    email_addresses = email_addresses_now()
    if not op.done(made_user_id_not_null):
        op.refuse_rows(
            sa.select(email_addresses.c.address_id, email_addresses.c.email_address).where(
                email_addresses.c.user_id.is_(None)
            ),
            "e-mail addresses that belong to no user cannot move to address, whose user_id "
            "is NOT NULL (address_id, email_address)",
            "Give each a user_id, or delete them",
        )
    users = users_now()
    op.refuse_rows(
        sa.select(
            email_addresses.c.address_id,
            email_addresses.c.email_address,
            email_addresses.c.user_id,
        ).where(
            email_addresses.c.user_id.is_not(None),
            ~sa.exists().where(users.c.user_id == email_addresses.c.user_id),
        ),
        "e-mail addresses whose user_id names no user break address's foreign key to "
        "user_account (address_id, email_address, user_id)",
        "Point each at a user, or delete them",
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


def drop_foreign_key(batch, table: str, name: str, done=(None, None)) -> None:
    # the first half of renaming a foreign key; rename_foreign_key() is the second.
    # ``done``: the steps that find the key and its index dropped, if they can be
    dialect = op.get_context().dialect.name
    if dialect == "postgresql":
        return  # renamed in place instead
    dropped_key, dropped_index = done
    if dropped_key is None or not op.done(dropped_key):
        batch.drop_constraint(name, type_="foreignkey")
    if dialect == "mysql" and (dropped_index is None or not op.done(dropped_index)):
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


@contextmanager
def freed_space_zeroed():
    """On SQLite, overwrite what is deleted until the block ends; then restore the setting."""
    if op.get_context().dialect.name != "sqlite":
        yield
        return
    if context.is_offline_mode():
        op.execute("PRAGMA secure_delete = ON")
        yield
        return
    connection = op.get_bind()
    before = connection.exec_driver_sql("PRAGMA secure_delete").scalar()
    connection.exec_driver_sql("PRAGMA secure_delete = ON")
    yield
    # restored after success only: after a failure or Ctrl-C the connection may be
    # unusable until rolled back, and a statement here would hide what went wrong
    connection.exec_driver_sql(f"PRAGMA secure_delete = {int(before)}")


def upgrade() -> None:
    """Hash passwords, then under the lock tighten the columns and rename the tables, last.

    Each step runs unless a run killed earlier did it already (MariaDB only:
    see UPGRADE_STEPS).
    """
    with freed_space_zeroed():  # SQLite: no plaintext left in the file's free pages
        hashed = hash_passwords_before_the_lock()
        take_the_lock()

        if not op.done(added_password_hash):
            with op.batch_alter_table("users") as batch:
                batch.add_column(sa.Column("password_hash", sa.String(128)))
        write_password_hashes(hashed)

        users = users_now().name
        with op.batch_alter_table(users) as batch:
            if not op.done(dropped_password):
                batch.drop_column("password")
            if not op.done(renamed_user_id):
                rename_id_column(batch, "user_id", "id")
            if not op.done(renamed_user_name):
                batch.alter_column(
                    "user_name",
                    new_column_name="name",
                    existing_type=sa.String(40),
                    type_=sa.String(30),
                    existing_nullable=True,
                    nullable=False,
                )
            if not op.done(added_fullname):
                batch.add_column(sa.Column("fullname", sa.String(100)))
            rename_primary_key(batch, users, "pk_users", "pk_user_account", "user_id")
        rename_sequence("users_user_id_seq", "user_account_id_seq")

        addresses = email_addresses_now().name
        with op.batch_alter_table(addresses) as batch:
            # renames carry the foreign key along; give it its new name
            drop_foreign_key(
                batch,
                addresses,
                "fk_email_addresses_user_id_users",
                done=(dropped_old_foreign_key, dropped_old_foreign_key_index),
            )
            if not op.done(renamed_address_id):
                rename_id_column(batch, "address_id", "id")
            if not op.done(made_user_id_not_null):
                batch.alter_column(
                    "user_id",
                    existing_type=sa.Integer(),
                    existing_nullable=True,
                    nullable=False,
                )
            rename_primary_key(batch, addresses, "pk_email_addresses", "pk_address", "address_id")
            if not op.done(added_new_foreign_key):
                rename_foreign_key(
                    batch,
                    addresses,
                    "fk_email_addresses_user_id_users",
                    "fk_address_user_id_user_account",
                    users,
                    ["user_id"],
                    ["id"],
                )
        rename_sequence("email_addresses_address_id_seq", "address_id_seq")

        if not op.done(renamed_users):
            op.rename_table("users", "user_account")
        if not op.done(renamed_email_addresses):
            op.rename_table("email_addresses", "address")


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

    # each step runs unless a run killed earlier did it (MariaDB: see DOWNGRADE_STEPS)
    if not op.done(renamed_user_account_back):
        # stage 3 has password between user_name and number, and a positional
        # INSERT ... VALUES written for stage 3 relies on it: SQLite's rebuild and
        # MariaDB's AFTER put it back there; PostgreSQL can only add it at the end
        dialect = op.get_context().dialect.name
        with op.batch_alter_table("user_account") as batch:
            if not op.done(dropped_fullname):
                batch.drop_column("fullname")
            if not op.done(dropped_password_hash):
                batch.drop_column("password_hash")
            if not op.done(renamed_id_back):
                rename_id_column(batch, "id", "user_id")
            if not op.done(renamed_name_back):
                batch.alter_column(
                    "name",
                    new_column_name="user_name",
                    existing_type=sa.String(30),
                    type_=sa.String(40),
                    existing_nullable=False,
                    nullable=True,
                )
            if dialect == "sqlite":
                # a batch names a column by the name it had when the batch began
                batch.add_column(sa.Column("password", sa.String(10)), insert_after="name")
            elif dialect != "mysql":
                batch.add_column(sa.Column("password", sa.String(10)))
            rename_primary_key(batch, "user_account", "pk_user_account", "pk_users", "id")
        if dialect == "mysql" and not op.done(added_password_back):
            # Alembic's add_column cannot say AFTER
            op.execute("ALTER TABLE user_account ADD COLUMN password VARCHAR(10) AFTER user_name")
        op.rename_table("user_account", "users")
        rename_sequence("user_account_id_seq", "users_user_id_seq")

    if op.done(renamed_address_back):
        return
    with op.batch_alter_table("address") as batch:
        drop_foreign_key(
            batch,
            "address",
            "fk_address_user_id_user_account",
            done=(dropped_new_foreign_key, dropped_new_foreign_key_index),
        )
        if not op.done(renamed_address_id_back):
            rename_id_column(batch, "id", "address_id")
        if not op.done(made_user_id_nullable):
            batch.alter_column(
                "user_id",
                existing_type=sa.Integer(),
                existing_nullable=False,
                nullable=True,
            )
        rename_primary_key(batch, "address", "pk_address", "pk_email_addresses", "id")
        if not op.done(added_old_foreign_key):
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
