"""Any Alembic project, driven in-process against a database we name.

A project is its alembic.ini.  Every run hands env.py the database twice:
as ``sqlalchemy.url`` (what Alembic's generic template reads) and as an
open connection in ``config.attributes["connection"]`` (the cookbook's
shared-connection recipe).  An env.py that uses neither would migrate some
other database; :func:`only_to` refuses any connection to a database but
ours before the driver opens it, so such a project is stopped before it
writes anywhere.
"""

import ast
import configparser
import importlib.util
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import URL, Connection, Engine, MetaData, event

from sqlalchemy_stairway.check.comparison_options import ComparisonOptions
from sqlalchemy_stairway.check.engines import first_line, redact
from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.check.worker_thread import in_worker_thread

# what an env.py that makes an asyncio engine says
ASYNC_ENV_WORDS = ("async_engine_from_config", "create_async_engine", "AsyncEngine")

# backend -> the asyncio driver the checker hands an async env.py, and its module
# (psycopg is both: SQLAlchemy picks its asyncio side for an async engine)
ASYNC_DRIVERS = {
    "sqlite": ("aiosqlite", "aiosqlite"),
    "postgresql": ("psycopg", "psycopg"),
    "mysql": ("aiomysql", "aiomysql"),
    "mariadb": ("aiomysql", "aiomysql"),
}


class Handle:
    """What ``connection.connect()`` gives env.py: the same connection, left open by ``with``.

    The older cookbook recipe (JupyterHub's env.py) calls ``.connect()`` on
    what ``config.attributes["connection"]`` holds, as if it were an Engine.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def __enter__(self) -> Connection:
        return self.connection

    def __exit__(self, *exc_info) -> None:
        return None

    def close(self) -> None:
        """The checker closes its connection itself."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self.connection, name)


def handed(connection: Connection) -> Connection:
    """``connection``, answering ``.connect()`` too."""
    connection.connect = lambda: Handle(connection)
    return connection


# what an env.py that migrated another database must do instead
USE_WHAT_YOU_ARE_HANDED = (
    'sqlalchemy.url or config.attributes["connection"], or a hooks file\'s '
    "hand_url(url) must put each scratch URL where it reads its URL from"
)


class WrongDatabase(StairwayError):
    """env.py connected to a database other than the one it was handed."""


@dataclass
class Revision:
    """One revision of the chain, as the checks need it."""

    id: str
    parents: tuple[str, ...]
    path: Path
    module: Any = field(repr=False)

    @property
    def lossy_marker(self) -> str | None:
        """The project's own word that this downgrade loses data (``LOSSY_DOWNGRADE = "why"``)."""
        return getattr(self.module, "LOSSY_DOWNGRADE", None)

    @property
    def one_way_marker(self) -> str | None:
        """The project's own word that this revision is one-way (``ONE_WAY = "why"``)."""
        return getattr(self.module, "ONE_WAY", None)


@contextmanager
def only_to(database: str) -> Iterator[None]:
    """Refuse, before the driver connects, any connection whose arguments do not name ``database``.

    ``database`` is a scratch database's name (or SQLite file), unique to
    this run, so a match cannot be an accident.
    """

    def refuse_others(dialect, conn_rec, cargs, cparams):
        given = [str(a) for a in cargs] + [str(v) for v in cparams.values()]
        if not any(database in argument for argument in given):
            target = cparams.get("dbname") or cparams.get("database") or (cargs or ["?"])[0]
            raise WrongDatabase(
                f"env.py connected to {target!r}, not the database it was handed; it must use "
                f"{USE_WHAT_YOU_ARE_HANDED} (see the README)"
            )

    event.listen(Engine, "do_connect", refuse_others)
    try:
        yield
    finally:
        event.remove(Engine, "do_connect", refuse_others)


