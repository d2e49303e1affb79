"""`stairway check`'s hooks for this project: the stages' declared rows are the data.

Before each revision the database holds, table for table, the rows the
stages below it declare (scripts/stages/), in the shape they have there;
they are what the revisions' ``op.refuse_rows`` accept, so the generator
leaves those tables to them.  Stage 4 hashes passwords: the checks hash
cheaply, as the project's own checks do.
"""

from sqlalchemy import Connection

from scripts.stages import STAIRWAY
from sqlalchemy_stairway.checks import CHECK_PASSWORD_ITERATIONS
from sqlalchemy_stairway.seeding import seed

ALEMBIC_ATTRIBUTES = {"password_iterations": CHECK_PASSWORD_ITERATIONS}


def before_revision(connection: Connection, revision: str) -> set[str]:
    """Seed the rows of every stage below ``revision``; leave their tables to them."""
    below = STAIRWAY.previous(STAIRWAY.stage_for_revision(revision))
    if below.number == 0:
        return set()
    seed(STAIRWAY, connection, below)
    return set(below.metadata.tables)
