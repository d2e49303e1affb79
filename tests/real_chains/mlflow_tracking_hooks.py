"""`stairway check`'s glue for MLflow's tracking-store chain: the tables before its first revision.

MLflow made its first tables with ``create_all()`` before it used Alembic;
its package keeps those models as they were (``initial_models``), and its
own upgrade path makes them first, as this does.
"""

from sqlalchemy import Connection


def starting_schema(connection: Connection) -> None:
    """Make MLflow's tables as they were before the first revision."""
    from mlflow.store.tracking.dbmodels.initial_models import Base

    Base.metadata.create_all(connection)
