"""A move between stages that was killed half-way, found and named.

On a database that commits each DDL statement on its own (MariaDB), a run
killed in the middle of a revision leaves its first steps done and the
version stamp where it was.  A revision lists its steps (``UPGRADE_STEPS``,
``DOWNGRADE_STEPS``: see :mod:`sqlalchemy_stairway.ops`), each able to tell
from the schema whether it is done; the stamp says which two revisions
can be half-way: the upgrade to the next stage, or the downgrade from this
one.  Rerunning the same move finishes it, since the revision skips what it
finds done.
"""

from dataclasses import dataclass

from sqlalchemy import Connection

from sqlalchemy_stairway.ops import rolls_back_ddl, step_name, steps_done
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
        if stamped != stairway.head:
            upgrade = stairway[stamped.number + 1]
            done = _done(stairway, upgrade, "UPGRADE_STEPS", connection)
            if done:
                return Interrupted(upgrade, True, done)
        if stamped.number > 0:
            done = _done(stairway, stamped, "DOWNGRADE_STEPS", connection)
            if done:
                return Interrupted(stairway.previous(stamped), False, done)
    return None


def _done(stairway: Stairway, stage: Stage, steps: str, connection: Connection) -> str | None:
    """Return the name of the last of ``stage``'s revision's ``steps`` found done, if any."""
    declared = getattr(stairway.revision_module(stage), steps, ())
    found = steps_done(tuple(declared), connection)
    return step_name(found[-1]) if found else None
