"""Stage 4's part of the benchmark: its floor's hashing step, and its own two measurements.

- The floor hashes the passwords in Python, one at a time, between reading
  them and writing the hashes (:class:`HashPasswords`).
- *Hashing throughput*: stage 4 on 500 passwords at the revision's 600,000
  iterations, against ``hashlib.pbkdf2_hmac`` alone on one core, timed on a
  sample: the revision hashes on every core, so it should reach
  0.85 x cores x that.
- *Blocked writers*: the same migration again, with another client writing
  one row of ``users`` (or ``user_account``, once it exists) in a loop; the
  time its writes spend waiting on a lock, added up, must stay under 2 s.
  SQLite is left out: its migration holds the write lock from ``BEGIN
  IMMEDIATE`` on, by design (see the stage 4 lesson).
"""

import hashlib
import os
import threading
import time
from dataclasses import dataclass

from sqlalchemy import URL, Connection, text
from sqlalchemy.exc import DBAPIError

from scripts.passwords import ITERATIONS, hash_password
from sqlalchemy_stairway.bench.floor import FloorRun, FloorStep
from sqlalchemy_stairway.bench.machine import cores
from sqlalchemy_stairway.bench.targets import MeasureContext, Measured, Target
from sqlalchemy_stairway.check.engines import make_engine
from sqlalchemy_stairway.migrate import migrate
from sqlalchemy_stairway.stages import Stage

PASSWORDS = 500
FLOOR_SAMPLE = 8  # passwords hashed on one core for the floor
THROUGHPUT_SHARE = 0.85  # of cores x the one-core floor
MOST_BLOCKED_SECONDS = 2.0
# a probe write slower than this waited for a lock; a plain write takes milliseconds
BLOCKED_AFTER = 0.1
# one row of whichever table exists: users before the rename, user_account after it
PROBE_WRITES = (
    "UPDATE users SET number = coalesce(number, 0) + 1 WHERE user_id = 2",
    "UPDATE user_account SET number = coalesce(number, 0) + 1 WHERE id = 2",
)


@dataclass(frozen=True)
class HashPasswords(FloorStep):
    """The floor's one Python step: read the passwords, hash them one by one, write the hashes."""

    read: str
    write: str  # "{marker}" stands for the driver's parameter marker

    def run(self, floor: FloorRun) -> None:
        passwords = floor.execute(self.read).fetchall()
        iterations = floor.attributes.get("password_iterations", ITERATIONS)
        with floor.python():
            hashes = [(hash_password(pw, iterations), uid) for uid, pw in passwords]
        floor.executemany(self.write.format(marker=floor.marker), hashes)


def add_passwords(connection: Connection, count: int) -> None:
    """Give ``count`` new users a password each (stage 3's users table)."""
    connection.execute(
        text("INSERT INTO users (user_name, password) VALUES (:name, :password)"),
        [{"name": f"hasher{i}", "password": f"pw{i}"} for i in range(1, count + 1)],
    )
    connection.commit()


def one_core_rate(iterations: int, sample: int) -> float:
    """Return hashes per second of ``hashlib.pbkdf2_hmac`` alone, one after another."""
    start = time.perf_counter()
    for i in range(sample):
        hashlib.pbkdf2_hmac("sha256", f"pw{i}".encode(), b"a-16-byte-salt!!", iterations)
    return sample / (time.perf_counter() - start)


