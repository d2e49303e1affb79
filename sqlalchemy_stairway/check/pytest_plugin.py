"""``stairway check`` as pytest items: one per dialect, revision and check.

Inert until configured (pyproject.toml ``[tool.pytest.ini_options]`` or
pytest.ini)::

    stairway_config = "alembic.ini"
    stairway_urls = ["sqlite:///.", "postgresql+psycopg://user@host/db"]
    stairway_hooks = "tests/stairway_hooks.py"   # optional, see sqlalchemy_stairway.check.hooks

The checks run once, when the first item runs, in scratch databases on each
server; each item then reports its own result: a defect fails it, a warning
passes it with the text in its report, a check that could not run skips it.
A project adds its own rows at a revision with the ``stairway_rows``
fixture (a test that runs before the items: override it in conftest.py).
Fixture and option names start with ``stairway_``: none is pytest-alembic's.
"""

from collections.abc import Callable
from pathlib import Path

import pytest

from sqlalchemy_stairway.check.results import FAILED, PER_REVISION, SKIPPED, WARNING, Report

KEY = pytest.StashKey[dict]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("stairway_config", "the alembic.ini `stairway check` checks", default="")
    parser.addini("stairway_urls", "servers to check on (one per line)", type="linelist")
    parser.addini("stairway_hooks", "a hooks file for `stairway check`", default="")
    parser.addini("stairway_squawk", "run squawk on PostgreSQL", type="bool", default=True)


def configured(config: pytest.Config) -> bool:
    return bool(config.getini("stairway_config"))


class StairwayChecks(pytest.Collector):
    """The checks of one project; its items are made when it is created."""

    def collect(self):  # pragma: no cover - items are built in pytest_collection_modifyitems
        return []


class StairwayItem(pytest.Item):
    def __init__(self, *, check: str, revision: str, dialect: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.check, self.revision, self.dialect = check, revision, dialect

    def runtest(self) -> None:
        report = run_once(self.config)
        mine = [
            r
            for r in report.results
            if r.check == self.check
            and r.revision == self.revision
            and r.dialect in (self.dialect, "")
        ]
        if not mine:
            pytest.skip("not run: an earlier step of the chain failed")
        for result in mine:
            if result.status == WARNING:
                self.add_report_section("call", "stairway warning", "\n".join(result.lines))
        failed = [r for r in mine if r.status == FAILED]
        if failed:
            text = "\n".join(
                "\n".join(r.lines) + (f"\nreproduce: {r.reproduce}" if r.reproduce else "")
                for r in failed
            )
            raise StairwayFailure(text)
        if all(r.status == SKIPPED for r in mine):
            pytest.skip("; ".join(mine[0].lines))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, StairwayFailure):
            return f"stairway check {self.check} at {self.revision}: {excinfo.value}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"stairway {self.dialect} {self.revision} {self.check}"


class StairwayFailure(Exception):
    pass


def _project(config: pytest.Config):
    from sqlalchemy_stairway.check.project import Project

    return Project(Path(config.rootpath) / config.getini("stairway_config"))


def _urls(config: pytest.Config) -> list[str]:
    from sqlalchemy_stairway.check.cli import server_url

    return [server_url(u) for u in config.getini("stairway_urls") or ["."]]


def _dialect(url: str) -> str:
    from sqlalchemy_stairway.check.engines import parse_url
    from sqlalchemy_stairway.check.project_checks import DIALECTS

    name = parse_url(url).get_dialect().name
    return DIALECTS.get(name, name)


def run_once(config: pytest.Config) -> Report:
    """Run the checks the first time an item asks; every later item reads the same report."""
    stash = config.stash.setdefault(KEY, {})
    if "report" not in stash:
        from sqlalchemy_stairway.check.hooks import hooks_file, load_hooks
        from sqlalchemy_stairway.check.project_checks import check_project

        project = _project(config)
        hooks_path = config.getini("stairway_hooks")
        hooks = load_hooks(
            hooks_file(project.ini, Path(config.rootpath) / hooks_path if hooks_path else None)
        )
        for extra in stash.get("before_revision", []):
            hooks.before_revision = _chain(hooks.before_revision, extra)
        stash["report"] = check_project(
            project, _urls(config), hooks, use_squawk=config.getini("stairway_squawk")
        )
    return stash["report"]


def _chain(first: Callable | None, second: Callable) -> Callable:
    def both(connection, revision):
        left = set(first(connection, revision) or ()) if first else set()
        return left | set(second(connection, revision) or ())

    return both


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    """The indexes on expressions no check compared, in one line after the tests."""
    from sqlalchemy_stairway.check.reports import not_compared_note

    report = config.stash.get(KEY, {}).get("report")
    note = not_compared_note(report) if report is not None else None
    if note:
        terminalreporter.write_line(note)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items) -> None:
    """Add the checks' items (before -k and -m select among them)."""
    if not configured(config):
        return
    from sqlalchemy_stairway.check.errors import StairwayError

    try:
        project = _project(config)
        revisions = [r.id for r in project.revisions]
        heads = "+".join(project.heads)
    except StairwayError as exc:
        raise pytest.UsageError(f"stairway_config: {exc}") from None
    collector = StairwayChecks.from_parent(
        session, name=f"stairway[{project.name}]", path=project.ini
    )

    def item(check: str, revision: str, dialect: str) -> StairwayItem:
        where = f"{dialect}-{revision}" if dialect else revision
        return StairwayItem.from_parent(
            collector,
            name=f"{check}[{where}]",
            check=check,
            revision=revision,
            dialect=dialect,
        )

    made = [item("single-head", heads, "")]
    for revision in revisions:
        made += [
            item("static-imports-models", revision, ""),
            item("static-noop-downgrade", revision, ""),
        ]
    for url in _urls(config):
        dialect = _dialect(url)
        made.append(item("url-honoured", revisions[0] if revisions else "env.py", dialect))
        for revision in revisions:
            made += [item(check, revision, dialect) for check in PER_REVISION]
        made += [item("models-match", heads, dialect), item("offline-sql", heads, dialect)]
    items.extend(made)


@pytest.fixture
def stairway_rows(request: pytest.FixtureRequest) -> Callable:
    """Register ``add(connection, revision)``: your own rows, before ``revision`` is checked.

    Call it (``stairway_rows(add)``) in a test that runs before the
    checks' items, which run last; ``add`` returns the tables it filled,
    which the generator then leaves alone.
    """
    stash = request.config.stash.setdefault(KEY, {})

    def register(add: Callable) -> None:
        if "report" in stash:
            raise RuntimeError("the stairway checks have already run; register rows earlier")
        stash.setdefault("before_revision", []).append(add)

    return register
