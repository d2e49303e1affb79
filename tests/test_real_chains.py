"""`stairway check` on real Alembic chains we did not write, shipped in their packages.

Optuna 5.0.0's storage chain, MLflow 3.17.2's auth-server chain, Buildbot
4.3.0's, JupyterHub 6.1.1's and Dagster 1.13.29's chains, and Prefect 3.9.1's
SQLite chain, are installed by the ``realchains`` extra; their alembic.ini is
written to a temporary folder with an absolute ``script_location`` (theirs is
relative to the package, JupyterHub's a template, Dagster's a package:path),
nothing of them is copied into this repository. The glue each needs is ours,
in tests/real_chains/: Optuna's data rules, Buildbot's and JupyterHub's
starting schemas, Prefect's settings and data rules, Dagster's starting
schema, upgrading instance and isolation level.

No chain passes every check: each defect is a row of the table in
docs/real-chains.md, read in the package's source, and the test pins
exactly those. A defect not listed fails the test (a false alarm or a new
defect), and so does a listed one that goes missing.
"""

import importlib
import re
from pathlib import Path

import pytest

from sqlalchemy_stairway.check.hooks import load_hooks
from sqlalchemy_stairway.check.project import Project
from sqlalchemy_stairway.check.project_checks import check_project
from sqlalchemy_stairway.check.results import FAILED
from tests.conftest import DATABASES, KINDS, needs

# each chain is installed from the package index and run to its end: minutes
pytestmark = pytest.mark.full

HOOKS = Path(__file__).parent / "real_chains"

CHAINS = {
    # package folder, its alembic.ini, script_location in it, hooks (Optuna's data rules)
    "optuna": ("optuna.storages._rdb", "alembic.ini", "alembic", HOOKS / "optuna_hooks.py"),
    "mlflow-auth": ("mlflow.server.auth.db.migrations", "alembic.ini", ".", None),
    # its first revision, 059, stamps the tables Buildbot made before it used Alembic
    "buildbot": ("buildbot.db.migrations", "alembic.ini", ".", HOOKS / "buildbot_hooks.py"),
    # 19c0846f6344 stamps a database of JupyterHub 0.5; 99a28a4418e1 above it never
    # upgrades, so a second run starts from a database of JupyterHub 1.0 at it
    "jupyterhub": ("jupyterhub", "alembic.ini", "alembic", HOOKS / "jupyterhub_hooks.py"),
    "jupyterhub-1.0": ("jupyterhub", "alembic.ini", "alembic", HOOKS / "jupyterhub_1_0_hooks.py"),
    # an async env.py that reads its database from Prefect's settings (the hooks hand it
    # ours); one folder of revisions per dialect: SQLite's here, PostgreSQL's is timed by
    # `invoke bench --stairway-check`
    # its alembic.ini sits with the SQLite run storage and names the shared folder as
    # package:path; the hooks enter upgrading_instance, as `dagster instance migrate` does
    "dagster": (
        "dagster._core.storage",
        "runs/sqlite/alembic/alembic.ini",
        "alembic",
        HOOKS / "dagster_hooks.py",
    ),
    "prefect": (
        "prefect.server.database",
        "alembic.ini",
        "_migrations",
        HOOKS / "prefect_hooks.py",
    ),
}

# the chains run on SQLite only, and the folder of their revisions there
SQLITE_ONLY = {"prefect": "_migrations/versions/sqlite"}

# servers a chain is not run on, and why (docs/real-chains.md says so too)
LEFT_OUT = {
    # Dagster's MySQL storage starts at ba4050312958, with the tables dagster-mysql 0.10.8
    # made by create_all(): its models index TEXT columns with no length, which MariaDB
    # refuses (key too long), so that starting schema cannot be built as it was declared
    "dagster": {"mariadb"},
}

TABLE = Path(__file__).parent.parent / "docs" / "real-chains.md"


def pinned_defects() -> dict[tuple[str, str], set[tuple[str, str]]]:
    """(chain, dialect) -> {(check, revision)}: the rows of docs/real-chains.md's table."""
    text = TABLE.read_text(encoding="utf-8")
    rows = text.split("<!-- defects -->")[1].split("<!-- end of defects -->")[0]
    pinned: dict[tuple[str, str], set[tuple[str, str]]] = {
        (chain, dialect): set()
        for chain in CHAINS
        for dialect in ("sqlite", "postgresql", "mariadb")
    }
    for line in rows.strip().splitlines()[2:]:
        chain, _package, revision, check, dialects, _what, seen_by = (
            cell.strip() for cell in line.strip().strip("|").split("|")
        )
        assert seen_by.startswith("stairway"), line
        for dialect in dialects.split(", "):
            pinned[(chain, dialect)].add((check, revision))
    return pinned


