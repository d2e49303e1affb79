"""Who owns a transaction: the caller, with one exception.

- Functions that only read use :func:`reading`: they read inside the
  caller's transaction when one is open, else inside their own, which
  they end (rolled back: they wrote nothing).  They never commit.
- Functions that write (seeding) write inside the caller's transaction
  and never commit; the caller commits, or uses ``connection.begin()``.
- An Alembic run (:func:`sqlalchemy_stairway.migrate.migrate`) begins and
  commits its own transaction, so it needs a connection with none open,
  and says so when it is handed one: it never commits or discards
  anything of the caller's.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection


@contextmanager
def reading(connection: Connection) -> Iterator[Connection]:
    """Read in the caller's transaction, or in one of our own that ends afterwards."""
    if connection.in_transaction():
        yield connection
        return
    try:
        yield connection
    finally:
        if connection.in_transaction():
            connection.rollback()


def require_no_transaction(connection: Connection, what: str) -> None:
    """Fail if the caller left a transaction open where ``what`` must begin its own."""
    if connection.in_transaction():
        raise RuntimeError(
            f"{what} begins and commits its own transaction; commit or roll back the caller's first"
        )
