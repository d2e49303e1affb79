"""Stage 4 leaves no plaintext password in a SQLite file, free pages included.

SQLite's upstream default, ``secure_delete=OFF``, leaves what a dropped
table held in the file's free pages; some builds (Debian's) default to
``ON``.  Each test first sets ``OFF`` on the migration's connection, as the
upstream default would, so the result does not depend on the build.
"""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import URL, Connection, event, text

from scripts.stages import STAIRWAY
from sqlalchemy_stairway.check.engines import make_engine
from tests.helpers import climb, move

STAGE = STAIRWAY[4]
ITERATIONS = 1000  # cheap: these tests are about bytes on disk, not cost
# VARCHAR(10) at stages 1-3; a pattern that occurs nowhere else in the file
EXTRA_PASSWORDS = [f"qz{n:05d}kx" for n in range(400)]

pytestmark = pytest.mark.parametrize("database", ["sqlite"])


@contextmanager
def migration_connection(url: URL) -> Iterator[Connection]:
    """A connection made as every migration's is, closed with its engine afterwards."""
    engine = make_engine(url, for_migrations=True)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA secure_delete = OFF")  # the upstream default
            connection.commit()  # the setting stays; the run begins its own transaction
            yield connection
    finally:
        engine.dispose()


def at_stage_3_with_passwords(url: URL, journal_mode: str = "delete") -> list[str]:
    """Climb to stage 3 with the seeded rows plus users with passwords; return every password."""
    with sqlite3.connect(url.database) as db:  # the mode stays with the file
        assert db.execute(f"PRAGMA journal_mode = {journal_mode}").fetchone() == (journal_mode,)
    db.close()
    with migration_connection(url) as connection:
        climb(connection, STAIRWAY.previous(STAGE))
        connection.execute(
            text("INSERT INTO users (user_id, user_name, password) VALUES (:id, :name, :password)"),
            [
                {"id": 1000 + n, "name": f"user {n}", "password": password}
                for n, password in enumerate(EXTRA_PASSWORDS)
            ],
        )
        connection.commit()
        passwords = connection.execute(
            text("SELECT password FROM users WHERE password IS NOT NULL")
        ).scalars()
        return list(passwords)


def file_bytes(url: URL) -> bytes:
    """The database file's bytes, and those of its journal and WAL if any are left."""
    path = Path(url.database)
    files = [path, *(path.with_name(path.name + tail) for tail in ("-journal", "-wal"))]
    return b"".join(each.read_bytes() for each in files if each.exists())


def plaintext_in(url: URL, passwords: list[str]) -> list[str]:
    found = file_bytes(url)
    return [password for password in passwords if password.encode() in found]


@contextmanager
def secure_delete_kept_off(connection: Connection) -> Iterator[list[str]]:
    """Turn the revision's ``secure_delete = ON`` into OFF; yield the statements turned."""
    turned: list[str] = []

    def turn_off(conn, cursor, statement, parameters, context, executemany):
        if statement.replace(" ", "").upper() == "PRAGMASECURE_DELETE=ON":
            turned.append(statement)
            statement = "PRAGMA secure_delete = OFF"
        return statement, parameters

    event.listen(connection, "before_cursor_execute", turn_off, retval=True)
    try:
        yield turned
    finally:
        event.remove(connection, "before_cursor_execute", turn_off)


@pytest.mark.parametrize("journal_mode", ["delete", "wal"])
def test_no_plaintext_password_is_left_in_the_file(scratch_url, journal_mode):
    passwords = at_stage_3_with_passwords(scratch_url, journal_mode)
    assert len(passwords) == len(EXTRA_PASSWORDS) + 1  # the tutorial's Mary has one
    assert plaintext_in(scratch_url, passwords) == passwords  # the check sees them at stage 3

    with migration_connection(scratch_url) as connection:
        move(connection, STAGE, password_iterations=ITERATIONS)
        hashed = connection.execute(
            text("SELECT count(*) FROM user_account WHERE password_hash IS NOT NULL")
        ).scalar()
        # the connection's own setting is given back
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 0
    assert hashed == len(passwords)
    assert plaintext_in(scratch_url, passwords) == []


def test_without_secure_delete_the_plaintext_would_stay_in_free_pages(scratch_url):
    passwords = at_stage_3_with_passwords(scratch_url)
    with (
        migration_connection(scratch_url) as connection,
        secure_delete_kept_off(connection) as turned,
    ):
        move(connection, STAGE, password_iterations=ITERATIONS)
    assert turned, "the revision did not turn secure_delete on"
    columns = revision_columns(scratch_url)
    assert "password" not in columns and "password_hash" in columns
    # the same check as above finds what the revision's PRAGMA erases
    assert len(plaintext_in(scratch_url, passwords)) > len(passwords) // 2


def revision_columns(url: URL) -> set[str]:
    with migration_connection(url) as connection:
        return {row[1] for row in connection.exec_driver_sql("PRAGMA table_info(user_account)")}


def test_only_the_table_that_held_passwords_is_dropped_zeroing(scratch_url):
    """Zeroing doubles what a drop costs: email_addresses, which held none, does without."""
    at_stage_3_with_passwords(scratch_url)
    zeroing: dict[str, int] = {}

    def note(conn, cursor, statement, parameters, context, executemany):
        if statement.strip().upper().startswith("DROP TABLE"):
            table = statement.split()[-1].strip('"')
            zeroing[table] = cursor.connection.execute("PRAGMA secure_delete").fetchone()[0]

    with migration_connection(scratch_url) as connection:
        event.listen(connection, "before_cursor_execute", note)
        move(connection, STAGE, password_iterations=ITERATIONS)
        event.remove(connection, "before_cursor_execute", note)
    assert zeroing == {"users": 1, "email_addresses": 0}
