"""`invoke bench --stairway-check`: what `stairway check` costs, against its peers, on one chain.

A chain is generated for the run (in a temporary folder, never kept): ten
tables made by the first revision, then each revision adds a column to one
table or widens one, round the tables in turn, with models that match the
head.  On the same database, one after the other:

- ``stairway check`` (squawk left out), as a user runs it;
- pytest-alembic's four default tests and pytest-mrt's automatic tests, each
  in its own pytest process with the Python given by ``--peers-python`` (a
  virtualenv with ``pip install -e '.[peers]'``: both are pytest plugins).

Every time is a whole process, start included, for all three alike.  Then
``stairway check`` alone on a 5- and a 100-revision chain: its cost per
revision must stay flat.  The bounds the issue sets are printed with each
verdict; a bound missed exits 1.

Then the same chain again with every tenth revision broken (a copy, its
downgrade raising): each broken revision leaves its database half-way and
the next one starts from a copy, so a chain where one revision in ten fails
must cost at most 1.2 times the same chain with none failing.

With ``--real-chain NAME`` (``prefect``, ``dagster``) it times a real chain
shipped in its installed package instead, on the database of ``--url``:
``stairway check --no-squawk`` with the hooks file the chain needs
(tests/real_chains/) against pytest-alembic's four default tests, in the
same run, with glue of ours doing for pytest-alembic what the hooks do for
the checker (the application's settings handed each scratch URL, the
tables the first revision finds, an async env.py run in a worker thread of
an event loop).  Bound: 1.5 times pytest-alembic.
"""

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from scripts.peer_comparison import CORPUS_SETUP, DIALECTS, Target, run_tool
from sqlalchemy_stairway.check.engines import parse_url, redact

TABLES = 10
SIZES = (5, 100)
PEER_BOUNDS = {"pytest-mrt": 1.0, "pytest-alembic": 1.5}
FLAT_BOUND = 1.5  # per-revision cost at 100 revisions at most this times that at 5
BROKEN_BOUND = 1.2  # a chain with one revision in ten failing, against none failing
REAL_CHAIN_BOUND = 1.5  # stairway check against pytest-alembic's four tests, on a real chain
BROKEN = '    raise RuntimeError("broken for the bench: every tenth revision fails")\n'

INI = """\
[alembic]
script_location = %(here)s
path_separator = os
sqlalchemy.url = sqlite:///bench.db
"""

ENV = '''\
"""Alembic's generic env.py."""

import importlib.util
from pathlib import Path

from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
spec = importlib.util.spec_from_file_location("bench_models", Path(__file__).with_name("models.py"))
models = importlib.util.module_from_spec(spec)
spec.loader.exec_module(models)
target_metadata = models.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = engine_from_config(config.get_section(config.config_ini_section, {}),
                                prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
'''

REVISION = '''\
"""{title}"""

import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
{upgrade}


def downgrade() -> None:
{downgrade}
'''


