"""SQLite rows whose foreign key points at no row: those a migration made, and older ones.

SQLite migrations run with foreign keys off (batch mode rebuilds a table
by copy, drop and rename, which a live foreign key would refuse), so
env.py runs ``PRAGMA foreign_key_check`` itself before it commits.  A
database can hold such rows before the run: SQLite enforces foreign keys
only on connections that ask, so any other client may have written them.
Those are not the migration's doing.  :class:`OrphanWatch` notes them just
before the run's first statement that moves rows (only such a statement
can make one, so a run that moves none costs no scan), follows the tables
the run renames, and tells new orphans from old ones at the end.
"""

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from sqlalchemy import Connection, event

ROW_MOVING = ("INSERT", "UPDATE", "DELETE", "DROP TABLE")
RENAME = re.compile(r'^ALTER TABLE\s+"?(\w+)"?\s+RENAME TO\s+"?(\w+)"?', re.IGNORECASE)
SHOWN = 5


@dataclass(frozen=True)
class Orphan:
    """A row of ``table`` whose foreign key to ``parent`` finds no row there."""

    table: str
    rowid: int | None
    parent: str


def orphans(db: sqlite3.Connection) -> set[Orphan]:
    """Return every orphan in the database, as ``PRAGMA foreign_key_check`` finds them."""
    found = db.execute("PRAGMA foreign_key_check").fetchall()
    return {Orphan(table, rowid, parent) for table, rowid, parent, _ in found}


class OrphanWatch:
    """What a run's statements did to the orphans: see the module's docstring."""

    def __init__(self) -> None:
        self.before: set[Orphan] | None = None  # None: no statement moved rows yet

    def see(self, db: sqlite3.Connection, statement: str) -> None:
        """Look at ``statement`` before it runs on ``db``."""
        upper = statement.upper()
        if self.before is None:
            if upper.startswith(ROW_MOVING) and "ALEMBIC_VERSION" not in upper:
                self.before = orphans(db)
            return
        renamed = RENAME.match(statement)
        if renamed:
            old, new = renamed.groups()
            self.before = {
                replace(
                    each,
                    table=new if each.table == old else each.table,
                    parent=new if each.parent == old else each.parent,
                )
                for each in self.before
            }

    def after(self, db: sqlite3.Connection) -> tuple[list[Orphan], list[Orphan]]:
        """Return (orphans the run made, orphans it found and left as they were)."""
        if self.before is None:
            return [], []
        now = orphans(db)
        order = sorted(now, key=lambda o: (o.table, o.parent, o.rowid or 0))
        return [o for o in order if o not in self.before], [o for o in order if o in self.before]


@contextmanager
def watching_orphans(connection: Connection) -> Iterator[OrphanWatch]:
    """Yield an :class:`OrphanWatch` that sees every statement run on ``connection``."""
    watch = OrphanWatch()

    def see(conn, cursor, statement, parameters, context, executemany):
        watch.see(cursor.connection, statement.strip())

    event.listen(connection, "before_cursor_execute", see)
    try:
        yield watch
    finally:
        event.remove(connection, "before_cursor_execute", see)


def described(db: sqlite3.Connection, found: list[Orphan]) -> str:
    """Return the first few of ``found`` in words: which row, which key, pointing where."""
    said = [_one(db, each) for each in found[:SHOWN]]
    more = len(found) - SHOWN
    return "; ".join(said) + (f"; and {more} more" if more > 0 else "")


def _one(db: sqlite3.Connection, orphan: Orphan) -> str:
    keys = db.execute(f'PRAGMA foreign_key_list("{orphan.table}")').fetchall()
    columns = [row[3] for row in keys if row[2] == orphan.parent]
    values = ""
    if columns and orphan.rowid is not None:
        listed = ", ".join(f'"{c}"' for c in columns)
        row = db.execute(
            f'SELECT {listed} FROM "{orphan.table}" WHERE rowid = ?', (orphan.rowid,)
        ).fetchone()
        if row is not None:
            values = ", ".join(f"{c} = {v!r}" for c, v in zip(columns, row, strict=True)) + ", "
    return f"{orphan.table} row {orphan.rowid} ({values}no such {orphan.parent} row)"
