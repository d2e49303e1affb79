"""Alembic's generic env.py, with the application's package put on sys.path.

The project's own folder goes on sys.path so that ``ledger.models`` imports,
as in many applications; its revisions can then import it too.
"""

import sys
from pathlib import Path

from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config


sys.path.insert(0, str(Path(__file__).parent))
from ledger.models import metadata as target_metadata  # noqa: E402


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
