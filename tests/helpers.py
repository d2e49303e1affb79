"""Small helpers the tests share."""

from sqlalchemy import Connection

from models.stages import STAGES, Stage
from scripts.migrate import climb_or_descend, current_stage


def climb(connection: Connection, target: Stage) -> None:
    """Migrate an empty database to ``target``, seeding each stage on the way."""
    assert current_stage(connection) == STAGES[0]
    climb_or_descend(connection, target)
