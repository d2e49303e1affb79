"""Small helpers the tests share."""

from sqlalchemy import Connection

from models.stages import STAGES, Stage
from scripts.migrate import move
from scripts.seed import seed


def climb(connection: Connection, target: Stage) -> None:
    """Migrate an empty database to ``target`` one stage at a time, seeding each stage."""
    for stage in STAGES[1 : target.number + 1]:
        move(connection, stage)
        seed(connection, stage.number)
        connection.commit()
