"""Where a move that failed or was cut short (Ctrl-C) left the database, in one sentence.

PostgreSQL and SQLite roll a failed move back whole: nothing was changed.
MariaDB commits each DDL statement, so the revisions before the one that
failed stay done, and a revision cut short in the middle is half-way
(:mod:`sqlalchemy_stairway.interrupted`), which running the move again
finishes.  A message that says "Nothing was changed" after that is untrue;
this module says what is true, read from the database after the fact.
"""

from sqlalchemy import Connection

from sqlalchemy_stairway.interrupted import find_interrupted
from sqlalchemy_stairway.migrate import current_stage
from sqlalchemy_stairway.stages import Stage, Stairway

NOTHING_CHANGED = " Nothing was changed."


def read_stage(stairway: Stairway, connection: Connection) -> Stage | None:
    """Return the stage the database is stamped at after a failure; None if it cannot be read.

    A statement cut short leaves the connection invalidated and a failed one
    its transaction aborted: both are rolled back first (an invalidated
    connection then reconnects).
    """
    try:
        if connection.invalidated or connection.in_transaction():
            connection.rollback()
        return current_stage(stairway, connection)
    except Exception:  # the first error says more than a second one would
        return None


def aftermath(stairway: Stairway, connection: Connection, before: Stage | None, again: str) -> str:
    """Return what a move from ``before`` that stopped left behind, and how to go on.

    ``again`` is how to finish or go on, in the caller's words ("run the
    same command again").
    """
    now = read_stage(stairway, connection)
    if now is None:
        return "Where the database is now could not be read; `alembic current` says."
    try:
        interrupted = find_interrupted(stairway, connection, now)
    except Exception:  # naming the half-done step is a courtesy; the stamp is what counts
        interrupted = None
    finally:
        if connection.in_transaction():
            connection.rollback()
    if interrupted is not None:
        way = "up" if interrupted.upgrading else "down"
        return (
            f"The database is stamped at {now.label}, and the move {way} to stage "
            f"{interrupted.target.number} stopped half-way, after {interrupted.step} (this "
            f"database cannot roll DDL back); {again} to finish it."
        )
    if before is not None and now != before:
        return (
            f"The revisions before it were committed (this database cannot roll DDL back): "
            f"the database is at {now.label} now, not {before.label}; {again} to go on."
        )
    return f"Nothing was changed: the database is at {now.label} still."


def truthful(said: str, told: str) -> str:
    """Return ``said`` (a failure's own words) without a "Nothing was changed." ``told`` denies."""
    if told.startswith("Nothing was changed"):
        return said if said.endswith(NOTHING_CHANGED) else f"{said.rstrip('.')}. {told}"
    return f"{said.removesuffix(NOTHING_CHANGED).rstrip('.')}. {told}"
