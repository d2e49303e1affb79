"""Client processes write all along stage 4; afterwards every committed write is there.

Three client processes (tests/writer_process.py) insert users with
passwords, change their own user's password and add addresses, each
write committed on its own, from before the migration starts until after
it ends.  Then every write a client was told is committed must be in the
stage 4 database: each inserted user with a hash that verifies its
password, each client's last password verifying against its user's hash,
each address present; and no refusal may name a valid row.  PostgreSQL
runs at READ COMMITTED and at REPEATABLE READ; MariaDB with its default
sql_mode and with others, strict or not (a lax one is refused, nothing
changed).  Bounded: a few seconds per case.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import URL, Connection, text

from scripts.passwords import verify_password
from scripts.stages import STAIRWAY
from sqlalchemy_stairway.check.engines import make_engine
from sqlalchemy_stairway.check.errors import StairwayError
from tests.conftest import KINDS, needs
from tests.helpers import PROJECT, climb, move, stage_of

pytestmark = pytest.mark.full

STAGE = STAIRWAY[4]
BEFORE = STAIRWAY.previous(STAGE)
CLIENTS = 3
USERS_TO_HASH = 400  # with ITERATIONS, about a second of hashing before the lock
ITERATIONS = 3000
STARTED_WITHIN = 20  # seconds for every client to commit its first write
AFTER_THE_RUN = 0.5  # seconds the clients go on after the migration

CASES = {
    "sqlite": ["default"],
    "postgresql": ["read committed", "repeatable read"],
    "mariadb": ["default", "STRICT_ALL_TABLES", "TRADITIONAL", "ANSI,STRICT_TRANS_TABLES", ""],
}
PARAMS = [
    pytest.param(
        database, setting, id=f"{database}-{setting or 'empty sql_mode'}", marks=needs(database)
    )
    for database in KINDS
    for setting in CASES[database]
]


def prepare(connection: Connection, url: URL, setting: str) -> URL:
    """Climb to stage 3 with users to hash; return the URL the migration uses."""
    climb(connection, BEFORE)
    rows = [{"name": f"c{n}", "password": "old"} for n in range(CLIENTS)]
    rows += [{"name": f"h{n}", "password": f"h{n}"} for n in range(USERS_TO_HASH)]
    connection.execute(
        text("INSERT INTO users (user_name, password) VALUES (:name, :password)"), rows
    )
    connection.commit()
    if connection.dialect.name == "postgresql" and setting != "read committed":
        connection.execute(
            text(
                f"ALTER DATABASE \"{url.database}\" SET default_transaction_isolation = '{setting}'"
            )
        )
        connection.commit()
    if connection.dialect.name == "mysql" and setting != "default":
        return url.update_query_dict({"init_command": f"SET sql_mode='{setting}'"})
    return url


def start_clients(url: URL, folder: Path) -> list[subprocess.Popen]:
    stop = folder / "stop"
    return [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.writer_process",
                url.render_as_string(hide_password=False),
                str(n),
                str(folder / f"client{n}.jsonl"),
                str(stop),
            ],
            cwd=PROJECT,
            env={**os.environ, "STAIRWAY_LOCK_TIMEOUT": "20"},
        )
        for n in range(CLIENTS)
    ]


def records(folder: Path, client: int) -> list[dict]:
    path = folder / f"client{client}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wait_until_writing(folder: Path, clients: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + STARTED_WITHIN
    while not all(any(r.get("committed") for r in records(folder, n)) for n in range(CLIENTS)):
        assert all(c.poll() is None for c in clients), "a client process died"
        assert time.monotonic() < deadline, "the clients did not start writing"
        time.sleep(0.05)


def stop_clients(folder: Path, clients: list[subprocess.Popen]) -> None:
    (folder / "stop").touch()
    for client in clients:
        assert client.wait(timeout=60) == 0


def missing_at_stage_4(connection: Connection, folder: Path) -> list[str]:
    """Name every committed write the stage 4 database does not hold."""
    hashes = dict(connection.execute(text("SELECT name, password_hash FROM user_account")).all())
    emails = set(connection.execute(text("SELECT email_address FROM address")).scalars())
    connection.rollback()
    missing = []
    for n in range(CLIENTS):
        committed = [r for r in records(folder, n) if r.get("committed")]
        changes = [r for r in committed if r["kind"] == "password"]
        kept = [r for r in committed if r["kind"] == "user"] + changes[-1:]
        for record in kept:
            digest = hashes.get(record["name"])
            if digest is None or not verify_password(record["password"], digest):
                missing.append(f"{record} (hash {digest!r})")
        missing += [
            str(r) for r in committed if r["kind"] == "address" and r["email"] not in emails
        ]
    return missing


def missing_at_stage_3(connection: Connection, folder: Path) -> list[str]:
    """Name every committed write the stage 3 database (a refused run) does not hold."""
    passwords = dict(connection.execute(text("SELECT user_name, password FROM users")).all())
    emails = set(connection.execute(text("SELECT email_address FROM email_addresses")).scalars())
    connection.rollback()
    missing = []
    for n in range(CLIENTS):
        committed = [r for r in records(folder, n) if r.get("committed")]
        changes = [r for r in committed if r["kind"] == "password"]
        for record in [r for r in committed if r["kind"] == "user"] + changes[-1:]:
            if passwords.get(record["name"]) != record["password"]:
                missing.append(str(record))
        missing += [
            str(r) for r in committed if r["kind"] == "address" and r["email"] not in emails
        ]
    return missing


@pytest.mark.parametrize(("database", "setting"), PARAMS)
def test_client_processes_writing_all_along_stage_4_lose_nothing(
    setting, scratch_url, connection, tmp_path
):
    url = prepare(connection, scratch_url, setting)
    engine = make_engine(url, for_migrations=True)
    clients = start_clients(scratch_url, tmp_path)
    refused = None
    try:
        wait_until_writing(tmp_path, clients)
        with engine.connect() as migration:
            try:
                move(migration, STAGE, password_iterations=ITERATIONS)
            except StairwayError as exc:
                refused = str(exc)
        time.sleep(AFTER_THE_RUN)
    finally:
        stop_clients(tmp_path, clients)
        engine.dispose()
    committed = sum(bool(r.get("committed")) for n in range(CLIENTS) for r in records(tmp_path, n))
    assert committed > CLIENTS  # the clients wrote beyond their first writes
    if setting == "":
        assert refused is not None and "sql_mode (empty)" in refused
        assert refused.endswith("Nothing was changed.")
        assert stage_of(connection) == BEFORE
        assert missing_at_stage_3(connection, tmp_path) == []
        return
    assert refused is None
    assert stage_of(connection) == STAGE
    assert missing_at_stage_4(connection, tmp_path) == []
