"""Stage 4 hashes passwords before its lock: other clients go on, and what they write counts.

Revision 0004 calls ``config.attributes["before_the_lock"]`` between the
hashing and the lock.  These tests make another client write there (or
from inside the hashing itself) with a short lock timeout, so a writer that
the migration blocked would fail at once instead of the test waiting.
"""

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import URL, Connection, create_engine, text

from scripts.passwords import verify_password
from scripts.stages import STAIRWAY
from sqlalchemy_stairway import hashing
from sqlalchemy_stairway.check.engines import make_engine
from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.check.schema import rows, structure
from tests.conftest import on_databases
from tests.helpers import climb, move

STAGE = STAIRWAY[4]
BEFORE = STAIRWAY.previous(STAGE)
ITERATIONS = 1000  # cheap: these tests are about order, not cost
SERVERS = on_databases("postgresql", "mariadb")

# how long another client may wait for a lock before it gives up, per server
SHORT_LOCK_WAIT = {
    "postgresql": "SET lock_timeout = '2s'",
    "mysql": "SET SESSION innodb_lock_wait_timeout = 2, lock_wait_timeout = 2",
}


@contextmanager
def other_client(url: URL) -> Iterator[Connection]:
    """A second connection to the database, which gives up on a lock after 2 s."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if connection.dialect.name in SHORT_LOCK_WAIT:
                connection.execute(text(SHORT_LOCK_WAIT[connection.dialect.name]))
                connection.commit()
            yield connection
    finally:
        engine.dispose()


def write(url: URL, *statements: str) -> None:
    """Run ``statements`` as another client, in one transaction, and commit."""
    with other_client(url) as client:
        for statement in statements:
            client.execute(text(statement))
        client.commit()


def hashes(connection: Connection) -> dict[str, str | None]:
    found = dict(connection.execute(text("SELECT name, password_hash FROM user_account")).all())
    connection.rollback()
    return found


@pytest.fixture
def counted_hashing(monkeypatch) -> list[int]:
    """Count the PBKDF2 hashes computed (one-item list)."""
    calls = [0]
    original = hashlib.pbkdf2_hmac

    def counting(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(hashlib, "pbkdf2_hmac", counting)
    return calls


def migrate_with_pause(connection: Connection, pause: Callable[[], None], **kw) -> dict:
    """Move to stage 4 with ``pause`` run between hashing and locking; return the hashing report."""
    report: dict = {}
    move(
        connection,
        STAGE,
        password_iterations=ITERATIONS,
        before_the_lock=pause,
        password_hashing=report,
        **kw,
    )
    return report


@pytest.mark.parametrize("database", SERVERS)
def test_a_writer_is_not_blocked_while_passwords_are_hashed(
    connection, scratch_url, counted_hashing, monkeypatch
):
    climb(connection, BEFORE)
    written = []
    original = hashlib.pbkdf2_hmac

    def hash_while_another_client_writes(*args, **kwargs):
        # runs in a hashing thread while the migration waits for it
        if "during hashing" not in written:
            write(scratch_url, "INSERT INTO users (user_name) VALUES ('Writer')")
            written.append("during hashing")
        return original(*args, **kwargs)

    monkeypatch.setattr(hashlib, "pbkdf2_hmac", hash_while_another_client_writes)

    def pause() -> None:
        write(scratch_url, "UPDATE users SET number = 42 WHERE user_name = 'Tom'")
        written.append("before the lock")

    migrate_with_pause(connection, pause)
    assert written == ["during hashing", "before the lock"]
    found = connection.execute(text("SELECT name, number FROM user_account")).all()
    assert ("Writer", None) in found and ("Tom", 42) in found


@pytest.mark.parametrize("database", SERVERS)
def test_passwords_changed_or_added_during_hashing_are_hashed_from_their_new_value(
    connection, scratch_url, counted_hashing
):
    climb(connection, BEFORE)
    write(
        scratch_url,
        "UPDATE users SET password = 'tom-pw' WHERE user_name = 'Tom'",
        "UPDATE users SET password = 'fred-pw' WHERE user_name = 'Fred'",
    )
    at_pause = []

    def pause() -> None:
        at_pause.append(counted_hashing[0])
        write(
            scratch_url,
            "UPDATE users SET password = 'changed' WHERE user_name = 'Mary'",
            "UPDATE users SET password = NULL WHERE user_name = 'Fred'",
            "INSERT INTO users (user_name, password) VALUES ('Newton', 'apple')",
        )

    report = migrate_with_pause(connection, pause)
    # Mary, Tom and Fred were hashed before the pause; Mary and Newton again after it
    assert at_pause == [3]
    assert counted_hashing[0] == 5
    assert (report["passwords"], report["rehashed"]) == (3, 2)
    found = hashes(connection)
    assert verify_password("changed", found["Mary"])
    assert not verify_password("secure", found["Mary"])
    assert verify_password("apple", found["Newton"])
    assert verify_password("tom-pw", found["Tom"])
    assert found["Fred"] is None
    assert found["Harry"] is None


BREAKING_WRITES = {
    "long name": (
        "INSERT INTO users (user_name) VALUES ('Bartholomew Montgomery-Featherstone')",
        "user names longer than 30 characters",
    ),
    "address of nobody": (
        "UPDATE email_addresses SET user_id = NULL WHERE email_address = 'mary@example.com'",
        "e-mail addresses that belong to no user",
    ),
    "nameless user": (
        "INSERT INTO users (password) VALUES ('x')",
        "users without a user_name",
    ),
}


def snapshot(url: URL):
    """What the database is, read by another client: schema, rows and stamp."""
    with other_client(url) as client:
        return structure(client), rows(client)


@pytest.mark.parametrize("database", SERVERS)
@pytest.mark.parametrize("case", BREAKING_WRITES)
def test_data_written_during_hashing_that_stage_4_must_refuse_is_refused(
    case, connection, scratch_url
):
    statement, problem = BREAKING_WRITES[case]
    climb(connection, BEFORE)
    after_the_write = []

    def pause() -> None:
        write(scratch_url, statement)
        after_the_write.append(snapshot(scratch_url))

    with pytest.raises(StairwayError) as refused:
        migrate_with_pause(connection, pause)
    assert problem in str(refused.value)
    assert str(refused.value).endswith("Nothing was changed.")
    assert snapshot(scratch_url) == after_the_write[0]


def test_a_failure_during_hashing_changes_nothing(connection, scratch_url, monkeypatch):
    climb(connection, BEFORE)
    before = snapshot(scratch_url)

    def broken(*args, **kwargs):
        raise RuntimeError("killed while hashing")

    monkeypatch.setattr(hashlib, "pbkdf2_hmac", broken)
    with pytest.raises(RuntimeError, match="killed while hashing"):
        move(connection, STAGE)
    connection.rollback()
    assert snapshot(scratch_url) == before


@pytest.mark.parametrize("database", ["sqlite"])
def test_on_sqlite_readers_go_on_while_hashing_but_writers_wait(connection, scratch_url):
    climb(connection, BEFORE)
    seen = []

    def pause() -> None:
        engine = create_engine(scratch_url, connect_args={"timeout": 0.1})
        try:
            with engine.connect() as client:
                seen.append(client.execute(text("SELECT count(*) FROM users")).scalar_one())
                with pytest.raises(Exception, match="database is locked"):
                    client.execute(text("UPDATE users SET number = 1"))
                    client.commit()
        finally:
            engine.dispose()

    migrate_with_pause(connection, pause)
    assert seen == [5]
    assert Path(scratch_url.database).exists()


def test_a_few_passwords_get_one_summary_line(connection, capsys):
    climb(connection, BEFORE)
    capsys.readouterr()
    move(connection, STAGE, password_iterations=ITERATIONS)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("users.password: hashed 1 password at 1,000 iterations in ")
    assert lines[0].endswith("before the lock; 0 changed meanwhile, re-hashed under it")


def test_hundreds_of_passwords_in_a_terminal_get_a_bar_with_rate_and_time_left(capsys, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich takes stderr for a terminal
    count = hashing.PROGRESS_BAR_FROM
    passwords = {uid: f"pw{uid}" for uid in range(1, count + 1)}
    hashes = hashing.hash_all(passwords, 1, "hashing")
    assert set(hashes) == set(passwords)
    shown = capsys.readouterr().err
    assert f"/{count}" in shown and "hashes/s" in shown
    # fewer passwords than that get no bar, terminal or not
    hashing.hash_all(dict(list(passwords.items())[: count - 1]), 1, "hashing")
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("database", SERVERS)
def test_data_already_broken_is_refused_before_a_long_hashing(
    connection, scratch_url, counted_hashing
):
    climb(connection, BEFORE)
    write(scratch_url, BREAKING_WRITES["nameless user"][0])
    with pytest.raises(StairwayError, match="users without a user_name"):
        # Mary's one password, at as many iterations as ten seconds of hashing take
        move(connection, STAGE, password_iterations=10_000_000)
    assert counted_hashing[0] == 0
