"""Small throwaway Alembic projects, written into a folder for one test of the checker."""

import textwrap
from pathlib import Path

# Alembic's generic env.py: the URL from sqlalchemy.url, models.py beside it
GENERIC_ENV = """
import importlib.util
from pathlib import Path

from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config


def load_models():
    path = Path(__file__).with_name("models.py")
    spec = importlib.util.spec_from_file_location(f"{path.parent.name}_models", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


target_metadata = load_models().target_metadata


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True,
                      target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
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
"""

EMPTY_MODELS = """
from sqlalchemy import MetaData

target_metadata = MetaData()
"""

REVISION = '''"""{rid}"""

import sqlalchemy as sa
from alembic import op

revision = {rid!r}
down_revision = {parent!r}
branch_labels = None
depends_on = None


def upgrade():
{upgrade}


def downgrade():
{downgrade}
'''


def make_project(
    folder: Path,
    revisions: list[tuple[str, str | None, str, str]],
    *,
    models: str = EMPTY_MODELS,
    env: str = GENERIC_ENV,
    hooks: str | None = None,
) -> Path:
    """Write a project of ``revisions`` (id, parent, upgrade body, downgrade body); its ini."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "versions").mkdir(exist_ok=True)
    (folder / "env.py").write_text(textwrap.dedent(env))
    (folder / "models.py").write_text(textwrap.dedent(models))
    for rid, parent, upgrade, downgrade in revisions:
        (folder / "versions" / f"{rid}.py").write_text(
            REVISION.format(
                rid=rid,
                parent=parent,
                upgrade=textwrap.indent(textwrap.dedent(upgrade).strip() or "pass", "    "),
                downgrade=textwrap.indent(textwrap.dedent(downgrade).strip() or "pass", "    "),
            )
        )
    ini = folder / "alembic.ini"
    lines = ["[alembic]", "script_location = %(here)s", "sqlalchemy.url = sqlite:///unused.db"]
    if hooks is not None:
        (folder / "stairway_hooks.py").write_text(textwrap.dedent(hooks))
        lines += ["", "[stairway]", "hooks = stairway_hooks.py"]
    ini.write_text("\n".join(lines) + "\n")
    return ini


CREATE_ITEMS = """
op.create_table("items", sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("name", sa.String(40), nullable=False))
"""


def env_with(online: str) -> str:
    """The generic env.py with ``online`` in place of its run_migrations_online()."""
    start = GENERIC_ENV.index("def run_migrations_online():")
    end = GENERIC_ENV.index("if context.is_offline_mode():")
    return GENERIC_ENV[:start] + textwrap.dedent(online).strip() + "\n\n\n" + GENERIC_ENV[end:]


# the older cookbook recipe (JupyterHub's): .connect() on whatever it is handed
CONNECT_ENV = env_with(
    """
    def run_migrations_online():
        connectable = config.attributes.get("{key}", None)
        if connectable is None:
            connectable = engine_from_config(
                config.get_section(config.config_ini_section, {}),
                prefix="sqlalchemy.",
                poolclass=pool.NullPool,
            )
        with connectable.connect() as connection:
            context.configure(connection=connection, target_metadata=target_metadata)
            with context.begin_transaction():
                context.run_migrations()
    """
)

# Alembic's async template (Prefect's env.py is of this kind)
ASYNC_ENV = env_with(
    """
    import asyncio

    from sqlalchemy.ext.asyncio import async_engine_from_config


    def do_run_migrations(connection):
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


    async def run_async_migrations():
        connectable = async_engine_from_config(
            config.get_section(config.config_ini_section, {}),
            prefix="sqlalchemy.",
            poolclass=pool.NullPool,
        )
        async with connectable.connect() as connection:
            await connection.run_sync(do_run_migrations)
        await connectable.dispose()


    def run_migrations_online():
        asyncio.run(run_async_migrations())
    """
)

# an application that migrates from inside its running server (Prefect): Alembic is
# called from a worker thread of the server's event loop, and env.py hands the
# migration back to that loop
LOOP_WORKER_ENV = env_with(
    """
    import anyio.from_thread
    from sqlalchemy.ext.asyncio import async_engine_from_config


    def do_run_migrations(connection):
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


    async def run_async_migrations():
        connectable = async_engine_from_config(
            config.get_section(config.config_ini_section, {}),
            prefix="sqlalchemy.",
            poolclass=pool.NullPool,
        )
        async with connectable.connect() as connection:
            await connection.run_sync(do_run_migrations)
        await connectable.dispose()


    def run_migrations_online():
        anyio.from_thread.run(run_async_migrations)
    """
)

# the URL comes from the application's settings, here an environment variable
SETTINGS_ENV = env_with(
    """
    def run_migrations_online():
        import os

        from sqlalchemy import create_engine

        connectable = create_engine(os.environ["APP_DATABASE_URL"], poolclass=pool.NullPool)
        with connectable.connect() as connection:
            context.configure(connection=connection, target_metadata=target_metadata)
            with context.begin_transaction():
                context.run_migrations()
    """
)
