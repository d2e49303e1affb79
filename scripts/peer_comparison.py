"""Measure what pytest-alembic and pytest-mrt catch on the test corpus.

    python -m scripts.peer_comparison --url sqlite:///tutorial.db \\
        --url postgresql+psycopg://user@host/db --peers-python PATH/TO/venv/bin/python \\
        [--project NAME ... | --real-chain NAME ...] [--output FILE.md]

For each project in tests/corpus/manifest.toml and each server URL whose
dialect the project supports, each tool runs in its own pytest process (with
the Python given by ``--peers-python``: a virtualenv of its own with
``pip install -e '.[peers]'``; by default this interpreter) against a scratch
database made next to the URL's and dropped after:

- pytest-alembic: its four default tests (single head, upgrade, models match
  DDL, up/down consistency), imported explicitly because pytest-alembic 0.13
  cannot collect them itself on pytest 9.2;
- pytest-mrt: its automatic tests (single head, upgrade, downgrade to base,
  up/down consistency with seeded rows, static scan without errors, schema
  matches models), configured with ``MRTConfig(target_metadata=...)``.

Each cell says ``caught`` (a test failed where the manifest says the defect
shows), ``missed`` (all passed there), ``false alarm`` (a test failed on a
correct project, or on a dialect where the defect does not show) or ``clean``,
with the tests that failed and the wall time of the pytest process (its start
included).  ``--real-chain NAME`` runs the same tools on a real chain shipped in
an installed package instead (optuna, MLflow's auth and tracking chains; see
tests/corpus/README.md), reporting ``passed`` or ``failed``.  The table goes to
``--output`` or standard output.
"""

import argparse
import re
import subprocess
import sys
import tempfile
import time
import tomllib
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy_stairway.check.engines import parse_url, redact
from sqlalchemy_stairway.check.scratch import scratch_database

REPOSITORY = Path(__file__).resolve().parent.parent
CORPUS = REPOSITORY / "tests" / "corpus"
DIALECTS = {"sqlite": "sqlite", "postgresql": "postgresql", "mysql": "mariadb"}
TIMEOUT_SECONDS = 600

# Where a target's alembic.ini is, and what to create before its first revision.
CORPUS_SETUP = """\
INI = {ini!r}
sys.path.insert(0, {folder!r})


def baseline(engine):
    pass
"""

# A real chain inside an installed package: its ini, copied with an absolute
# script_location (theirs is relative to the folder their code runs from).
PACKAGE_SETUP = """\
import importlib
import re
import tempfile
from pathlib import Path

FOLDER = Path(importlib.import_module({module!r}).__file__).parent
SCRIPTS = str(FOLDER / {script_location!r}).replace("%", "%%")
INI_TEXT = re.sub(
    r"(?m)^script_location\\s*=.*$", "script_location = " + SCRIPTS, (FOLDER / {ini!r}).read_text()
).replace("%(here)s", str(FOLDER).replace("%", "%%"))
INI = str(Path(tempfile.mkdtemp()) / "alembic.ini")
Path(INI).write_text(INI_TEXT)


def baseline(engine):
    if {baseline!r}:
        module, name = {baseline!r}.split(":")
        made = getattr(importlib.import_module(module), name)
        if hasattr(made, "metadata"):
            made.metadata.create_all(engine)
        else:  # a starting_schema(connection) hook
            with engine.begin() as connection:
                made(connection)
"""

PYTEST_ALEMBIC_TESTS = """\
import sys

import pytest
from pytest_alembic.tests import (  # noqa: F401  (imported to be collected here)
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from sqlalchemy import create_engine

sys.path.insert(0, {repository!r})
from sqlalchemy_stairway.check.scratch import scratch_database

{setup}

@pytest.fixture
def alembic_engine(tmp_path):
    # pytest-alembic expects a new, empty database for each test
    with scratch_database({server_url!r}, tmp_path) as url:
        engine = create_engine(url)
        baseline(engine)
        yield engine
        engine.dispose()


@pytest.fixture
def alembic_config(alembic_engine):
    url = alembic_engine.url.render_as_string(hide_password=False)
    return {{"file": INI, "sqlalchemy.url": url}}
"""

PYTEST_MRT_CONFTEST = """\
import sys

from pytest_mrt import MRTConfig
from sqlalchemy import create_engine

sys.path.insert(0, {repository!r})

{setup}

def pytest_configure(config):
    engine = create_engine({url!r})
    baseline(engine)
    engine.dispose()
    config._mrt_config = MRTConfig(alembic_ini=INI, db_url={url!r}, target_metadata={metadata!r})
"""

