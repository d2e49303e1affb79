"""Other clients writing while a migration runs: what the writers tests share.

A :class:`Writer` is another client, on its own connection, in its own
thread, that runs a few autocommitted statements and records which of them
committed.  :func:`let_in` starts one and waits until it has either
finished or is seen waiting for a lock the migration holds: the migration
then goes on, so a race between the two happens at a point the test chose,
not when the scheduler says.  :func:`pausing_before` runs such a hook
before chosen statements of the migration's connection.

After the run, :func:`lost_writes` names every committed write that is
not in the database: a password whose hash does not verify, a user or an
address missing.
"""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import URL, Connection, event, text

from scripts.passwords import verify_password
from sqlalchemy_stairway.check.engines import make_engine

WRITER_LOCK_WAIT = 30  # seconds: a writer outlasts the migration's locks, it does not give up
SEEN_WITHIN = 10  # seconds for a writer to finish or to be seen waiting

# InnoDB refreshes INNODB_TRX at most every 0.1 s, and not while it is read more often
POLL = 0.15
SESSION_ID = {"postgresql": "SELECT pg_backend_pid()", "mysql": "SELECT CONNECTION_ID()"}
LONG_LOCK_WAIT = {
    "postgresql": f"SET lock_timeout = '{WRITER_LOCK_WAIT}s'",
    "mysql": (
        f"SET SESSION innodb_lock_wait_timeout = {WRITER_LOCK_WAIT}, "
        f"lock_wait_timeout = {WRITER_LOCK_WAIT}"
    ),
}
WAITING = {
    "postgresql": "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :id",
    "mysql": (
        "SELECT (SELECT COUNT(*) FROM information_schema.PROCESSLIST "
        "WHERE ID = :id AND STATE LIKE '%lock%') + (SELECT COUNT(*) FROM "
        "information_schema.INNODB_TRX WHERE trx_mysql_thread_id = :id "
        "AND trx_state = 'LOCK WAIT')"
    ),
}


@dataclass
class Write:
    """One statement another client ran, and what it means once committed."""

    statement: str
    kind: str  # "password" (user_name, password), "user" (same), "address" (email)
    values: tuple
    committed: bool = False
    error: str = ""


@dataclass
class Writer:
    """Another client: its statements, run in a thread, each committed on its own."""

    url: URL
    writes: list[Write]
    session: int | None = None
    thread: threading.Thread | None = None
    ready: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        if not self.ready.wait(SEEN_WITHIN):
            raise AssertionError("a writer could not connect")

    def _run(self) -> None:
        engine = make_engine(self.url)
        try:
            with engine.connect() as connection:
                dialect = connection.dialect.name
                if dialect in SESSION_ID:
                    connection.execute(text(LONG_LOCK_WAIT[dialect]))
                    self.session = connection.execute(text(SESSION_ID[dialect])).scalar()
                connection.commit()
                self.ready.set()
                for write in self.writes:
                    try:
                        connection.execute(text(write.statement))
                        connection.commit()
                        write.committed = True
                    except Exception as exc:  # a refusal or a table gone: not committed
                        write.error = str(getattr(exc, "orig", exc)).splitlines()[0]
                        connection.rollback()
        finally:
            self.ready.set()
            engine.dispose()

    def done(self) -> bool:
        return self.thread is not None and not self.thread.is_alive()

    def join(self) -> None:
        assert self.thread is not None
        self.thread.join(WRITER_LOCK_WAIT * 2)
        assert not self.thread.is_alive(), "a writer never finished"


def is_waiting(observer: Connection, writer: Writer) -> bool:
    """True when ``writer`` waits for a lock (on SQLite: it is busy-waiting)."""
    dialect = observer.dialect.name
    if dialect not in WAITING:
        return False
    found = observer.execute(text(WAITING[dialect]), {"id": writer.session}).scalar()
    observer.rollback()
    return bool(found)


def what_it_does(observer: Connection, writer: Writer) -> str:
    """The server's word on what ``writer``'s session is doing (for failure messages)."""
    if observer.dialect.name == "postgresql":
        query = "SELECT state, wait_event, query FROM pg_stat_activity WHERE pid = :id"
    else:
        query = "SELECT COMMAND, STATE, INFO FROM information_schema.PROCESSLIST WHERE ID = :id"
    found = observer.execute(text(query), {"id": writer.session}).all()
    observer.rollback()
    return repr(found)


def let_in(observer: Connection, writer: Writer) -> Writer:
    """Start ``writer``; return once it has finished or waits for a lock."""
    writer.start()
    deadline = time.monotonic() + SEEN_WITHIN
    while not writer.done() and not is_waiting(observer, writer):
        if time.monotonic() > deadline:
            raise AssertionError(
                f"a writer neither finished nor waited for a lock: {what_it_does(observer, writer)}"
            )
        time.sleep(POLL)
    return writer


@contextmanager
def pausing_before(
    connection: Connection, chosen: Callable[[str], bool], hook: Callable[[str], None]
) -> Iterator[list[str]]:
    """Run ``hook(statement)`` before each statement on ``connection`` that ``chosen`` accepts."""
    seen: list[str] = []

    def pause(conn, cursor, statement, parameters, context, executemany) -> None:
        statement = " ".join(statement.split())
        if chosen(statement):
            seen.append(statement)
            hook(statement)

    event.listen(connection, "before_cursor_execute", pause)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", pause)


def writes_of_a_client(n: int, user_id: int) -> list[Write]:
    """What client ``n`` writes at stage 3: a changed password, a new user, new addresses."""
    return [
        Write(
            f"UPDATE users SET password = 'new-{n}' WHERE user_name = 'w{n}'",
            "password",
            (f"w{n}", f"new-{n}"),
        ),
        Write(
            f"INSERT INTO users (user_name, password) VALUES ('ins{n}', 'pw-{n}')",
            "user",
            (f"ins{n}", f"pw-{n}"),
        ),
        Write(
            f"INSERT INTO email_addresses (email_address, user_id) "
            f"VALUES ('w{n}@example.com', {user_id})",
            "address",
            (f"w{n}@example.com",),
        ),
        # an address of the user just inserted: one the migration read before may not know it
        Write(
            f"INSERT INTO email_addresses (email_address, user_id) SELECT "
            f"'ins{n}@example.com', user_id FROM users WHERE user_name = 'ins{n}'",
            "address",
            (f"ins{n}@example.com",),
        ),
    ]


def add_writers_users(connection: Connection, count: int) -> dict[int, int]:
    """Insert users w0..w<count-1> with the password 'old'; return n -> user_id."""
    ids = {}
    for n in range(count):
        connection.execute(
            text("INSERT INTO users (user_name, password) VALUES (:name, 'old')"),
            {"name": f"w{n}"},
        )
        ids[n] = connection.execute(
            text("SELECT user_id FROM users WHERE user_name = :name"), {"name": f"w{n}"}
        ).scalar()
    connection.commit()
    return ids


def lost_writes(connection: Connection, writes: list[Write]) -> list[str]:
    """Name each committed write the stage 4 database does not hold."""
    hashes = dict(connection.execute(text("SELECT name, password_hash FROM user_account")).all())
    emails = set(connection.execute(text("SELECT email_address FROM address")).scalars())
    connection.rollback()
    lost = []
    for write in writes:
        if not write.committed:
            continue
        if write.kind in ("password", "user"):
            name, password = write.values
            digest = hashes.get(name)
            if digest is None or not verify_password(password, digest):
                lost.append(f"{write.statement} (hash: {digest!r})")
        elif write.values[0] not in emails:
            lost.append(write.statement)
    return lost
