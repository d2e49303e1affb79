"""`stairway check`'s glue for JupyterHub's chain above 99a28a4418e1: a database of JupyterHub 1.0.

99a28a4418e1's upgrade fails on every Python (``datetime`` has no
``_replace``), so from a 0.5 database nothing above it is reached. A hub
that upgraded while the revision still worked has its tables: this glue
builds them as that hub did, the 0.5 tables upgraded by JupyterHub's own
chain to 56cc5a70207e, then what 99a28a4418e1 means to do (``users.created``
and ``spawners.started``, filled with the time), and starts the check there.
"""

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.operations import Operations

from sqlalchemy_stairway.check.project import handed
from tests.real_chains.jupyterhub_hooks import before_revision, schema_of_a_hub_before_alembic

__all__ = ["before_revision", "starting_schema"]

BROKEN = "99a28a4418e1"


def starting_schema(connection: sa.Connection) -> str:
    """Build the database a JupyterHub 1.0 hub left, at 99a28a4418e1."""
    from jupyterhub.dbutil import write_alembic_ini

    schema_of_a_hub_before_alembic().create_all(connection)
    connection.commit()
    with tempfile.TemporaryDirectory() as folder:
        ini = Path(folder) / "alembic.ini"
        write_alembic_ini(str(ini), connection.engine.url.render_as_string(hide_password=False))
        config = Config(str(ini))
        config.attributes["connection"] = handed(connection)
        command.upgrade(config, "56cc5a70207e")
    if connection.in_transaction():
        connection.commit()
    now = datetime.now(UTC).replace(tzinfo=None)
    operations = Operations(MigrationContext.configure(connection))
    operations.add_column("users", sa.Column("created", sa.DateTime, nullable=True))
    operations.add_column("spawners", sa.Column("started", sa.DateTime, nullable=True))
    connection.execute(sa.text("UPDATE users SET created = :now"), {"now": now})
    connection.execute(
        sa.text("UPDATE spawners SET started = :now WHERE server_id IS NOT NULL"), {"now": now}
    )
    return BROKEN
