"""Fixtures: a scratch database per test, on every database the run was given.

SQLite always runs.  PostgreSQL and MariaDB run when their URL is set:

    TUTORIAL_POSTGRES_URL=postgresql+psycopg://user@host/db
    TUTORIAL_MARIADB_URL=mysql+pymysql://user@host/db

Each test gets its own scratch database on that server, dropped after it;
the database named in the URL itself is never written.  A URL that is set
but cannot be reached stops the run with a clear message: a database that
was asked for is never silently skipped.  A server that was not asked for
is not run either, and said so: every test is collected on every kind of
database (``on_databases()``), and those whose server is missing are left
out and counted at the end of the run, with the variable that runs them.

Tests marked ``full`` (the real chains, the kill points, the writers, the
exercise x database matrices, the lessons' console sessions, the browser, the
scaffold proof) run only with
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
KINDS = ("sqlite", *SERVER_URLS)


def configured_databases() -> dict[str, str]:
    """Return the databases this run tests: name -> server URL."""
    databases = {"sqlite": "sqlite:///tutorial.db"}
    for name, variable in SERVER_URLS.items():
        if os.environ.get(variable):
            databases[name] = os.environ[variable]
    return databases


DATABASES = configured_databases()


def needs(kind: str) -> list[pytest.MarkDecorator]:
    """The marks of a test on ``kind``: one on a server names the server it needs."""
    return [] if kind == "sqlite" else [pytest.mark.server(kind)]


def on_databases(*kinds: str) -> list:
    """Parameters for ``database``: ``kinds`` (default: all), each marked with its server."""
    return [pytest.param(kind, marks=needs(kind)) for kind in kinds or KINDS]


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


LEFT_OUT = pytest.StashKey[dict[str, int]]()


def missing_server(item: pytest.Item) -> str | None:
    """Return the server ``item`` needs and this run was not given, if any."""
    for mark in item.iter_markers("server"):
        if mark.args[0] not in DATABASES:
            return mark.args[0]
    return None


def pytest_collection_modifyitems(config, items) -> None:
    """Leave out the tests whose server is missing, and those marked ``full`` without --full."""
    left_out: dict[str, int] = {}
    kept, dropped = [], []
    for item in items:
        server = missing_server(item)
        slow = item.get_closest_marker("full") and not config.getoption("full")
        reason = server or ("full" if slow else None)
        if reason:
            left_out[reason] = left_out.get(reason, 0) + 1
            dropped.append(item)
        else:
            kept.append(item)
    config.stash[LEFT_OUT] = left_out
    if dropped:
        items[:] = kept
        config.hook.pytest_deselected(items=dropped)


def pytest_sessionfinish(session) -> None:
    """In a pytest-xdist worker, hand what collection left out to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["left_out"] = session.config.stash.get(LEFT_OUT, {})


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """In pytest-xdist's controller: every worker collects the same; keep one's count."""
    left_out = getattr(node, "workeroutput", {}).get("left_out")
    if left_out is not None:
        node.config.stash[LEFT_OUT] = left_out


def pytest_terminal_summary(terminalreporter, config) -> None:
    """Say which tests this run left out, and what runs them."""
    left_out = config.stash.get(LEFT_OUT, {})
    if not left_out:
        return
    terminalreporter.section("left out of this run")
    for server, variable in SERVER_URLS.items():
        if left_out.get(server):
            terminalreporter.write_line(
                f"{tests(left_out[server])} on {server} not run: no server given "
                f"(set {variable} to run them)"
            )
    if left_out.get("full"):
        terminalreporter.write_line(
            f"{tests(left_out['full'], 'slow test')} marked 'full' not run "
            "(pytest --full runs them)"
        )


def tests(count: int, noun: str = "test") -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


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


@pytest.fixture(params=on_databases())
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