KNOWN = pinned_defects()

# Findings that some runs give and others not, because they follow the generated
# rows (docs/real-chains.md says why): neither required nor refused.
UNSTEADY = {
    # the upgrade numbers the queues' priorities in the order a SELECT without
    # ORDER BY returns them, which the random ids of some generated rows change
    ("prefect", "sqlite"): {("reupgrade", "1678f2fb8b33")},
}


def alembic_ini(chain: str, folder: Path) -> Path:
    """Their alembic.ini, with script_location made absolute, in ``folder``."""
    package, ini, location, _ = CHAINS[chain]
    # a folder without __init__.py (Buildbot's migrations) is a namespace package: no __file__
    home = Path(next(iter(importlib.import_module(package).__path__)))
    scripts = str(home / location).replace("%", "%%")
    text = re.sub(
        r"(?m)^script_location\s*=.*$",
        f"script_location = {scripts}",
        (home / ini).read_text(encoding="utf-8"),
    )
    # Buildbot's version_locations = %(here)s/versions: here is their folder, not ours
    text = text.replace("%(here)s", str(home).replace("%", "%%"))
    if chain in SQLITE_ONLY:
        versions = str(home / SQLITE_ONLY[chain]).replace("%", "%%")
        # Prefect's env.py names the folder itself at run time; the checker reads it here
        text = re.sub(
            r"(?m)^script_location\s*=.*$",
            lambda line: f"{line.group(0)}\nversion_locations = {versions}",
            text,
        )
    path = folder / "alembic.ini"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.filterwarnings(
    "ignore::DeprecationWarning",
    "ignore::FutureWarning",
    "ignore::UserWarning",
    "ignore::PendingDeprecationWarning",
    # Buildbot's builds and buildsets point at each other: SQLAlchemy says it
    # cannot sort them, as it says to every user of those models
    "ignore::sqlalchemy.exc.SAWarning",
)
@pytest.mark.parametrize(
    ("database", "chain"),
    [
        pytest.param(database, chain, marks=needs(database), id=f"{database}-{chain}")
        for chain in CHAINS
        if chain not in SQLITE_ONLY
        for database in KINDS
        if database not in LEFT_OUT.get(chain, ())
    ],
)
def test_a_real_chain_gives_exactly_its_known_findings(chain, database, tmp_path):
    check_chain(chain, database, tmp_path)


@pytest.mark.filterwarnings(
    "ignore::DeprecationWarning",
    "ignore::FutureWarning",
    "ignore::UserWarning",
    "ignore::PendingDeprecationWarning",
    # Prefect's expression indexes, which SQLAlchemy does not reflect on SQLite
    "ignore::sqlalchemy.exc.SAWarning",
)
@pytest.mark.parametrize("chain", list(SQLITE_ONLY))
def test_a_real_chain_on_sqlite_gives_exactly_its_known_findings(chain, tmp_path, monkeypatch):
    # Prefect keeps its profiles and logs under PREFECT_HOME: a scratch one
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect-home"))
    check_chain(chain, "sqlite", tmp_path)


def check_chain(chain: str, database: str, tmp_path: Path) -> None:
    try:
        importlib.import_module(CHAINS[chain][0])
    except ImportError as exc:
        pytest.fail(f"{exc}: pip install -e '.[realchains]' installs them", pytrace=False)
    url = DATABASES[database]
    if database == "sqlite":
        url = f"sqlite:///{tmp_path}/server.db"
    project = Project(alembic_ini(chain, tmp_path))
    report = check_project(project, [url], load_hooks(CHAINS[chain][3]), use_squawk=False)
    found = {(r.check, r.revision) for r in report.with_status(FAILED)}
    unsteady = UNSTEADY.get((chain, database), set())
    summaries = [r.summary for r in report.with_status(FAILED)]
    assert found - unsteady == KNOWN[(chain, database)] - unsteady, summaries