TOOLS = {
    "pytest-alembic": ["-p", "no:mrt", "-o", "pytest_alembic_tests_path=no-such-folder"],
    "pytest-mrt": ["-p", "no:pytest_alembic"],
}


@dataclass
class Target:
    """A chain to run the peers on: a corpus project or a real chain in a package."""

    name: str
    setup: str  # Python that defines INI and baseline(engine) in the generated files
    metadata: str  # target_metadata for pytest-mrt, as "module:attribute"
    dialects: list[str]
    shows_on: list[str] | None  # None: a real chain, no known defect to compare with
    check: str = ""  # the manifest's check for the defect


@dataclass
class RealChain:
    """A real Alembic chain shipped inside a package on the package index."""

    requirement: str  # what to pip install (into the peers' virtualenv)
    module: str  # the package folder that holds alembic.ini
    ini: str
    script_location: str  # relative to that folder
    metadata: str
    # "module:Base" whose tables exist before the first revision, or a
    # "module:starting_schema" hook that makes them on a connection
    baseline: str = ""
    dialects: list[str] = field(default_factory=lambda: ["sqlite", "postgresql", "mariadb"])


REAL_CHAINS = {
    "optuna": RealChain(
        "optuna==5.0.0",
        "optuna.storages._rdb",
        "alembic.ini",
        "alembic",
        "optuna.storages._rdb.models:BaseModel",
    ),
    "mlflow-auth": RealChain(
        "mlflow-skinny==3.17.2 flask flask-wtf pandas",
        "mlflow.server.auth.db.migrations",
        "alembic.ini",
        ".",
        "mlflow.server.auth.db.models:Base",
    ),
    "buildbot": RealChain(
        "buildbot==4.3.0",
        "buildbot.db.migrations",
        "alembic.ini",
        ".",
        "buildbot.db.model:Model",
        baseline="tests.real_chains.buildbot_hooks:starting_schema",
    ),
    "jupyterhub": RealChain(
        "jupyterhub==6.1.1",
        "jupyterhub",
        "alembic.ini",
        "alembic",
        "jupyterhub.orm:Base",
        baseline="tests.real_chains.jupyterhub_hooks:starting_schema",
    ),
    # env.py lists the three storages' metadata, two of them by mistake as classes
    # (docs/real-chains.md): the event log's MetaData is the one it compares
    "dagster": RealChain(
        "dagster==1.13.29",
        "dagster._core.storage",
        "runs/sqlite/alembic/alembic.ini",
        "alembic",
        "dagster._core.storage.event_log.schema:SqlEventLogStorageMetadata",
        baseline="tests.real_chains.dagster_hooks:starting_schema",
        # Dagster's MySQL storage starts at a later revision (docs/real-chains.md)
        dialects=["sqlite", "postgresql"],
    ),
    "mlflow-tracking": RealChain(
        "mlflow-skinny==3.17.2 flask flask-wtf pandas",
        "mlflow.store.db_migrations",
        "alembic.ini",
        ".",
        "mlflow.store.tracking.dbmodels.models:Base",
        baseline="mlflow.store.tracking.dbmodels.initial_models:Base",
    ),
}


def corpus_targets(manifest: dict, names: list[str]) -> list[Target]:
    targets = []
    for name in names or manifest:
        entry = manifest[name]
        folder = CORPUS / name
        models = entry.get("models", "models.py").removesuffix(".py").replace("/", ".")
        setup = CORPUS_SETUP.format(ini=str(folder / "alembic.ini"), folder=str(folder))
        defect = entry.get("defect", {})
        metadata = f"{models}:metadata"
        shows_on = defect.get("shows_on", [])
        targets.append(
            Target(name, setup, metadata, entry["dialects"], shows_on, defect.get("check", ""))
        )
    return targets


def real_chain_targets(names: list[str]) -> list[Target]:
    targets = []
    for name in names:
        chain = REAL_CHAINS[name]
        setup = PACKAGE_SETUP.format(
            module=chain.module,
            script_location=chain.script_location,
            ini=chain.ini,
            baseline=chain.baseline,
        )
        targets.append(Target(name, setup, chain.metadata, chain.dialects, None))
    return targets


@dataclass
class Outcome:
    verdict: str
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def cell(self) -> str:
        failed = f" ({', '.join(self.failed)})" if self.failed else ""
        return f"{self.verdict}{failed}, {self.seconds:.1f} s"


