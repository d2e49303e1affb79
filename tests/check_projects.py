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
