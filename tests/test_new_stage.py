"""Adding a stage is four files: scaffold one in a copy of the project, and run the suite on it.

The copy is made from the files git knows, so what a contributor clones is
what is tested.  The new stage is a many-to-many, the shape the generic
tests are most likely to get wrong: a ``keyword`` table with a unique
column, and an association table with a two-column primary key pointing at
``keyword`` and at a table of the head.  It is written as the README's
"Writing a new stage" says: ``invoke new-stage``, then the models, the
revision, the declaration and the lesson by hand, then ``invoke golden``,
``invoke diagrams`` and ``invoke sessions --stage N`` (generated).

Then the copy's README test command, ``pytest``, must pass on SQLite with
the new stage among what it checked, and the kill matrix
(``tests/test_faults.py``) must finish every run of the new revision killed
at any write on every database this run has.  The proof is marked ``full``:
it runs the suite again inside itself, on SQLite only, since the outer run
already puts the same generic tests to the servers and CI has an hour.
"""

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from scripts.stages import STAIRWAY
from tests.conftest import DATABASES, SERVER_URLS
from tests.helpers import PROJECT

HEAD = STAIRWAY.head
NUMBER = HEAD.number + 1
REVISION = f"{NUMBER:04d}"


def integer_key(table) -> str | None:
    """Return the name of ``table``'s primary key if it is one integer column."""
    (key, *more) = table.primary_key.columns
    return None if more or key.type.python_type is not int else key.name


# what the keywords tag: the head's item table if it has one, else its first with an integer key
PARENT = next(
    table
    for table in sorted(HEAD.metadata.sorted_tables, key=lambda t: t.name != "item")
    if integer_key(table)
)
PARENT_KEY = integer_key(PARENT)
LINK = f"{PARENT.name}_keyword"


def run(
    folder: Path, *args: str, timeout: int = 3600, servers: bool = True
) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    if not servers:
        env = {k: v for k, v in env.items() if k not in SERVER_URLS.values()}
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


