"""env.py after the cookbook's "sharing a connection" recipe.

A caller may pass a connection in ``config.attributes["connection"]``; without
one, the URL comes from ``sqlalchemy.url``.  pytest-alembic passes an Engine
there, so an Engine is accepted too.
"""

import importlib.util
from pathlib import Path

from alembic import context
from sqlalchemy import Engine, engine_from_config, pool

config = context.config


def load_target_metadata():
    """Load models.py beside this file, by path, so several projects can share a process."""
    path = Path(__file__).with_name("models.py")
    spec = importlib.util.spec_from_file_location(f"{path.parent.name}_models", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.metadata


target_metadata = load_target_metadata()


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_with(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        connectable = engine_from_config(
            config.get_section(config.config_ini_section, {}),
            prefix="sqlalchemy.",
            poolclass=pool.NullPool,
        )
    if isinstance(connectable, Engine):
        with connectable.connect() as connection:
            run_with(connection)
            connection.commit()
    else:
        run_with(connectable)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
