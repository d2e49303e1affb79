"""The migration lock and lock waits (sqlalchemy_stairway.locking), with real second clients.

Every test that waits takes the lock in a second connection first, then
starts the waiter: the holder is in place before anything can race it.
"""

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import URL, Connection, text

from scripts.stages import STAIRWAY
from sqlalchemy_stairway.check.engines import make_engine
from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.check.schema import snapshot
from sqlalchemy_stairway.check.scratch import scratch_database
from sqlalchemy_stairway.locking import (
    LONGEST_LOCK_NAME,
    lock_conflict,
    mariadb_lock_name,
    migration_lock,
    tables_locked_by,
)
from tests.conftest import DATABASES, on_databases
from tests.helpers import alembic, assert_one_line_error, climb, invoke, stage_of

SERVERS = on_databases("postgresql", "mariadb")
HELD = "another migration run holds the lock"


@contextmanager
def connected(url: URL) -> Iterator[Connection]:
    """A migration-ready connection of its own to ``url``."""
    engine = make_engine(url, for_migrations=True)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


@contextmanager
def lock_held(url: URL) -> Iterator[Connection]:
    """Another client holding ``url``'s migration lock (SQLite: its write lock)."""
    with connected(url) as holder:
        if holder.dialect.name == "sqlite":
            transaction = holder.begin()  # BEGIN IMMEDIATE: the write lock
            try:
                yield holder
            finally:
                transaction.rollback()
            return
        with migration_lock(holder):
            yield holder


def seconds_to_refuse(url: URL) -> float:
    """Try to take ``url``'s migration lock; return how long it took to be refused."""
    with connected(url) as waiter:
        start = time.monotonic()
        with pytest.raises(StairwayError, match=HELD), migration_lock(waiter):
            pass
        took = time.monotonic() - start
        assert not waiter.in_transaction()
    return took


def url_text(url: URL) -> str:
    return url.render_as_string(hide_password=False)


# -- the lock's name -----------------------------------------------------------


def test_the_mariadb_lock_is_named_after_the_database_within_64_characters():
    assert mariadb_lock_name("tutorial") == "stairway:tutorial"
    longest = "d" * 64  # MariaDB's longest database name
    names = {mariadb_lock_name(longest), mariadb_lock_name(longest[:-1] + "e")}
    assert len(names) == 2
    assert all(len(name) == LONGEST_LOCK_NAME and name.startswith("stairway#") for name in names)
    assert mariadb_lock_name("x" * 55) == "stairway:" + "x" * 55  # 64: still readable


# -- one lock per database -------------------------------------------------------


@pytest.mark.parametrize("database", SERVERS)
def test_holding_one_databases_lock_leaves_another_database_free(
    database, scratch_url, tmp_path, monkeypatch
):
    monkeypatch.setenv("STAIRWAY_LOCK_TIMEOUT", "0")
    with scratch_database(DATABASES[database], tmp_dir=tmp_path) as other_url:
        assert other_url.database != scratch_url.database
        with lock_held(scratch_url), connected(other_url) as other:
            with migration_lock(other):  # another database on the same server: free
                assert other.execute(text("SELECT 1")).scalar() == 1
            # while a second client of the same database is refused
            assert seconds_to_refuse(scratch_url) < 2  # refused, not waited for


@pytest.mark.parametrize("database", SERVERS)
def test_the_lock_is_released_and_taken_again(database, scratch_url, monkeypatch):
    monkeypatch.setenv("STAIRWAY_LOCK_TIMEOUT", "0")
    with lock_held(scratch_url):
        seconds_to_refuse(scratch_url)
    # re-entrant: a task holds it around Alembic's run, which takes it again
    with connected(scratch_url) as again, migration_lock(again), migration_lock(again):
        assert again.execute(text("SELECT 1")).scalar() == 1


# -- what the timeout means --------------------------------------------------------


@pytest.mark.parametrize("database", SERVERS)
def test_a_lock_timeout_of_n_waits_n_seconds_and_0_does_not_wait(
    database, scratch_url, monkeypatch
):
    with lock_held(scratch_url):
        monkeypatch.setenv("STAIRWAY_LOCK_TIMEOUT", "0")
        # bounds wide enough for a loaded machine, still far from the other value's
        assert seconds_to_refuse(scratch_url) < 1.5  # PostgreSQL once waited forever here
        monkeypatch.setenv("STAIRWAY_LOCK_TIMEOUT", "2")
        assert 2 <= seconds_to_refuse(scratch_url) < 8


LOCK_WAITS = {
    "postgresql": "SELECT current_setting('lock_timeout')",
    "mysql": "SELECT CONCAT(@@SESSION.lock_wait_timeout, '/', @@SESSION.innodb_lock_wait_timeout)",
}


@pytest.mark.parametrize("database", SERVERS)
@pytest.mark.parametrize(
    ("timeout", "postgresql", "mysql"),
    [(None, "5s", "5/5"), ("60", "5s", "5/5"), ("2", "2s", "2/2"), ("0", "1ms", "0/0")],
)
def test_under_the_lock_others_locks_are_waited_for_briefly(
    database, connection, timeout, postgresql, mysql, monkeypatch
):
    if timeout is None:
        monkeypatch.delenv("STAIRWAY_LOCK_TIMEOUT", raising=False)
    else:
        monkeypatch.setenv("STAIRWAY_LOCK_TIMEOUT", timeout)
    query = text(LOCK_WAITS[connection.dialect.name])
    before = connection.execute(query).scalar()
    connection.rollback()
    with migration_lock(connection):
        assert (
            connection.execute(query).scalar()
            == {"postgresql": postgresql, "mysql": mysql}[connection.dialect.name]
        )
        connection.rollback()
    assert connection.execute(query).scalar() == before  # the session's own, back
    connection.rollback()