def write_chain(folder: Path, revisions: int) -> Path:
    """Write a project of ``revisions`` revisions over ten tables; return its alembic.ini."""
    (folder / "versions").mkdir(parents=True)
    (folder / "alembic.ini").write_text(INI, encoding="utf-8")
    (folder / "env.py").write_text(ENV, encoding="utf-8")
    (folder / "script.py.mako").write_text("", encoding="utf-8")
    columns = {t: {"name": "sa.String(40)"} for t in range(TABLES)}
    create = "\n".join(
        f'    op.create_table("t{t}", sa.Column("id", sa.Integer, primary_key=True), '
        f'sa.Column("name", sa.String(40), nullable=False))'
        for t in range(TABLES)
    )
    drop = "\n".join(f'    op.drop_table("t{t}")' for t in reversed(range(TABLES)))
    steps = [("create ten tables", create, drop)]
    for n in range(1, revisions):
        table = n % TABLES
        if n % 2:  # add a column
            column = f"c{n}"
            columns[table][column] = "sa.String(20)"
            steps.append(
                (
                    f"add t{table}.{column}",
                    f'    op.add_column("t{table}", sa.Column("{column}", sa.String(20)))',
                    f'    with op.batch_alter_table("t{table}") as batch:\n'
                    f'        batch.drop_column("{column}")',
                )
            )
        else:  # widen its name by one character
            old = int(columns[table]["name"][10:-1])
            columns[table]["name"] = f"sa.String({old + 1})"
            alter = (
                f'    with op.batch_alter_table("t{table}") as batch:\n'
                f'        batch.alter_column("name", type_=sa.String({{}}), '
                f"existing_type=sa.String({{}}), existing_nullable=False)"
            )
            steps.append(
                (f"widen t{table}.name", alter.format(old + 1, old), alter.format(old, old + 1))
            )
    for n, (title, up, down) in enumerate(steps):
        revision = f"{n + 1:04d}"
        down_revision = f"{n:04d}" if n else None
        text = REVISION.format(
            title=title, revision=revision, down=down_revision, upgrade=up, downgrade=down
        )
        (folder / "versions" / f"{revision}_step.py").write_text(text, encoding="utf-8")
    model_lines = ["import sqlalchemy as sa", "", "metadata = sa.MetaData()"]
    for t, table_columns in columns.items():
        model_lines.append(
            f'sa.Table("t{t}", metadata, sa.Column("id", sa.Integer, primary_key=True), '
            + ", ".join(
                f'sa.Column("{name}", {type_}, nullable={name != "name"})'
                for name, type_ in table_columns.items()
            )
            + ")"
        )
    (folder / "models.py").write_text("\n".join(model_lines) + "\n", encoding="utf-8")
    return folder / "alembic.ini"


def break_every_tenth(chain: Path, folder: Path) -> Path:
    """Copy the chain in ``chain`` to ``folder`` with every tenth revision's downgrade raising."""
    shutil.copytree(chain, folder)
    for n, path in enumerate(sorted((folder / "versions").glob("*.py")), start=1):
        if n % 10 == 0:
            text = path.read_text(encoding="utf-8")
            path.write_text(
                text.replace("def downgrade() -> None:\n", "def downgrade() -> None:\n" + BROKEN),
                encoding="utf-8",
            )
    return folder / "alembic.ini"


def time_stairway(ini: Path, url: str, hooks: Path | None = None) -> tuple[float, int]:
    """Seconds for `stairway check --no-squawk` on ``url``'s server, and its exit status."""
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sqlalchemy_stairway.check.cli",
            "check",
            "--config",
            str(ini),
            "--url",
            url,
            "--no-squawk",
        ]
        + (["--hooks", str(hooks)] if hooks else []),
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    seconds = time.perf_counter() - start
    if done.returncode == 2:
        raise SystemExit(f"error: stairway check could not run: {done.stderr.strip()}")
    return seconds, done.returncode


def time_peer(tool: str, ini: Path, url: str, python: str) -> tuple[float, str]:
    setup = CORPUS_SETUP.format(ini=str(ini), folder=str(ini.parent))
    target = Target(ini.parent.name, setup, "models:metadata", [], None)
    outcome = run_tool(tool, target, url, python)
    return outcome.seconds, outcome.verdict


def time_peer_target(target: Target, url: str, python: str) -> tuple[float, str]:
    """pytest-alembic's four tests on ``target``: seconds, and passed or failed (which tests)."""
    outcome = run_tool("pytest-alembic", target, url, python)
    failed = f" ({', '.join(outcome.failed)})" if outcome.failed else ""
    return outcome.seconds, outcome.verdict + failed


