"""The migration's own session: what it sees of other clients' writes, and how strictly.

- **READ COMMITTED** for the whole run (PostgreSQL, MariaDB): each
  statement sees what other clients committed before it began.  A
  revision that reads, takes a lock, then reads again (revision 0004
  hashes passwords before its lock and re-reads those changed meanwhile)
  needs the second read to see the rows written in between; under
  REPEATABLE READ, a database's or a server's default, it would see the
  first read's snapshot and miss them.  A revision cannot change this
  itself: the level is fixed once its transaction has run a query, so
  env.py sets it before the transaction begins (:func:`read_committed`).
- **A strict sql_mode** (MariaDB): without ``STRICT_TRANS_TABLES`` or
  ``STRICT_ALL_TABLES`` MariaDB cuts a value too long for its column and
  turns a NULL into ``''`` with a warning instead of an error, so a
  migration that narrows a column would lose data silently.  Such a
  session is refused (:func:`refuse_lax_sql_mode`).
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.transactions import reading, require_no_transaction

READ_COMMITTED = "READ COMMITTED"
STRICT_MODES = ("STRICT_TRANS_TABLES", "STRICT_ALL_TABLES")


@contextmanager
def read_committed(connection: Connection) -> Iterator[Connection]:
    """Run the block at READ COMMITTED (PostgreSQL, MariaDB); then the engine's default again.

    ``connection`` must have no transaction open, on entry and on exit.
    """
    if connection.dialect.name not in ("postgresql", "mysql"):
        yield connection
        return
    require_no_transaction(connection, "setting the migration's isolation level")
    connection.execution_options(isolation_level=READ_COMMITTED)
    try:
        yield connection
    finally:
        if connection.in_transaction():
            connection.rollback()
        connection.execution_options(isolation_level=connection.default_isolation_level)


def refuse_lax_sql_mode(connection: Connection) -> None:
    """Refuse a MariaDB session whose sql_mode lets a value be cut or changed without an error."""
    if connection.dialect.name != "mysql":
        return
    with reading(connection):
        mode = connection.execute(text("SELECT @@SESSION.sql_mode")).scalar() or ""
    if not any(strict in mode.split(",") for strict in STRICT_MODES):
        raise StairwayError(
            f"the session's sql_mode ({mode or 'empty'}) has neither STRICT_TRANS_TABLES nor "
            "STRICT_ALL_TABLES: MariaDB would cut a value too long for its column, or turn a "
            "NULL into '', without an error. Remove the sql_mode setting from the URL or the "
            "server's configuration (its default is strict). Nothing was changed."
        )