# -- a statement that waits on another client's lock ------------------------------


def test_the_tables_a_statement_waits_for_are_named():
    assert tables_locked_by("ALTER TABLE users ADD COLUMN x INTEGER") == "table users"
    assert tables_locked_by("ALTER TABLE `users` ADD COLUMN x INTEGER") == "table users"
    assert (
        tables_locked_by("LOCK TABLE users, email_addresses IN ACCESS EXCLUSIVE MODE")
        == "one of the tables users, email_addresses"
    )
    assert tables_locked_by('DROP TABLE IF EXISTS "order"') == "table order"
    assert tables_locked_by("SELECT users.user_id \nFROM users FOR UPDATE") == "table users"
    assert tables_locked_by("VACUUM") == "a table this run needs"


@contextmanager
def reading_users(url: URL) -> Iterator[Connection]:
    """Another client inside a transaction that read users, left open."""
    engine = make_engine(url)
    try:
        with engine.connect() as reader:
            assert reader.execute(text("SELECT count(*) FROM users")).scalar() > 0
            yield reader
            # the transaction lived through the whole run
            assert reader.in_transaction()
            reader.rollback()
    finally:
        engine.dispose()


def state_of(url: URL):
    """The database's schema, rows and stamp."""
    with connected(url) as connection:
        found = snapshot(connection), stage_of(connection)
        connection.rollback()
    return found


@pytest.mark.parametrize("command", ["invoke", "alembic"])
def test_a_migration_blocked_by_a_reader_gives_up_in_one_line_having_changed_nothing(
    database, command, connection, scratch_url
):
    # the reader's lock on users stops 0004's first DDL statement: LOCK TABLE on
    # PostgreSQL, ALTER TABLE users on MariaDB (which cannot roll DDL back); on
    # SQLite, whose one lock is the whole file's, the COMMIT
    climb(connection, STAIRWAY[3])
    before = state_of(scratch_url)
    env = {"STAIRWAY_LOCK_TIMEOUT": "1"}
    with reading_users(scratch_url):
        start = time.monotonic()
        if command == "invoke":
            result = invoke("up", "--url", url_text(scratch_url), env=env)
        else:
            result = alembic("-x", f"url={url_text(scratch_url)}", "upgrade", "head", env=env)
        took = time.monotonic() - start
    expected = (
        ["another client holds a lock on the database"]
        if database == "sqlite"
        else ["another client holds a lock on", "users"]
    )
    if command == "alembic":
        assert_one_alembic_failure(result, *expected)
    elif database == "sqlite":
        # SQLite hashes under its lock, so the hashing was done and said before the COMMIT
        assert result.stderr.startswith("users.password: hashed ")
        assert_one_line_error(result_without_first_line(result), *expected)
    else:
        assert_one_line_error(result, *expected)
    # bounded, not timed: unbounded was a day (MariaDB's lock_wait_timeout); 1 s each
    # lock wait here, the rest a loaded machine's start-up
    assert took < 300
    assert state_of(scratch_url) == before  # stage 3, every row, no column added


def result_without_first_line(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    rest = result.stderr.split("\n", 1)[1]
    return subprocess.CompletedProcess(result.args, result.returncode, result.stdout, rest)


def assert_one_alembic_failure(result, *expected: str) -> None:
    """Alembic's command line failed in one FAILED line holding ``expected``, no traceback."""
    assert result.returncode not in (0, None), result
    assert "Traceback" not in result.stdout + result.stderr
    said = " ".join(result.stdout.split())  # Alembic wraps its line to the terminal
    assert said.count("FAILED: ") == 1 and said.startswith("FAILED: "), result.stdout
    for text_ in expected:
        assert text_ in said


@pytest.mark.parametrize("with_timeout", ["1", "0"])
def test_the_alembic_command_line_waiting_on_a_held_lock_says_so_in_one_line(
    database, scratch_url, with_timeout
):
    # `alembic upgrade head` with the project's alembic.ini, the URL from $DATABASE_URL
    env = {"STAIRWAY_LOCK_TIMEOUT": with_timeout, "DATABASE_URL": url_text(scratch_url)}
    with lock_held(scratch_url):
        result = alembic("upgrade", "head", env=env)
    expected = "another process is writing" if database == "sqlite" else HELD
    assert_one_alembic_failure(result, expected)
    with connected(scratch_url) as connection:
        assert stage_of(connection) == STAIRWAY.base
        connection.rollback()


@pytest.mark.parametrize("value", ["abc", "-1", "2.5"])
def test_a_bad_lock_timeout_is_one_line_in_tasks_and_in_alembic(database, scratch_url, value):
    env = {"STAIRWAY_LOCK_TIMEOUT": value, "DATABASE_URL": url_text(scratch_url)}
    result = invoke("stage", "1", "--no-lesson", env=env)
    assert_one_line_error(result, f"STAIRWAY_LOCK_TIMEOUT={value!r}", "whole number from 0")
    result = alembic("upgrade", "head", env=env)
    assert_one_alembic_failure(result, f"STAIRWAY_LOCK_TIMEOUT={value!r}", "whole number from 0")
    if database == "sqlite":
        assert not Path(scratch_url.database).exists()  # refused before connecting
    else:
        with connected(scratch_url) as connection:
            assert stage_of(connection) == STAIRWAY.base
            connection.rollback()


def test_other_errors_are_no_lock_conflict(connection):
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError) as raised:
        connection.execute(text("SELECT * FROM no_such_table"))
    connection.rollback()
    assert lock_conflict(raised.value) is None