def hashing_throughput(
    context: MeasureContext,
    stage: Stage,
    passwords: int = PASSWORDS,
    iterations: int = ITERATIONS,
    sample: int = FLOOR_SAMPLE,
) -> Measured:
    """Stage 4's hashes per second against one core's, times the cores."""
    stairway = context.plan.stairway
    report: dict = {}
    with context.database_at(stairway.previous(stage)) as (_, connection):
        add_passwords(connection, passwords)
        with context.console.status(f"{stage.label}: hashing {passwords:,} passwords"):
            migrate(
                stairway, connection, stage, password_iterations=iterations, password_hashing=report
            )
    with context.console.status(f"hashing {sample} passwords on one core, for the floor"):
        floor = one_core_rate(iterations, sample)
    rate = report["passwords"] / report["seconds"]
    workers = cores()
    # other work on the machine takes cores from the pool, not from the one-core floor
    load = os.getloadavg()[0]
    return Measured(
        "hashing throughput",
        data={
            **report,
            "hashes_per_second": rate,
            "one_core_floor": floor,
            "cores": workers,
            "load_average": load,
        },
        targets=[
            Target(
                "hashing throughput",
                rate,
                THROUGHPUT_SHARE * workers * floor,
                "hashes/s",
                at_least=True,
                how=f"{THROUGHPUT_SHARE} x {workers} cores x {floor:.2f} hashes/s on one core, "
                f"{report['passwords']:,} passwords at {iterations:,} iterations",
                reason=f"load average {load:.1f} on {workers} cores",
            )
        ],
    )


class Probe(threading.Thread):
    """Another client: writes one row in a loop, timing each write."""

    def __init__(self, url: URL) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.stop = threading.Event()
        self.writing = threading.Event()  # set once a first write went through
        self.waits: list[float] = []  # seconds of each write slower than BLOCKED_AFTER
        self.writes = self.errors = 0
        self.failure: BaseException | None = None

    def run(self) -> None:
        engine = make_engine(self.url)
        try:
            with engine.connect() as connection:
                statements = list(PROBE_WRITES)
                while not self.stop.is_set():
                    self.write_once(connection, statements)
        except BaseException as exc:  # reported by the caller, which is the one that can
            self.failure = exc
            self.writing.set()
        finally:
            engine.dispose()

    def write_once(self, connection: Connection, statements: list[str]) -> None:
        start = time.perf_counter()
        try:
            connection.execute(text(statements[0]))
            connection.commit()
            self.writes += 1
            self.writing.set()
        except DBAPIError:
            # the table was renamed under it: an error, not a wait (unless it waited first)
            connection.rollback()
            self.errors += 1
            statements.reverse()
        seconds = time.perf_counter() - start
        if seconds > BLOCKED_AFTER:
            self.waits.append(seconds)


def blocked_writers(
    context: MeasureContext,
    stage: Stage,
    passwords: int = PASSWORDS,
    iterations: int = ITERATIONS,
) -> Measured:
    """How long another client's writes to users wait while stage 4 migrates."""
    name = "blocked writers"
    if context.dialect == "sqlite":
        return Measured(
            name,
            skipped="not measured on SQLite: its migration holds the write lock from BEGIN "
            "IMMEDIATE to COMMIT, so writers wait for all of it (see the stage 4 lesson)",
        )
    stairway = context.plan.stairway
    report: dict = {}
    with context.database_at(stairway.previous(stage)) as (url, connection):
        add_passwords(connection, passwords)
        probe = Probe(url)
        probe.start()
        probe.writing.wait(timeout=30)
        try:
            with context.console.status(f"{stage.label} with another client writing"):
                start = time.perf_counter()
                migrate(
                    stairway,
                    connection,
                    stage,
                    password_iterations=iterations,
                    password_hashing=report,
                )
                seconds = time.perf_counter() - start
        finally:
            probe.stop.set()
            probe.join()
    if probe.failure is not None:
        raise probe.failure
    blocked = sum(probe.waits)
    return Measured(
        name,
        data={
            **report,
            "migration_seconds": seconds,
            "blocked_seconds": blocked,
            "longest_wait": max(probe.waits, default=0.0),
            "waits": len(probe.waits),
            "probe_writes": probe.writes,
            "probe_errors": probe.errors,
        },
        targets=[
            Target(
                "another client blocked on users",
                blocked,
                MOST_BLOCKED_SECONDS,
                "s",
                at_least=False,
                how=f"during a {seconds:.1f} s migration hashing {report['passwords']:,} "
                f"passwords at {iterations:,} iterations",
                reason=f"{probe.writes:,} writes went through, {len(probe.waits)} waited "
                f"(longest {max(probe.waits, default=0.0):.2f} s)",
            )
        ],
    )
