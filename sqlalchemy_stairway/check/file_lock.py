"""SQLite's migration lock: an exclusive ``flock`` on ``<database>.lock``.

SQLite's own write lock lasts one transaction, but a task decides where to
go (one stage down, say) before its migration's transaction begins; a
second run that slips in between would make that decision stale.  So a
run holds this lock from its first reading to its last write, as the
advisory locks do on PostgreSQL and MariaDB.  A separate file, because
closing any descriptor of the database file itself would drop SQLite's
own POSIX locks held by this process.  Re-entrant within a process: a
task holds it around an Alembic run whose env.py takes it again.
"""

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy_stairway.check.errors import StairwayError

# how often a waiting run tries again; flock has no timeout of its own
RETRY_SECONDS = 0.05

_held: dict[Path, list] = {}  # lock file -> [descriptor, depth]


def lock_file(database: Path) -> Path:
    """Return the lock file beside ``database``."""
    return database.with_name(database.name + ".lock")


@contextmanager
def sqlite_file_lock(database: Path, timeout: float) -> Iterator[None]:
    """Hold the lock of ``database``'s file, waiting up to ``timeout`` seconds (0: not at all)."""
    path = lock_file(database).resolve()
    if path in _held:
        _held[path][1] += 1
        try:
            yield
        finally:
            _held[path][1] -= 1
        return
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StairwayError(
                        "another migration run holds the lock and did not finish in time; "
                        "try again when it is done (or raise $STAIRWAY_LOCK_TIMEOUT)"
                    ) from None
                time.sleep(RETRY_SECONDS)
        _held[path] = [descriptor, 1]
        try:
            yield
        finally:
            del _held[path]
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
