"""Hashing a column of secrets outside the migration's lock: two operations on ``op``.

A salted hash is slow on purpose (PBKDF2-SHA256 at 600,000 iterations: a
quarter of a second of CPU each), so computing it while a table is locked
would keep every client of that table waiting.  The work is split:

- ``op.prehash_column(table, source, key=..., check_first=None)``,
  **before the lock**: reads every non-NULL ``source`` value (a plain
  read: no lock that stops other clients), hashes them on every core, and
  returns a :class:`Prehashed` that holds, per key, the value hashed and
  its hash.  ``check_first``, a callable, runs between the read and the
  hashing when there is anything to hash: a revision refuses data it
  cannot migrate there, not after minutes of hashing (and pays nothing
  for it when there is nothing to hash).
  Nothing is written, so a run killed here leaves the database as it was.
  On SQLite a value that is not text (a BLOB) or not valid UTF-8 is
  refused, naming the keys only, never the value.
- ``op.write_hashes(prehashed, target)``, **under the lock** (after
  ``op.block_writers``) and after ``target`` was added: reads ``source``
  again, at READ COMMITTED (env.py), keeps the hash of each value that is
  unchanged, hashes again each value changed or added meanwhile, forgets
  the deleted ones, and writes ``target`` in batches.  It says in one line
  on stderr what the hashing cost, and hands the figures to a caller that
  put a dict in ``config.attributes["password_hashing"]``.

Both do nothing but print a ``-- here ...`` note in offline ``--sql``
mode, and both do nothing when ``source`` is gone already (a run killed
later on MariaDB, where the hashes were written before the drop).
``config.attributes["password_iterations"]`` overrides the iteration
count (tests, checks); ``config.attributes["before_the_lock"]``, a
callable, runs once the hashing is done (tests make other clients write
there).

The hash format is Django's ``pbkdf2_sha256$<iterations>$<salt>$<hash>``.
Reads are streamed in batches; the values hashed before the lock are
held in memory until they are written.
"""

import base64
import hashlib
import itertools
import os
import secrets
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa
from alembic import context
from alembic.operations import MigrateOperation, Operations
from alembic.util import CommandError
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

from sqlalchemy_stairway.ops import note_refusal

PASSWORD_ITERATIONS = 600_000  # OWASP's 2023 figure for PBKDF2-HMAC-SHA256
BATCH_SIZE = 1000  # rows read or written at a time
PROGRESS_BAR_FROM = 300  # fewer values than this get one summary line, never a bar
SHOWN_KEYS = 5


def hash_password(password: str, iterations: int = PASSWORD_ITERATIONS) -> str:
    """Return a salted PBKDF2-SHA256 hash of ``password`` in Django's format."""
    salt = secrets.token_urlsafe(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode()}"


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


def hash_all(values: dict, iterations: int, description: str) -> dict:
    """Return key -> hash for ``values``, hashed on every core.

    ``hashlib.pbkdf2_hmac`` releases the GIL while it works, so threads
    hash in parallel; they only compute, and never touch the database.
    """
    if not values:
        return {}
    pool = ThreadPoolExecutor(max_workers=min(cores(), len(values)))
    try:
        with progress_shown(len(values), description) as advance:
            hashes = {}
            for key, hashed in zip(
                values,
                pool.map(hash_password, values.values(), itertools.repeat(iterations)),
                strict=True,
            ):
                hashes[key] = hashed
                advance()
    finally:
        # an interrupted run does not wait for the values not started yet
        pool.shutdown(cancel_futures=True)
    return hashes


@dataclass
class Prehashed:
    """Values of ``table.source`` hashed before the lock, with the value each hash is of."""

    table: str
    source: str
    key: str
    iterations: int
    values: dict = field(default_factory=dict)
    hashes: dict = field(default_factory=dict)
    seconds: float = 0.0


def _iterations() -> int:
    return context.config.attributes.get("password_iterations", PASSWORD_ITERATIONS)


def _has_column(bind: sa.Connection, table: str, column: str) -> bool:
    inspector = sa.inspect(bind)
    return inspector.has_table(table) and column in {
        c["name"] for c in inspector.get_columns(table)
    }


def _read_values(bind: sa.Connection, table: str, source: str, key: str) -> Iterator[tuple]:
    """Yield (key, value) of every non-NULL ``source``, streamed; refuse what is not text."""
    column = sa.column(source)
    sqlite = bind.dialect.name == "sqlite"
    # SQLite: read the bytes, so that a value that is not UTF-8 is named, not printed
    read = sa.cast(column, sa.LargeBinary) if sqlite else column
    kinds = [sa.func.typeof(column)] if sqlite else []
    query = (
        sa.select(sa.column(key), read, *kinds)
        .select_from(sa.table(table))
        .where(column.is_not(None))
        .execution_options(yield_per=BATCH_SIZE)
    )
    blobs, undecodable = [], []
    for row in bind.execute(query):
        value = row[1]
        if sqlite:
            if row[2] == "blob":
                blobs.append(row[0])
                continue
            try:
                value = bytes(value).decode("utf-8")
            except UnicodeDecodeError:
                undecodable.append(row[0])
                continue
        yield row[0], value
    if blobs:
        _refuse(
            blobs,
            f"{source}s stored as bytes (BLOB), not text, cannot be hashed ({key})",
            f"Store each as text, e.g. UPDATE {table} SET {source} = CAST({source} AS TEXT) "
            f"WHERE typeof({source}) = 'blob', or set it to NULL",
        )
    if undecodable:
        _refuse(
            undecodable,
            f"{source}s that are not valid UTF-8 text cannot be hashed ({key})",
            "Store each as the UTF-8 text it stands for, or set it to NULL",
        )


