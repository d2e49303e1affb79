"""An env.py that hard-codes its database: it ignores the URL and any connection.

This is the defect: whatever database a tool hands it, the migrations run on
``app.db`` in the current directory instead.
"""

import importlib.util
from pathlib import Path

from alembic import context
from sqlalchemy import create_engine, pool

config = context.config
DATABASE_URL = "sqlite:///app.db"


def load_target_metadata():
    """Load models.py beside this file, by path, so several projects can share a process."""
    path = Path(__file__).with_name("models.py")
    spec = importlib.util.spec_from_file_location(f"{path.parent.name}_models", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.metadata


target_metadata = load_target_metadata()


def run_migrations_offline() -> None:
    context.configure(url=DATABASE_URL, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = create_engine(DATABASE_URL, poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
