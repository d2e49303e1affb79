"""Two runs at once: the one that waits decides where to go only once it holds the lock.

Each race is forced, not hoped for: the test holds the migration lock,
starts the second run, waits until that run is seen waiting for the lock
(in the server's lock tables, or holding the SQLite lock file open), then
moves the database itself before letting go.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Connection, text

from scripts.stages import STAIRWAY
from sqlalchemy_stairway.check.file_lock import lock_file
from sqlalchemy_stairway.locking import migration_lock
from sqlalchemy_stairway.migrate import migrate
from sqlalchemy_stairway.seeding import seed_on_the_way
from tests.helpers import PROJECT, climb, stage_of


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", *args],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "STAIRWAY_LOCK_TIMEOUT": "120"},
    )


def waits_for_the_lock(observer: Connection, child: subprocess.Popen) -> bool:
    """Whether ``child`` is waiting for the migration lock ``observer``'s side holds."""
    dialect = observer.dialect.name
    if dialect == "postgresql":
        query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
    elif dialect == "mysql":
        query = (
            "SELECT count(*) FROM information_schema.processlist "
            "WHERE info LIKE 'SELECT GET_LOCK%%'"
        )
    else:
        held = lock_file(Path(observer.engine.url.database)).resolve()
        fds = Path(f"/proc/{child.pid}/fd")
        try:
            return any(Path(os.readlink(fd)) == held for fd in fds.iterdir())
        except (FileNotFoundError, ProcessLookupError):
            return False
    with observer.engine.connect() as other:
        return other.execute(text(query)).scalar_one() > 0


def wait_until_waiting(observer: Connection, child: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while not waits_for_the_lock(observer, child):
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the second run never waited for the lock"
        time.sleep(0.02)


def race(connection: Connection, *args: str) -> subprocess.CompletedProcess:
    """Run ``args`` while this side, holding the lock, moves the database from 3 to 5."""
    climb(connection, STAIRWAY[3])
    with migration_lock(connection):
        child = start(*args)
        try:
            wait_until_waiting(connection, child)
            migrate(STAIRWAY, connection, STAIRWAY[5], after_each=seed_on_the_way(STAIRWAY))
        except BaseException:
            child.kill()
            raise
    out, err = child.communicate(timeout=300)
    return subprocess.CompletedProcess(child.args, child.returncode, out, err)


def test_down_goes_one_below_where_the_database_is_once_it_holds_the_lock(scratch_url, connection):
    url = scratch_url.render_as_string(hide_password=False)
    result = race(connection, "invoke", "down", "--yes", "--url", url)
    assert result.returncode == 0, result.stderr
    # it found stage 5 under the lock: one stage down is 4, not 2
    assert stage_of(connection) == STAIRWAY[4]
    hashes = connection.execute(
        text("SELECT count(*) FROM user_account WHERE password_hash IS NOT NULL")
    ).scalar_one()
    connection.rollback()
    assert hashes > 0


def test_alembic_downgrade_minus_one_counts_from_where_the_database_is_under_the_lock(
    scratch_url, connection
):
    url = scratch_url.render_as_string(hide_password=False)
    result = race(
        connection, "alembic", "-x", f"url={url}", "-x", "allow_data_loss=true", "downgrade", "-1"
    )
    assert result.returncode == 0, result.stderr
    assert stage_of(connection) == STAIRWAY[4]
