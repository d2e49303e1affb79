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
"""

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scripts.peer_comparison import CORPUS_SETUP, Target, run_tool

TABLES = 10
SIZES = (5, 100)
PEER_BOUNDS = {"pytest-mrt": 1.0, "pytest-alembic": 1.5}
FLAT_BOUND = 1.5  # per-revision cost at 100 revisions at most this times that at 5
BROKEN_BOUND = 1.2  # a chain with one revision in ten failing, against none failing
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


def time_stairway(ini: Path, url: str) -> tuple[float, int]:
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
        ],
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