def main(url: str, revisions: int, peers_python: str, output: str | None) -> int:
    results: dict = {"url": url, "revisions": revisions}
    missed = []
    with tempfile.TemporaryDirectory() as tmp:
        ini = write_chain(Path(tmp) / f"chain{revisions}", revisions)
        ours, status = time_stairway(ini, url)
        print(f"stairway check, {revisions} revisions: {ours:.1f} s (exit {status})")
        results["stairway check"] = ours
        for tool, bound in PEER_BOUNDS.items():
            seconds, verdict = time_peer(tool, ini, url, peers_python)
            results[tool] = seconds
            ratio = ours / seconds
            ok = ratio <= bound
            missed += [] if ok else [tool]
            print(
                f"{tool}: {seconds:.1f} s ({verdict}); stairway check / {tool} = {ratio:.2f} "
                f"(bound {bound}) {'ok' if ok else 'MISSED'}"
            )
        broken, _ = time_stairway(break_every_tenth(ini.parent, Path(tmp) / "broken"), url)
        ratio = broken / ours
        ok = ratio <= BROKEN_BOUND
        missed += [] if ok else ["broken"]
        results["one in ten failing"] = broken
        print(
            f"stairway check, one revision in ten failing: {broken:.1f} s; against none failing "
            f"x{ratio:.2f} (bound {BROKEN_BOUND}) {'ok' if ok else 'MISSED'}"
        )
        per_revision = {}
        for size in SIZES:
            sized = write_chain(Path(tmp) / f"flat{size}", size)
            seconds, _ = time_stairway(sized, url)
            per_revision[size] = seconds / size
            print(f"stairway check, {size} revisions: {seconds:.1f} s, {seconds / size:.3f} s each")
        growth = per_revision[SIZES[1]] / per_revision[SIZES[0]]
        flat = growth <= FLAT_BOUND
        missed += [] if flat else ["flat"]
        print(
            f"cost per revision, {SIZES[1]} vs {SIZES[0]}: x{growth:.2f} "
            f"(bound {FLAT_BOUND}) {'ok' if flat else 'MISSED'}"
        )
        results["per revision"] = per_revision
    if output:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 1 if missed else 0


REAL_CHAIN_HOOKS = Path(__file__).resolve().parent.parent / "tests" / "real_chains"


@dataclass(frozen=True)
class RealChain:
    """A real chain in an installed package, and what both tools need to run it."""

    package: str  # the package folder that holds the chain
    script_location: str  # relative to that folder
    hooks: dict[str, str]  # dialect -> hooks file in tests/real_chains (its dialects)
    # dialect -> the folder of its revisions, when env.py picks one per dialect at run time
    versions: dict[str, str] | None = None
    async_env: bool = False  # env.py only runs in a worker thread of an event loop
    # env.py uses config.attributes["connection"] as a Connection (the application hands
    # one, in the hooks' ISOLATION_LEVEL); pytest-alembic hands its engine there
    wants_connection: bool = False
    home: str = ""  # the variable naming the application's home folder (a scratch one)


REAL_CHAINS = {
    "prefect": RealChain(
        "prefect.server.database",
        "_migrations",
        {"sqlite": "prefect_hooks.py", "postgresql": "prefect_postgresql_hooks.py"},
        {d: f"_migrations/versions/{d}" for d in ("sqlite", "postgresql")},
        async_env=True,
        home="PREFECT_HOME",
    ),
    "dagster": RealChain(
        "dagster._core.storage",
        "alembic",
        # not MariaDB: Dagster's MySQL storage starts from tables MariaDB refuses
        # (docs/real-chains.md)
        {d: "dagster_hooks.py" for d in ("sqlite", "postgresql")},
        wants_connection=True,
        home="DAGSTER_HOME",
    ),
}

# pytest-alembic's glue for a real chain: the hooks file's hand_url and
# starting_schema called on each new scratch database, env.py in a worker thread
REAL_CHAIN_SETUP = """\
import importlib.util

from alembic import context
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from sqlalchemy_stairway.check.project import Project
from sqlalchemy_stairway.check.worker_thread import in_worker_thread

INI = {ini!r}
_spec = importlib.util.spec_from_file_location("chain_hooks", {hooks!r})
HOOKS = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(HOOKS)

_run_env = ScriptDirectory.run_env
_LEVEL = getattr(HOOKS, "ISOLATION_LEVEL", None)


def _run_env_as_the_application_does(self):
    attributes = context.config.attributes
    handed = attributes.get("connection")
    if {wants_connection!r} and isinstance(handed, Engine):
        level = _LEVEL.get(handed.dialect.name) if isinstance(_LEVEL, dict) else _LEVEL
        with handed.connect() as connection:
            if level:  # the isolation level the application migrates in, as the hooks say
                connection.execution_options(isolation_level=level)
            attributes["connection"] = connection
            try:
                done = _run_env_as_the_application_does(self)
                connection.commit()
                return done
            finally:
                attributes["connection"] = handed
    if {async_env!r}:
        # as the application migrates: from a worker thread of its event loop
        return in_worker_thread(lambda: _run_env(self))
    return _run_env(self)


ScriptDirectory.run_env = _run_env_as_the_application_does


def baseline(engine):
    if hasattr(HOOKS, "hand_url"):
        # an async env.py makes its engine from this URL: with its asyncio driver, as the checker
        url = Project(INI).url_for_env(engine.url)
        HOOKS.hand_url(url.render_as_string(hide_password=False))
    if hasattr(HOOKS, "starting_schema"):
        with engine.begin() as connection:
            HOOKS.starting_schema(connection)
"""