class Project:
    """An Alembic project: its alembic.ini, its revisions, its env.py's target_metadata."""

    def __init__(self, ini: str | Path) -> None:
        self.ini = Path(ini).resolve()
        if not self.ini.is_file():
            raise StairwayError(
                f"no Alembic configuration at {ini}; pass --config PATH/alembic.ini"
            )
        try:
            self.scripts = ScriptDirectory.from_config(self.config())
        except CommandError as exc:
            raise StairwayError(f"{ini}: {exc}") from None
        self._revisions: list[Revision] | None = None
        self.version_table = "alembic_version"
        self._env_is_async: bool | None = None
        # the key env.py reads the connection from, and a hook handing each URL to the
        # application's settings (both from the hooks file)
        self.connection_attribute = "connection"
        # the isolation level env.py's connection runs in: one for all, or by dialect
        self.isolation_level: str | dict[str, str] | None = None
        self.hand_url: Callable[[str], None] | None = None
        self.url_handed: str | None = None  # the last URL hand_url took
        # what is wrong with env.py's target_metadata, said as findings
        self.metadata_problems: list[str] = []
        self.comparison_options = ComparisonOptions()

    @property
    def revisions(self) -> list[Revision]:
        """The revisions, parents before children.

        Loaded on first use, after env.py has run: a revision may import
        what env.py puts on sys.path.
        """
        if self._revisions is None:
            try:
                ordered = list(reversed(list(self.scripts.walk_revisions())))
            except Exception as exc:  # a revision that does not import, a broken chain
                raise StairwayError(
                    f"{self.ini.parent}: cannot load the revisions: {exc}"
                ) from None
            self._revisions = [self._revision(script) for script in ordered]
        return self._revisions

    @property
    def by_id(self) -> dict[str, Revision]:
        return {revision.id: revision for revision in self.revisions}

    @staticmethod
    def _revision(script: Script) -> Revision:
        parents = script.down_revision
        if parents is None:
            parents = ()
        elif isinstance(parents, str):
            parents = (parents,)
        return Revision(script.revision, tuple(parents), Path(script.path), script.module)

    @property
    def name(self) -> str:
        return self.ini.parent.name

    @property
    def ships_offline_sql(self) -> bool:
        """True when alembic.ini says ``[stairway] ships_offline_sql = true``.

        A team that deploys with ``alembic upgrade --sql`` needs every
        revision to work offline; for any other, a revision that reads rows
        (and so cannot run offline) is a property, reported as a warning.
        """
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(self.ini, encoding="utf-8")
        try:
            return parser.getboolean("stairway", "ships_offline_sql", fallback=False)
        except ValueError:
            given = parser.get("stairway", "ships_offline_sql")
            raise StairwayError(
                f"{self.ini}: [stairway] ships_offline_sql = {given!r}; write true or false"
            ) from None

    @property
    def heads(self) -> list[str]:
        return sorted(self.scripts.get_heads())

    @property
    def env_is_async(self) -> bool:
        """Whether env.py makes an asyncio engine (Alembic's async template, Prefect's env.py)."""
        if self._env_is_async is None:
            env = Path(self.scripts.dir) / "env.py"
            text = env.read_text(encoding="utf-8") if env.is_file() else ""
            self._env_is_async = any(word in text for word in ASYNC_ENV_WORDS)
        return self._env_is_async

    def url_for_env(self, database: URL) -> URL:
        """``database`` as env.py must see it: with an asyncio driver when env.py is async."""
        if not self.env_is_async:
            return database
        backend = database.get_backend_name()
        driver, module = ASYNC_DRIVERS.get(backend, (None, None))
        missing = [m for m in ("greenlet", module) if m and importlib.util.find_spec(m) is None]
        if driver is None or missing:
            raise StairwayError(
                f"{self.scripts.dir}/env.py makes an asyncio engine, which needs an asyncio driver "
                f"for {backend}; install them with pip install 'sqlalchemy-stairway[async]'"
            )
        return database.set(drivername=f"{backend}+{driver}")

    def config(self, database: URL | None = None, **attributes: Any) -> Config:
        """Return a fresh Config aimed at ``database``; ``attributes`` reach env.py."""
        config = Config(str(self.ini), attributes={"configure_logger": False, **attributes})
        if database is not None:
            rendered = self.url_for_env(database).render_as_string(hide_password=False)
            config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
            if self.hand_url is not None and rendered != self.url_handed:
                # the application's settings name the database env.py uses: hand it ours,
                # once per database (an application's settings can be costly to make)
                self.hand_url(rendered)
                self.url_handed = rendered
        return config

    def attributes(self, connection: Connection, given: dict[str, Any]) -> dict[str, Any]:
        """``config.attributes`` for a run on ``connection``: the connection, then ``given``.

        ``given`` (with the hooks' ALEMBIC_ATTRIBUTES) may replace the
        connection, or hand None to make env.py use ``sqlalchemy.url``.
        """
        return {self.connection_attribute: handed(connection), **given}

    def isolation_level_on(self, connection: Connection) -> str | None:
        """The isolation level the project migrates in on ``connection``'s dialect, if it says."""
        level = self.isolation_level
        if isinstance(level, dict):
            return level.get(connection.dialect.name)
        return level

    def run(self, connection: Connection, verb: str, target: str, /, **attributes: Any) -> None:
        """Run ``alembic <verb> <target>`` on ``connection``'s database; commit what it did."""
        if connection.in_transaction():
            connection.commit()
        level = self.isolation_level_on(connection)
        if level:
            connection.execution_options(isolation_level=level)
        config = self.config(connection.engine.url, **self.attributes(connection, attributes))
        try:
            with only_to(database_name(connection.engine.url)):
                self._migrate(config, verb, target)
        except BaseException:
            if connection.in_transaction():
                connection.rollback()
            raise
        finally:
            if level:
                # the checker's own reading and filling runs in transactions again
                if connection.in_transaction():
                    connection.commit()
                connection.execution_options(isolation_level=connection.default_isolation_level)
        if connection.in_transaction():
            connection.commit()

    def _migrate(self, config: Config, verb: str, target: str) -> None:
        """``alembic.command.upgrade``/``downgrade``, with this project's revisions loaded once.

        Alembic's commands read every revision file again on each call: a
        check runs three or four per revision, so a long chain would cost
        the square of its length.
        """
        scripts = self.scripts

        def step(rev, context):
            if verb == "upgrade":
                return scripts._upgrade_revs(target, rev)
            return scripts._downgrade_revs(target, rev)

        with EnvironmentContext(
            config, scripts, fn=step, as_sql=False, starting_rev=None, destination_rev=target
        ):
            self.run_env()

    def run_env(self) -> None:
        """Run env.py online; an async one in a worker thread of an event loop."""
        if self.env_is_async:
            in_worker_thread(self.scripts.run_env)
        else:
            self.scripts.run_env()

    def target_metadata(self, connection: Connection, /, **attributes: Any) -> MetaData | None:
        """Run env.py online without migrating, and return the target_metadata it configures.

        This is the first thing done with a project, so an env.py that
        connects elsewhere is stopped here, before any revision runs.
        """
        seen: dict[str, Any] = {}

        def capture(rev, context):
            seen["metadata"] = context.opts.get("target_metadata")
            seen["version_table"] = context.version_table
            seen["url"] = context.connection.engine.url if context.connection else None
            return []

        config = self.config(connection.engine.url, **self.attributes(connection, attributes))
        environment = EnvironmentContext(config, self.scripts, fn=capture, dont_mutate=True)
        configure = environment.configure

        def configure_seen(**given):
            # only what env.py names: Alembic fills in its own defaults after
            seen["options"] = ComparisonOptions.from_configure(given)
            return configure(**given)

        environment.configure = configure_seen
        try:
            with only_to(database_name(connection.engine.url)), environment:
                self.run_env()
        except WrongDatabase:
            raise
        except Exception as exc:  # an env.py that does not import, a missing driver...
            raise StairwayError(
                f"{self.ini.parent}: env.py failed: {type(exc).__name__}: {first_line(exc)}"
            ) from None
        if connection.in_transaction():
            connection.rollback()
        if "metadata" not in seen:
            raise StairwayError(f"{self.ini.parent / 'env.py'} never called run_migrations()")
        used = seen["url"]
        if used is not None and database_name(used) != database_name(connection.engine.url):
            raise WrongDatabase(
                f"env.py migrated {redact(used)}, not the database it was handed; it must use "
                f"{USE_WHAT_YOU_ARE_HANDED} (see the README)"
            )
        # env.py may keep its revision elsewhere (MLflow: alembic_version_auth)
        self.version_table = seen["version_table"]
        # what env.py tells autogenerate to leave out or compare: models-match honours it
        self.comparison_options = seen.get("options", ComparisonOptions())
        metadata = seen["metadata"]
        self.metadata_problems = []
        if isinstance(metadata, list | tuple):
            merged = MetaData()
            for part in metadata:
                if not isinstance(part, MetaData):
                    self.metadata_problems.append(
                        f"target_metadata holds {type(part).__name__} {part!r:.60}, not a "
                        "MetaData; it is left out of the comparison"
                    )
                    continue
                for table in part.tables.values():
                    table.to_metadata(merged)
            metadata = merged
        elif metadata is not None and not isinstance(metadata, MetaData):
            self.metadata_problems.append(
                f"target_metadata is {type(metadata).__name__}, not a MetaData or a list of them"
            )
            metadata = None
        return metadata

    def offline_sql(self, url: URL, start: str | None, end: str) -> str:
        """Return what ``alembic upgrade start:end --sql`` prints."""
        buffer = StringIO()
        config = self.config(url, url=url.render_as_string(hide_password=False))
        config.output_buffer = buffer
        command.upgrade(config, f"{start}:{end}" if start else end, sql=True)
        return buffer.getvalue()

    def models_modules(self, metadata: MetaData | None) -> set[str]:
        """The modules (and their packages) that define ``metadata``: the application's models."""
        if metadata is None:
            return set()
        names = set()
        for name, module in list(sys.modules.items()):
            values = list(getattr(module, "__dict__", {}).values())
            # a declarative Base is a class whose .metadata it is; other objects are not asked
            # (some answer any attribute, and pytest.mark refuses unknown ones)
            if any(
                v is metadata or (isinstance(v, type) and v.__dict__.get("metadata") is metadata)
                for v in values
            ):
                names.add(name)
        return names - {"__main__"}


def database_name(url: URL) -> str:
    """The part of a URL that names one database: a SQLite file's name, else the database."""
    if url.get_backend_name() == "sqlite":
        return Path(url.database or "").name or ":memory:"
    return url.database or ""


def module_imports(path: Path) -> list[str]:
    """Return the module names a Python file imports, top level or not."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found