def _refuse(keys: list, problem: str, fix: str) -> None:
    note_refusal(problem)
    shown = ", ".join(repr(k) for k in keys[:SHOWN_KEYS])
    more = " and more" if len(keys) > SHOWN_KEYS else ""
    raise CommandError(f"{problem}: {shown}{more}. {fix}. Nothing was changed.")


@Operations.register_operation("prehash_column")
class PrehashColumnOp(MigrateOperation):
    """Hash ``table.source`` before the lock; see the module's docstring."""

    def __init__(
        self, table: str, source: str, key: str, check_first: Callable[[], None] | None = None
    ) -> None:
        self.table, self.source, self.key = table, source, key
        self.check_first = check_first

    @classmethod
    def prehash_column(
        cls,
        operations: Operations,
        table: str,
        source: str,
        *,
        key: str,
        check_first: Callable[[], None] | None = None,
    ) -> Prehashed | None:
        """Hash every value of ``table.source`` now, before the revision takes its lock.

        Contract: online, reads ``key`` and every non-NULL ``source`` (a
        table without ``source`` gives nothing to hash), calls
        ``check_first()`` when it read any value, hashes each value on
        every core, and returns them as :class:`Prehashed` for
        :meth:`~WriteHashesOp.write_hashes`; on SQLite a value that is
        not text (a BLOB) or not valid UTF-8 stops the run with one line
        naming its row's ``key``, never the value.  It writes nothing and
        takes no lock that stops other clients, who keep writing
        meanwhile.  Offline (``--sql``) it hashes nothing, notes where it
        would, and returns None.
        """
        return operations.invoke(cls(table, source, key, check_first))


@Operations.implementation_for(PrehashColumnOp)
def _prehash_column(operations: Operations, operation: PrehashColumnOp) -> Prehashed | None:
    table, source = operation.table, operation.source
    operations.note_sql(f"here the online upgrade hashes every {table}.{source}, before the lock")
    if operations.get_context().as_sql:
        return None
    prehashed = Prehashed(table, source, operation.key, _iterations())
    bind = operations.get_bind()
    if _has_column(bind, table, source):
        start = time.perf_counter()
        prehashed.values = dict(_read_values(bind, table, source, operation.key))
        if prehashed.values and operation.check_first is not None:
            operation.check_first()
        prehashed.hashes = hash_all(
            prehashed.values, prehashed.iterations, f"hashing {table}.{source}"
        )
        prehashed.seconds = time.perf_counter() - start
    pause = context.config.attributes.get("before_the_lock")
    if pause is not None:
        pause()
    return prehashed


@Operations.register_operation("write_hashes")
class WriteHashesOp(MigrateOperation):
    """Write the hashes of ``prehashed`` into ``target``; see the module's docstring."""

    def __init__(self, prehashed: Prehashed | None, target: str) -> None:
        self.prehashed, self.target = prehashed, target

    @classmethod
    def write_hashes(cls, operations: Operations, prehashed: Prehashed | None, target: str) -> None:
        """Write the hashes of ``prehashed`` into column ``target``, under the lock.

        Contract: call it after :meth:`~sqlalchemy_stairway.ops.BlockWritersOp.block_writers`.
        It reads the source column again, keeps the hash of every value
        that did not change since :meth:`~PrehashColumnOp.prehash_column`,
        hashes again only the rows that changed or appeared meanwhile,
        forgets the rows deleted meanwhile, and writes every row's hash
        with batched ``UPDATE`` statements;
        one line on stderr says what it cost.  With ``prehashed`` None
        (offline) or a table that no longer has the source column (a
        killed run got further), it writes nothing.
        """
        return operations.invoke(cls(prehashed, target))