def write_tool_files(tool: str, folder: Path, target: Target, url: str, server_url: str) -> None:
    """Write the pytest files that run ``tool`` on ``target``: in ``url``, or one per test."""
    if tool == "pytest-alembic":
        tests = PYTEST_ALEMBIC_TESTS.format(
            repository=str(REPOSITORY), setup=target.setup, server_url=server_url
        )
        (folder / "test_peer.py").write_text(tests)
        return
    conftest = PYTEST_MRT_CONFTEST.format(
        repository=str(REPOSITORY), setup=target.setup, url=url, metadata=target.metadata
    )
    (folder / "conftest.py").write_text(conftest)
    (folder / "test_peer.py").write_text('"""pytest-mrt adds its automatic tests here."""\n')


def failed_tests(junit: Path) -> tuple[list[str], int]:
    """Return the names of the failed or erroring tests, and how many tests ran."""
    root = ElementTree.parse(junit).getroot()
    cases = list(root.iter("testcase"))
    failed = []
    for case in cases:
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is None:
            continue
        name = case.get("name", "?").removeprefix("test_")
        # the static scan's failure lists "[revision] pattern: message": name the patterns
        text = problem.get("message", "") + (problem.text or "")
        patterns = sorted(set(re.findall(r"^\s*\[[\w.]+\] ([^:\n]+):", text, re.MULTILINE)))
        failed.append(f"{name}: {'; '.join(patterns)}" if patterns else name)
    return failed, len(cases)


def run_tool(tool: str, target: Target, server_url: str, python: str) -> Outcome:
    with tempfile.TemporaryDirectory() as tmp, scratch_database(server_url, Path(tmp)) as url:
        folder = Path(tmp)
        rendered = url.render_as_string(hide_password=False)
        write_tool_files(tool, folder, target, rendered, server_url)
        junit = folder / "report.xml"
        command = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        command += TOOLS[tool] + [f"--junitxml={junit}", "--rootdir", tmp, "test_peer.py"]
        start = time.perf_counter()
        subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
        seconds = time.perf_counter() - start
        if not junit.exists():
            return Outcome("did not run", seconds=seconds)
        failed, ran = failed_tests(junit)
        if ran == 0:
            return Outcome("did not run", seconds=seconds)
    if target.shows_on is None:
        return Outcome("failed" if failed else "passed", failed, seconds)
    shows = DIALECTS[parse_url(server_url).get_backend_name()] in target.shows_on
    verdicts = {(True, True): "caught", (True, False): "missed"}
    verdicts |= {(False, True): "false alarm", (False, False): "clean"}
    return Outcome(verdicts[shows, bool(failed)], failed, seconds)


def compare(server_urls: list[str], targets: list[Target], python: str) -> str:
    lines = []
    for server_url in server_urls:
        dialect = DIALECTS[parse_url(server_url).get_backend_name()]
        lines += [
            f"### {dialect} ({redact(server_url)})",
            "",
            "| chain | defect here (check) | " + " | ".join(TOOLS) + " |",
            "|---|---|" + "---|" * len(TOOLS),
        ]
        totals = dict.fromkeys(TOOLS, 0.0)
        for target in targets:
            if dialect not in target.dialects:
                continue
            if target.shows_on is None:
                shows = "(real chain)"
            else:
                shows = target.check if dialect in target.shows_on else "-"
            cells = []
            for tool in TOOLS:
                outcome = run_tool(tool, target, server_url, python)
                totals[tool] += outcome.seconds
                cells.append(outcome.cell())
                print(f"{dialect} {target.name} {tool}: {outcome.cell()}", file=sys.stderr)
            lines.append(f"| {target.name} | {shows} | " + " | ".join(cells) + " |")
        lines.append(
            "| **total time** | | " + " | ".join(f"{totals[t]:.1f} s" for t in TOOLS) + " |"
        )
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", action="append", required=True, help="a server URL (repeat)")
    parser.add_argument("--project", action="append", default=[], help="only this project")
    parser.add_argument(
        "--real-chain",
        action="append",
        default=[],
        choices=sorted(REAL_CHAINS),
        help="a real chain from an installed package instead of the corpus (repeat)",
    )
    parser.add_argument("--peers-python", default=sys.executable, help="Python with the peers")
    parser.add_argument("--output", type=Path, help="write the Markdown table here")
    args = parser.parse_args(argv)
    if args.real_chain:
        targets = real_chain_targets(args.real_chain)
    else:
        with open(CORPUS / "manifest.toml", "rb") as file:
            targets = corpus_targets(tomllib.load(file), args.project)
    table = compare(args.url, targets, args.peers_python)
    if args.output:
        args.output.write_text(table + "\n")
    else:
        print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
