"""Drive one corpus project with plain Alembic on one scratch database.

tests/test_corpus.py uses this to prove that each project in
tests/corpus/manifest.toml behaves as the manifest says; the peer comparison
(scripts/peer_comparison.py) reads the same manifest.
"""

import importlib.util
import tomllib
from io import StringIO
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL
from sqlalchemy.pool import NullPool

CORPUS = Path(__file__).parent


def load_manifest() -> dict:
    """Return tests/corpus/manifest.toml: project name -> its entry."""
    with open(CORPUS / "manifest.toml", "rb") as file:
        return tomllib.load(file)


class Chain:
    """One corpus project's migrations, run against the database at ``url``."""

    def __init__(self, project: str, url: URL):
        self.project = project
        self.folder = CORPUS / project
        self.entry = load_manifest()[project]
        self.url = url
        self.engine = sa.create_engine(url, poolclass=NullPool)
        self.dialect = self.engine.dialect.name

    def config(self, **kwargs) -> Config:
        config = Config(self.folder / "alembic.ini", **kwargs)
        url = self.url.render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        return config

    def run(self, name: str, *args, **kwargs) -> None:
        """Run ``alembic <name>``; cookbook projects are handed a connection, the others the URL."""
        config = self.config()
        if self.entry["env"] != "cookbook":
            getattr(command, name)(config, *args, **kwargs)
            return
        with self.engine.connect() as connection:
            config.attributes["connection"] = connection
            getattr(command, name)(config, *args, **kwargs)
            connection.commit()

    def upgrade(self, revision: str = "heads") -> None:
        self.run("upgrade", revision)

    def downgrade(self, revision: str) -> None:
        self.run("downgrade", revision)

    def offline_sql(self, revision: str) -> str:
        """Return what ``alembic upgrade --sql`` prints up to ``revision``."""
        buffer = StringIO()
        command.upgrade(self.config(output_buffer=buffer), revision, sql=True)
        return buffer.getvalue()

    def revisions(self) -> list[str]:
        """The revision ids from base to head, in upgrade order."""
        script = ScriptDirectory.from_config(self.config())
        return [r.revision for r in reversed(list(script.walk_revisions()))]

    def heads(self) -> list[str]:
        return sorted(ScriptDirectory.from_config(self.config()).get_heads())

    def execute(self, sql, params=None) -> None:
        with self.engine.begin() as connection:
            connection.execute(sa.text(sql) if isinstance(sql, str) else sql, params or {})

    def rows(self, sql: str) -> list[tuple]:
        with self.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(sql))]

    def target_metadata(self) -> sa.MetaData:
        path = self.folder / self.entry.get("models", "models.py")
        spec = importlib.util.spec_from_file_location(f"corpus_{self.project}_models", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.metadata

    def model_differences(self) -> list:
        """Alembic's autogenerate comparison of the database with the models."""
        with self.engine.connect() as connection:
            context = MigrationContext.configure(connection)
            return compare_metadata(context, self.target_metadata())

    def snapshot(self) -> dict:
        """Everything a round trip must restore: schema, PostgreSQL types and sequences, rows."""
        with self.engine.connect() as connection:
            inspector = sa.inspect(connection)
            tables = {}
            for table in sorted(inspector.get_table_names()):
                if table == "alembic_version":
                    continue
                tables[table] = describe_table(inspector, connection, table)
            extra = {}
            if self.dialect == "postgresql":
                extra["enums"] = sorted(
                    (e["name"], tuple(e["labels"])) for e in inspector.get_enums()
                )
                extra["sequences"] = sorted(inspector.get_sequence_names())
            return {"tables": tables, **extra}


def describe_table(inspector, connection, table: str) -> dict:
    dialect = connection.dialect
    columns = [
        (
            c["name"],
            c["type"].compile(dialect=dialect),
            c["nullable"],
            str(c.get("default")),
            c.get("autoincrement"),
        )
        for c in inspector.get_columns(table)
    ]
    quoted = dialect.identifier_preparer.quote(table)
    rows = sorted(repr(tuple(r)) for r in connection.execute(sa.text(f"SELECT * FROM {quoted}")))
    return {
        "columns": columns,
        "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
        "indexes": sorted(
            (i["name"], tuple(i["column_names"]), bool(i["unique"]))
            for i in inspector.get_indexes(table)
        ),
        "unique": sorted(
            (u["name"] or "", tuple(u["column_names"]))
            for u in inspector.get_unique_constraints(table)
        ),
        "foreign_keys": sorted(
            (
                f["name"] or "",
                tuple(f["constrained_columns"]),
                f["referred_table"],
                tuple(f["referred_columns"]),
                f["options"].get("ondelete") or "",
            )
            for f in inspector.get_foreign_keys(table)
        ),
        "checks": sorted(
            (c["name"] or "", c["sqltext"]) for c in inspector.get_check_constraints(table)
        ),
        "rows": rows,
    }
