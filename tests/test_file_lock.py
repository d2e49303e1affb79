"""SQLite's migration lock (sqlalchemy_stairway.check.file_lock)."""

import subprocess
import sys

import pytest

from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.check.file_lock import lock_file, sqlite_file_lock

HOLD_IN_ANOTHER_PROCESS = """
import fcntl, os, sys
descriptor = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(descriptor, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""


def test_the_lock_file_sits_beside_the_database(tmp_path):
    assert lock_file(tmp_path / "tutorial.db") == tmp_path / "tutorial.db.lock"


def test_a_second_process_is_refused_in_one_sentence_when_it_cannot_wait(tmp_path):
    database = tmp_path / "t.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_IN_ANOTHER_PROCESS, str(lock_file(database))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        refused = pytest.raises(StairwayError, match="another migration run holds the lock")
        with refused, sqlite_file_lock(database, timeout=0):
            pass
    finally:
        holder.communicate("")
    with sqlite_file_lock(database, timeout=0):  # free again once the holder is gone
        pass


def test_the_lock_is_reentrant_within_a_process_and_private_to_its_owner(tmp_path):
    database = tmp_path / "t.db"
    with sqlite_file_lock(database, timeout=0):
        with sqlite_file_lock(database, timeout=0):
            pass
        with sqlite_file_lock(database, timeout=0):
            pass
    assert lock_file(database).stat().st_mode & 0o777 == 0o600
