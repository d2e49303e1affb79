"""A move between stages that was killed half-way, found and named.

On a database that commits each DDL statement on its own (MariaDB), a run
killed in the middle of a revision leaves its first steps done and the
version stamp where it was.  The stamp says which two revisions can be
half-way: the upgrade to the next stage, or the downgrade from this one.
Each is read as the operations its ``upgrade()`` or ``downgrade()`` would
run (:func:`sqlalchemy_stairway.resumable.recorded`), and the move is named
by the last of them found done ("stage 4 was interrupted after renaming
users to user_account").  Rerunning the same move finishes it, since each
operation skips itself when it finds its change done.

A revision written before resumable operations may still list its steps
(``UPGRADE_STEPS``, ``DOWNGRADE_STEPS``: see :mod:`sqlalchemy_stairway.ops`);
those are read instead.
"""

from dataclasses import dataclass

from sqlalchemy import Connection, inspect

from sqlalchemy_stairway.ops import rolls_back_ddl, step_name, steps_done
from sqlalchemy_stairway.resumable import last_done
from sqlalchemy_stairway.stages import Stage, Stairway
from sqlalchemy_stairway.transactions import reading


@dataclass(frozen=True)
class Interrupted:
    """A move to ``target`` stopped after ``step``, the last step found done."""

    target: Stage
    upgrading: bool
    step: str

    def finished_by(self, target: Stage) -> bool:
        """True when moving to ``target`` runs the interrupted revision to its end."""
        if self.upgrading:
            return target.number >= self.target.number
        return target.number <= self.target.number

    def __str__(self) -> str:
        move = (
            f"stage {self.target.number}"
            if self.upgrading
            else f"the move down to stage {self.target.number}"
        )
        return (
            f"{move} was interrupted after {self.step}; "
            f"run `invoke stage {self.target.number}` to finish it"
        )


def find_interrupted(stairway: Stairway, connection: Connection, stamped: Stage):
    """Return the move half-way at ``stamped`` (the stage the stamp says), or None."""
    if rolls_back_ddl(connection):
        return None  # a killed run was rolled back whole
    with reading(connection):
        # a first revision begins only once Alembic made its version table:
        # without it, these tables are another application's
        began = stamped.number > 0 or inspect(connection).has_table("alembic_version")
        if stamped != stairway.head and began:
            upgrade = stairway[stamped.number + 1]
            done = _done(stairway, upgrade, "upgrade", connection)
            if done:
                return Interrupted(upgrade, True, done)
        if stamped.number > 0:
            done = _done(stairway, stamped, "downgrade", connection)
            if done:
                return Interrupted(stairway.previous(stamped), False, done)
    return None


def _done(stairway: Stairway, stage: Stage, way: str, connection: Connection) -> str | None:
    """Describe the last step of ``stage``'s revision's ``way`` found done, if any."""
    module = stairway.revision_module(stage)
    declared = getattr(module, f"{way.upper()}_STEPS", None)
    if declared is not None:  # a revision that lists its steps by hand
        found = steps_done(tuple(declared), connection)
        return step_name(found[-1]) if found else None
    return last_done(connection, getattr(module, way))