def real_chain_dialect(name: str, url: str) -> str:
    """The dialect of ``url`` as the chains name it; one clear error when ``name`` has no glue."""
    if name not in REAL_CHAINS:
        raise SystemExit(f"error: no real chain {name!r}; choose one of {', '.join(REAL_CHAINS)}")
    dialect = DIALECTS.get(parse_url(url).get_backend_name(), "")
    if dialect not in REAL_CHAINS[name].hooks:
        raise SystemExit(
            f"error: {name}'s chain is timed on {', '.join(REAL_CHAINS[name].hooks)}, "
            f"not on {redact(url)}"
        )
    return dialect


def real_chain_ini(name: str, dialect: str, folder: Path) -> Path:
    """Write an alembic.ini for ``name``'s chain on ``dialect`` in ``folder``: absolute paths."""
    chain = REAL_CHAINS[name]
    try:
        # a folder without __init__.py is a namespace package: no __file__
        home = Path(next(iter(importlib.import_module(chain.package).__path__)))
    except ImportError as exc:
        raise SystemExit(f"error: {name}'s chain is not installed ({exc})") from None
    lines = ["[alembic]", f"script_location = {home / chain.script_location}"]
    if chain.versions:
        lines.append(f"version_locations = {home / chain.versions[dialect]}")
    lines.append("path_separator = os")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "alembic.ini"
    path.write_text("\n".join(re.sub("%", "%%", line) for line in lines) + "\n", encoding="utf-8")
    return path


def real_chain_target(name: str, ini: Path, hooks: Path) -> Target:
    chain = REAL_CHAINS[name]
    setup = REAL_CHAIN_SETUP.format(
        ini=str(ini),
        hooks=str(hooks),
        async_env=chain.async_env,
        wants_connection=chain.wants_connection,
    )
    return Target(name, setup, "", [], None)


def main_real_chain(name: str, url: str, peers_python: str, output: str | None) -> int:
    """Time `stairway check` and pytest-alembic on ``name``'s chain, on ``url``'s server."""
    dialect = real_chain_dialect(name, url)
    chain = REAL_CHAINS[name]
    hooks = REAL_CHAIN_HOOKS / chain.hooks[dialect]
    with tempfile.TemporaryDirectory() as tmp:
        ini = real_chain_ini(name, dialect, Path(tmp) / name)
        if chain.home:
            # the application keeps its settings and logs there: a scratch one, for both
            os.environ[chain.home] = str(Path(tmp) / "home")
            (Path(tmp) / "home").mkdir()
        ours, status = time_stairway(ini, url, hooks)
        print(f"stairway check, {name} on {dialect}: {ours:.1f} s (exit {status})")
        seconds, verdict = time_peer_target(real_chain_target(name, ini, hooks), url, peers_python)
    ratio = ours / seconds
    ok = ratio <= REAL_CHAIN_BOUND
    print(
        f"pytest-alembic: {seconds:.1f} s ({verdict}); stairway check / pytest-alembic = "
        f"{ratio:.2f} (bound {REAL_CHAIN_BOUND}) {'ok' if ok else 'MISSED'}"
    )
    results = {
        "chain": name,
        "url": redact(url),
        "stairway check": ours,
        "stairway check exit": status,
        "pytest-alembic": seconds,
        "pytest-alembic verdict": verdict,
        "ratio": ratio,
        "bound": REAL_CHAIN_BOUND,
        "load average": os.getloadavg(),
    }
    if output:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0 if ok else 1
