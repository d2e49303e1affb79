"""Fixtures: a scratch database per test, on every database the run was given.

SQLite always runs.  PostgreSQL and MariaDB run when their URL is set:

    TUTORIAL_POSTGRES_URL=postgresql+psycopg://user@host/db
    TUTORIAL_MARIADB_URL=mysql+pymysql://user@host/db

Each test gets its own scratch database on that server, dropped after it;
the database named in the URL itself is never written.  A URL that is set
but cannot be reached stops the run with a clear message: a database that
was asked for is never silently skipped.

Tests marked ``full`` (the real chains, the kill points, the writers, the
exercise x database matrices, the browser, the scaffold proof) run only with
``pytest --full``; a plain ``pytest`` leaves them out and says how many.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import URL, Connection, Engine

from sqlalchemy_stairway.check.engines import make_engine, redact
from sqlalchemy_stairway.check.scratch import scratch_database

SERVER_URLS = {"postgresql": "TUTORIAL_POSTGRES_URL", "mariadb": "TUTORIAL_MARIADB_URL"}


def configured_databases() -> dict[str, str]:
    """Return the databases this run tests: name -> server URL."""
    databases = {"sqlite": "sqlite:///tutorial.db"}
    for name, variable in SERVER_URLS.items():
        if os.environ.get(variable):
            databases[name] = os.environ[variable]
    return databases


DATABASES = configured_databases()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--full",
        action="store_true",
        help="also run the slow matrices marked 'full' (what CI runs)",
    )


def pytest_report_header(config) -> list[str]:
    lines = [f"databases: {', '.join(DATABASES)}"]
    missing = [v for name, v in SERVER_URLS.items() if name not in DATABASES]
    if missing:
        lines.append(f"  (set {' and '.join(missing)} to test those servers too)")
    if not config.getoption("full"):
        lines.append("  (slow matrices marked 'full' left out: pytest --full runs them)")
    return lines


def pytest_collection_modifyitems(config, items) -> None:
    """Leave out the tests marked ``full`` unless ``--full`` was given."""
    if config.getoption("full"):
        return
    slow = [item for item in items if item.get_closest_marker("full")]
    if slow:
        items[:] = [item for item in items if not item.get_closest_marker("full")]
        config.hook.pytest_deselected(items=slow)


def pytest_sessionstart(session) -> None:
    """Stop at once if a server that was asked for does not answer."""
    for name, url in DATABASES.items():
        if name == "sqlite":
            continue
        engine = make_engine(url)
        try:
            with engine.connect():
                pass
        except Exception as exc:
            pytest.exit(
                f"{SERVER_URLS[name]}={redact(url)} was given but cannot be reached: "
                f"{str(getattr(exc, 'orig', exc)).strip().splitlines()[0]}",
                returncode=1,
            )
        finally:
            engine.dispose()


@pytest.fixture(params=list(DATABASES))
def database(request) -> str:
    """The name of the database kind under test: sqlite, postgresql or mariadb."""
    return request.param


@pytest.fixture
def scratch_url(database: str, tmp_path: Path) -> Iterator[URL]:
    """A new, empty database of the kind under test, dropped afterwards."""
    with scratch_database(DATABASES[database], tmp_dir=tmp_path) as url:
        yield url


@pytest.fixture
def engine(scratch_url: URL) -> Iterator[Engine]:
    """An engine for migrating the scratch database."""
    engine = make_engine(scratch_url, for_migrations=True)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection to the scratch database."""
    with engine.connect() as connection:
        yield connection


@pytest.fixture
def reference_connection(database: str, tmp_path: Path) -> Iterator[Connection]:
    """A second scratch database, where the checks build schemas from the models."""
    with scratch_database(DATABASES[database], tmp_dir=tmp_path) as url:
        engine = make_engine(url)
        with engine.connect() as connection:
            yield connection
        engine.dispose()