def copy_of_the_project(folder: Path) -> Path:
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=PROJECT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = PROJECT / name
        if source.is_file():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    # the copy's own suite is the project's, less this test, which would copy again
    (folder / "tests" / "test_new_stage.py").unlink()
    return folder


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path.name} has no {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# -- the four files, as a contributor writes them after `invoke new-stage` -------------


MODELS = f'''

class Keyword(Base):
    __tablename__ = "keyword"

    id: Mapped[int] = mapped_column(primary_key=True)
    keyword: Mapped[str] = mapped_column(String(50), unique=True)

    def __repr__(self) -> str:
        return f"Keyword({{self.keyword!r}})"


{LINK} = Table(
    "{LINK}",
    Base.metadata,
    Column("{PARENT.name}_id", ForeignKey("{PARENT.name}.{PARENT_KEY}"), primary_key=True),
    Column("keyword_id", ForeignKey("keyword.id"), primary_key=True),
)
'''

REVISION_BODY = f'''
# What squawk, the PostgreSQL migration linter, reports on this upgrade, and why
# it stands (tests/test_squawk.py keeps the rules equal to squawk's findings)
SQUAWK_WAIVERS: dict[str, str] = {{
    "prefer-bigint-over-int": "INTEGER ids like every other table of the schema",
    "prefer-identity": "SERIAL ids, SQLAlchemy's rendering of an Integer primary key",
    "prefer-text-field": "VARCHAR(50) keywords, since MariaDB needs a length for VARCHAR",
}}


def upgrade() -> None:
    """Create keyword and {LINK}."""
    op.create_table(
        "keyword",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("keyword", sa.String(50), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_keyword")),
        sa.UniqueConstraint("keyword", name=op.f("uq_keyword_keyword")),
    )
    op.create_table(
        "{LINK}",
        sa.Column("{PARENT.name}_id", sa.Integer(), nullable=False),
        sa.Column("keyword_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["{PARENT.name}_id"],
            ["{PARENT.name}.{PARENT_KEY}"],
            name=op.f("fk_{LINK}_{PARENT.name}_id_{PARENT.name}"),
        ),
        sa.ForeignKeyConstraint(
            ["keyword_id"], ["keyword.id"], name=op.f("fk_{LINK}_keyword_id_keyword")
        ),
        sa.PrimaryKeyConstraint("{PARENT.name}_id", "keyword_id", name=op.f("pk_{LINK}")),
    )


def downgrade() -> None:
    """Drop {LINK} and keyword, after asking if they hold rows."""
    op.confirm_data_loss(
        {{
            "table {LINK}": sa.select(sa.func.count()).select_from(sa.table("{LINK}")),
            "table keyword": sa.select(sa.func.count()).select_from(sa.table("keyword")),
        }}
    )
    op.drop_table("{LINK}")
    op.drop_table("keyword")
'''


def write_the_revision(path: Path) -> None:
    """Keep the scaffold's docstring and identifiers; write the rest."""
    scaffolded = path.read_text(encoding="utf-8")
    assert f'revision: str = "{REVISION}"' in scaffolded
    assert f'down_revision: str | Sequence[str] | None = "{HEAD.revision}"' in scaffolded
    docstring = scaffolded[: scaffolded.index('"""', 3) + 3]
    path.write_text(
        f"""{docstring}

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "{REVISION}"
down_revision: str | Sequence[str] | None = "{HEAD.revision}"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
{REVISION_BODY}""",
        encoding="utf-8",
    )


def write_the_stage(files: dict[str, Path]) -> None:
    """Do what a contributor does after `invoke new-stage`: keywords on PARENT's rows."""
    models = files["models"]
    text = models.read_text(encoding="utf-8")
    docstring_end = text.index('"""', 3) + 3
    models.write_text(
        text[:docstring_end]
        + "\n\nfrom sqlalchemy import Column, Table  # the association table"
        + text[docstring_end:]
        + MODELS,
        encoding="utf-8",
    )
    write_the_revision(files["revision"])
    replace(files["declaration"], "new_tables=(),", f'new_tables=("keyword", "{LINK}"),')
    replace(
        files["declaration"],
        "rows={},",
        f"""rows={{
        "keyword": ({{"id": 1, "keyword": "food"}}, {{"id": 2, "keyword": "drink"}}),
        "{LINK}": (
            {{"{PARENT.name}_id": 1, "keyword_id": 1}},
            {{"{PARENT.name}_id": 1, "keyword_id": 2}},
        ),
    }},""",
    )
    tables = sorted([*HEAD.metadata.tables, "alembic_version"])
    replace(files["lesson"], repr(tables), repr(sorted([*tables, "keyword", LINK])))


def scaffold(project: Path) -> dict[str, Path]:
    made = run(project, "invoke", "new-stage", "Keywords")
    assert made.returncode == 0, made.stderr
    written = [line.removeprefix("wrote ") for line in made.stdout.splitlines() if "wrote" in line]
    files = dict(zip(("revision", "models", "declaration", "lesson"), written, strict=True))
    return {kind: project / path for kind, path in files.items()}


def outcome(report: Path, result: subprocess.CompletedProcess) -> tuple[dict, set[str], str]:
    """Return the counts of a pytest run's report, its test names, and the end of its output."""
    suite = ET.parse(report).getroot().find("testsuite")
    counts = {key: int(suite.get(key)) for key in ("tests", "failures", "errors", "skipped")}
    names = {f"{case.get('classname')}.{case.get('name')}" for case in suite.iter("testcase")}
    return counts, names, "\n".join(result.stdout.splitlines()[-40:])


@pytest.mark.full
def test_a_scaffolded_many_to_many_stage_passes_the_suite(tmp_path):
    project = copy_of_the_project(tmp_path / "project")
    files = scaffold(project)
    assert files["declaration"] == project / "scripts" / "stages" / f"stage{NUMBER}.py"
    write_the_stage(files)
    for task in (["golden"], ["diagrams"], ["sessions", "--stage", str(NUMBER)]):
        result = run(project, "invoke", *task)
        assert result.returncode == 0, result.stderr
    assert (project / "tests" / "golden_sql" / "postgresql" / f"{REVISION}_upgrade.sql").exists()

    report = tmp_path / "suite.xml"
    result = run(
        project,
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--junitxml={report}",
        servers=False,
    )
    counts, names, tail = outcome(report, result)
    assert result.returncode == 0, tail
    assert counts["failures"] == counts["errors"] == 0, tail
    assert counts["skipped"] == 0, f"a skipped test is not a passed one:\n{tail}"
    assert counts["tests"] > 200, tail
    # the new stage itself was checked, seeded, taught and its SQL kept
    for module, its_id in [
        ("test_checks", f"stage{NUMBER}]"),
        ("test_seeding", f"stage{NUMBER}]"),
        ("test_lessons", f"[{NUMBER}]"),
        ("test_golden_sql", f"-{REVISION}-"),
    ]:
        assert any(f".{module}." in name and its_id in name for name in names), module

    # the console sessions are `full`: the new lesson's and the pages read beside them
    report = tmp_path / "sessions.xml"
    sessions = ["pytest", "-q", "-p", "no:cacheprovider", "--full", "-m", "full"]
    result = run(
        project, *sessions, "tests/test_shell_sessions.py", f"--junitxml={report}", servers=False
    )
    counts, names, tail = outcome(report, result)
    assert result.returncode == 0, tail
    assert any(f"sessions_print_what_they_show[{NUMBER}]" in name for name in names), tail

    report = tmp_path / "kills.xml"
    kills = ["pytest", "-q", "-p", "no:cacheprovider", "--full", "-m", "full"]
    result = run(project, *kills, "tests/test_faults.py", "-k", REVISION, f"--junitxml={report}")
    counts, names, tail = outcome(report, result)
    assert result.returncode == 0, tail
    assert counts["tests"] == 2 * len(DATABASES), tail  # up and down, on each database


@pytest.mark.parametrize("name", ["", "  ", "!!!"])
def test_a_name_without_letters_is_refused(name):
    from scripts.new_stage import slug
    from sqlalchemy_stairway.check.errors import StairwayError

    with pytest.raises(StairwayError, match="no letters or digits"):
        slug(name)
