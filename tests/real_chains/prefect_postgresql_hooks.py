"""`stairway check`'s glue for Prefect's PostgreSQL chain: its settings, its data's rules.

The same rules as on SQLite (tests/real_chains/prefect_hooks.py); only the
database configuration differs: Prefect's PostgreSQL one, whose driver is
asyncpg (Prefect's env.py makes its own async engine from the URL it is handed).
"""

import importlib.util
from pathlib import Path

from sqlalchemy.engine import make_url

# loaded by its path, as the checker loads this file: `stairway check --hooks` runs
# from any folder, where the tests package may not be importable
_spec = importlib.util.spec_from_file_location(
    "prefect_sqlite_hooks", Path(__file__).with_name("prefect_hooks.py")
)
_sqlite = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_sqlite)
LOSSY_DOWNGRADES = _sqlite.LOSSY_DOWNGRADES
before_revision = _sqlite.before_revision
shape_row = _sqlite.shape_row


def hand_url(url: str) -> None:
    """Make Prefect's database configuration name ``url``, with asyncpg as its driver."""
    from prefect.server.database import dependencies
    from prefect.server.database.configurations import AsyncPostgresConfiguration
    from prefect.server.database.orm_models import AsyncPostgresORMConfiguration
    from prefect.server.database.query_components import AsyncPostgresQueryComponents

    asyncpg = make_url(url).set(drivername="postgresql+asyncpg")
    dependencies.MODELS_DEPENDENCIES["database_config"] = AsyncPostgresConfiguration(
        connection_url=asyncpg.render_as_string(hide_password=False)
    )
    dependencies.MODELS_DEPENDENCIES["orm"] = AsyncPostgresORMConfiguration()
    dependencies.MODELS_DEPENDENCIES["query_components"] = AsyncPostgresQueryComponents()
