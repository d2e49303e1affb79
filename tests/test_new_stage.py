"""Adding a stage is four files: scaffold a stage 6 in a copy of the project, and run every test.

The copy is made from the files git knows, so what a contributor clones is
what is tested.  Stage 6 adds a ``tag`` table whose rows point at an
existing table, with rows of its own, written as the README's "Writing a
new stage" says: ``invoke new-stage``, then the models, the revision, the
declaration and the lesson, then ``invoke golden``, ``invoke diagrams`` and
``invoke sessions``.  The whole suite must
pass on it with nothing skipped or deselected.
"""

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from scripts.stages import STAIRWAY
from tests.helpers import PROJECT

HEAD = STAIRWAY.head
NUMBER = HEAD.number + 1
REVISION = f"{NUMBER:04d}"
# the table the new one points at: the head's first table that has an integer key
PARENT = next(
    t for t in HEAD.metadata.sorted_tables
    if len(t.primary_key.columns) == 1 and next(iter(t.primary_key.columns)).type.python_type is int
)  # fmt: skip
PARENT_KEY = next(iter(PARENT.primary_key.columns)).name


def run(folder: Path, *args: str, timeout: int = 3600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
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


def write_stage_6(project: Path, files: dict[str, Path]) -> None:
    """Do what a contributor does after `invoke new-stage`: a tag table pointing at PARENT."""
    models = files["models"]
    models.write_text(
        models.read_text(encoding="utf-8")
        + f'''

class Tag(Base):
    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[int] = mapped_column(ForeignKey("{PARENT.name}.{PARENT_KEY}"))
''',
        encoding="utf-8",
    )
    replace(
        files["revision"],
        '    """Say in one line what the upgrade does."""\n    pass',
        f'''    """Create tag."""
    if op.done(created_tag):
        return
    op.create_table(
        "tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(40), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["{PARENT.name}.{PARENT_KEY}"], name=op.f("fk_tag_owner_id_{PARENT.name}")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag")),
    )''',
    )
    replace(
        files["revision"],
        "    pass\n",
        """    tag = sa.table("tag", sa.column("id"))
    op.confirm_data_loss({"table tag": sa.select(sa.func.count()).select_from(tag)})
    if not op.done(dropped_tag):
        op.drop_table("tag")
""",
    )
    replace(
        files["revision"],
        "UPGRADE_STEPS: tuple = ()\nDOWNGRADE_STEPS: tuple = ()\n",
        '''

def created_tag(schema) -> bool:
    """creating tag"""
    return schema.has_table("tag")


def dropped_tag(schema) -> bool:
    """dropping tag"""
    return not schema.has_table("tag")


UPGRADE_STEPS = (created_tag,)
DOWNGRADE_STEPS = (dropped_tag,)
''',
    )
    replace(
        files["revision"],
        "SQUAWK_WAIVERS: dict[str, str] = {}",
        """SQUAWK_WAIVERS: dict[str, str] = {
    "prefer-bigint-over-int": "INTEGER ids like every other table of the tutorial's schema",
    "prefer-identity": "SERIAL ids, SQLAlchemy's rendering of an Integer primary key",
    "prefer-text-field": "VARCHAR(40) labels, since MariaDB needs a length for VARCHAR",
}""",
    )
    replace(
        files["revision"],
        "from collections.abc import Sequence\n",
        "from collections.abc import Sequence\n\nimport sqlalchemy as sa\nfrom alembic import op\n",
    )
    replace(files["declaration"], "new_tables=(),", 'new_tables=("tag",),')
    replace(
        files["declaration"],
        "rows={},",
        'rows={"tag": ({"id": 1, "label": "first", "owner_id": 1},)},',
    )
    lesson = files["lesson"]
    tables = sorted([*HEAD.metadata.tables, "alembic_version"])
    replace(lesson, repr(tables), repr(sorted([*tables, "tag"])))


def test_a_scaffolded_stage_passes_the_whole_suite(tmp_path):
    project = copy_of_the_project(tmp_path / "project")
    made = run(project, "invoke", "new-stage", "Tags")
    assert made.returncode == 0, made.stderr
    written = [line.removeprefix("wrote ") for line in made.stdout.splitlines() if "wrote" in line]
    files = dict(zip(("revision", "models", "declaration", "lesson"), written, strict=True))
    files = {kind: project / path for kind, path in files.items()}
    assert files["declaration"] == project / "scripts" / "stages" / f"stage{NUMBER}.py"

    write_stage_6(project, files)
    for task in ("golden", "diagrams", "sessions"):
        result = run(project, "invoke", task)
        assert result.returncode == 0, result.stderr
    assert (project / "tests" / "golden_sql" / "postgresql" / f"{REVISION}_upgrade.sql").exists()

    report = tmp_path / "report.xml"
    result = run(project, "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}")
    suite = ET.parse(report).getroot().find("testsuite")
    counts = {key: int(suite.get(key)) for key in ("tests", "failures", "errors", "skipped")}
    tail = "\n".join(result.stdout.splitlines()[-40:])
    assert result.returncode == 0, tail
    assert counts["failures"] == counts["errors"] == 0, tail
    assert counts["skipped"] == 0, f"a skipped test is not a passed one:\n{tail}"
    assert "deselected" not in result.stdout, tail
    assert counts["tests"] > 200
    # and stage 6 itself was checked, up and down, with its rows
    names = {case.get("name") for case in suite.iter("testcase")}
    assert any(f"stage{NUMBER}" in name for name in names)


@pytest.mark.parametrize("name", ["", "  ", "!!!"])
def test_a_name_without_letters_is_refused(name):
    from scripts.new_stage import slug
    from sqlalchemy_stairway.check.errors import StairwayError

    with pytest.raises(StairwayError, match="no letters or digits"):
        slug(name)