@Operations.implementation_for(WriteHashesOp)
def _write_hashes(operations: Operations, operation: WriteHashesOp) -> None:
    operations.note_sql("here it writes the hashes, re-hashing the passwords changed meanwhile")
    done = operation.prehashed
    bind = None if operations.get_context().as_sql else operations.get_bind()
    if done is None or bind is None or not _has_column(bind, done.table, done.source):
        return
    start = time.perf_counter()
    hashes, changed = {}, {}
    for key, value in _read_values(bind, done.table, done.source, done.key):
        if done.values.get(key) == value:
            hashes[key] = done.hashes[key]
        else:
            changed[key] = value
    hashes |= hash_all(changed, done.iterations, f"hashing {done.table}.{done.source} again")
    rehashing = time.perf_counter() - start
    table = sa.table(done.table, sa.column(done.key), sa.column(operation.target))
    update = (
        table.update()
        .where(table.c[done.key] == sa.bindparam("k"))
        .values({operation.target: sa.bindparam("digest")})
    )
    rows = iter(hashes.items())
    while batch := list(itertools.islice(rows, BATCH_SIZE)):
        bind.execute(update, [{"k": key, "digest": digest} for key, digest in batch])
    _report(done, len(changed), rehashing)


def _report(done: Prehashed, rehashed: int, rehashing: float) -> None:
    """Say in one line what the hashing cost; hand the numbers to a caller that asked."""
    hashed = len(done.values)
    workers = min(cores(), hashed) if hashed else 0
    found = context.config.attributes.get("password_hashing")
    if isinstance(found, dict):
        found.update(
            passwords=hashed,
            rehashed=rehashed,
            seconds=done.seconds,
            rehashing_seconds=rehashing,
            iterations=done.iterations,
            workers=workers,
        )
    if not (hashed or rehashed):
        return
    rate = f" ({hashed / done.seconds:,.1f} per second)" if done.seconds and hashed else ""
    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"{done.table}.{done.source}: hashed {hashed:,} password{'s' * (hashed != 1)} at "
        f"{done.iterations:,} iterations in {done.seconds:.1f} s on {workers} "
        f"thread{'s' * (workers != 1)}{rate}, before the lock; "
        f"{rehashed:,} changed meanwhile, re-hashed under it"
    )


# -- what a drop leaves in the file ----------------------------------------------------------

SECURE_DELETE_BEFORE = "secure_delete_before"  # connection.info: the setting to restore


@Operations.register_operation("zero_freed_space")
class ZeroFreedSpaceOp(MigrateOperation):
    """SQLite: overwrite what is deleted with zeros until the revision ends."""

    @classmethod
    def zero_freed_space(cls, operations: Operations) -> None:
        """On SQLite, overwrite with zeros what the revision frees, until it ends.

        Contract: on SQLite, ``PRAGMA secure_delete`` is on from this call
        until the revision ends (or until ``op.stop_zeroing_freed_space()``),
        and its previous value is put back then (env.py calls
        :func:`restore_freed_space`): a dropped
        column's or table's pages keep no copy of the old values in the
        file.  On other databases, and offline, it does nothing.
        """
        return operations.invoke(cls())


@Operations.implementation_for(ZeroFreedSpaceOp)
def _zero_freed_space(operations: Operations, operation: ZeroFreedSpaceOp) -> None:
    """Dropping a column or a table puts its pages on SQLite's free list, data and all.

    With ``secure_delete`` on, freed pages and cells are overwritten with
    zeros instead.  The setting comes back after the revision
    (:func:`restore_freed_space`, which env.py calls).
    """
    migration = operations.get_context()
    if migration.dialect.name != "sqlite":
        return
    if migration.as_sql:
        operations.execute("PRAGMA secure_delete = ON")
        return
    bind = operations.get_bind()
    bind.info.setdefault(
        SECURE_DELETE_BEFORE, bind.exec_driver_sql("PRAGMA secure_delete").scalar()
    )
    bind.exec_driver_sql("PRAGMA secure_delete = ON")


@Operations.register_operation("stop_zeroing_freed_space")
class StopZeroingFreedSpaceOp(MigrateOperation):
    """SQLite: stop overwriting what is deleted with zeros, before the revision ends."""

    @classmethod
    def stop_zeroing_freed_space(cls, operations: Operations) -> None:
        """Put ``secure_delete`` back as it was before ``op.zero_freed_space()``.

        Contract: on SQLite, online, the connection's setting is the one
        it had before the revision's ``op.zero_freed_space()``, so what is
        deleted from here on is freed at full speed (zeroing doubles what
        a ``DROP TABLE`` costs); call it once the table that held the
        secrets is gone.  Elsewhere, and offline (where the setting to go
        back to is not known, so the zeroing lasts to the end), it does
        nothing.
        """
        return operations.invoke(cls())


@Operations.implementation_for(StopZeroingFreedSpaceOp)
def _stop_zeroing_freed_space(operations: Operations, operation: StopZeroingFreedSpaceOp) -> None:
    migration = operations.get_context()
    if migration.dialect.name == "sqlite" and not migration.as_sql:
        restore_freed_space(operations.get_bind())


def restore_freed_space(connection: sa.Connection) -> None:
    """Put ``secure_delete`` back as it was before :class:`ZeroFreedSpaceOp` (SQLite)."""
    before = connection.info.pop(SECURE_DELETE_BEFORE, None)
    if before is not None:
        connection.exec_driver_sql(f"PRAGMA secure_delete = {int(before)}")
