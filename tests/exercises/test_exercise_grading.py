"""Every exercise, on every database: untouched it fails, the typical wrong answer fails
with words a learner can act on, and the reference solution passes.

The wrong answers are real: where the typical mistake is to keep what
autogenerate wrote, the test runs `alembic revision --autogenerate` in the
exercise's folder, as a learner would.  The reference solutions live in
``solutions/`` here, out of the learner's way.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.exercises import EXERCISES, workbench
from scripts.stages import HEAD
from tests.conftest import DATABASES

# every exercise on every database (pytest --full runs it)
pytestmark = pytest.mark.full

SOLUTIONS = Path(__file__).parent / "solutions"
NEXT = f"{HEAD.number + 1:04d}"  # the revision an exercise asks for
# the solutions are written on the tutorial's chain, whose head is 0005; a
# stage added since moves them up
SOLUTION_IDS = {"0005": HEAD.revision, "0006": NEXT, "0007": f"{HEAD.number + 2:04d}"}


@pytest.fixture
def server(database: str) -> str:
    """The URL of the server under test; grading makes its scratch databases beside it."""
    return DATABASES[database]


def number_of(slug: str) -> int:
    return next(n for n, each in enumerate(EXERCISES, start=1) if each.slug == slug)


def start(slug: str, tmp_path: Path) -> tuple[int, Path]:
    number = number_of(slug)
    return number, workbench.set_up(number, tmp_path / slug)


def alembic_in(folder: Path, *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def autogenerate(folder: Path, message: str) -> Path:
    """Do what a learner does first: upgrade the folder's database, autogenerate, keep it."""
    alembic_in(folder, "upgrade", "head")
    alembic_in(folder, "revision", "--autogenerate", "--rev-id", NEXT, "-m", message)
    (written,) = (folder / "alembic" / "versions").glob(f"{NEXT}_*.py")
    return written


def solve(folder: Path, solution: str) -> Path:
    """Put a reference solution in the folder, its revision ids on the project's head."""
    text = (SOLUTIONS / solution).read_text(encoding="utf-8")
    text = re.sub(r'"(0005|0006|0007)([ab]?)"', lambda m: f'"{SOLUTION_IDS[m[1]]}{m[2]}"', text)
    path = folder / "alembic" / "versions" / solution.replace("0006_", f"{NEXT}_", 1)
    path.write_text(text, encoding="utf-8")
    return path


def said(problems: list[str], *phrases: str) -> None:
    """The grading failed, and said each of ``phrases``, with no traceback."""
    assert problems, "the grading passed"
    text = "\n".join(problems)
    for phrase in phrases:
        assert phrase in text, text
    assert "Traceback" not in text


def grade(number: int, folder: Path, server: str) -> list[str]:
    return workbench.grade(number, folder, server)


def test_the_solutions_build_on_the_tutorials_head(tmp_path):
    for path in SOLUTIONS.glob("0006_*.py"):
        assert 'down_revision: str | Sequence[str] | None = "0005"' in path.read_text()
    (tmp_path / "alembic" / "versions").mkdir(parents=True)
    moved = solve(tmp_path, "0007_merge_the_two_branches.py").read_text()
    assert f'down_revision: str | Sequence[str] | None = ("{NEXT}a", "{NEXT}b")' in moved


def test_add_column(tmp_path, server):
    number, folder = start("add-column", tmp_path)
    said(grade(number, folder, server), f"There is no revision after {HEAD.revision} yet")

    autogenerate(folder, "Add user_account.nickname")
    said(
        grade(number, folder, server),
        "Your downgrade drops user_account.nickname without asking",
        "op.confirm_data_loss",
    )

    for draft in (folder / "alembic" / "versions").glob(f"{NEXT}_*.py"):
        draft.unlink()
    solve(folder, "0006_add_user_account_nickname.py")
    assert grade(number, folder, server) == []


def test_split_fullname(tmp_path, server):
    number, folder = start("split-fullname", tmp_path)
    said(grade(number, folder, server), f"There is no revision after {HEAD.revision} yet")

    draft = autogenerate(folder, "Split user_account.fullname")
    said(
        grade(number, folder, server),
        "Your upgrade lost or changed rows that were there before it ran",
        "user_account (10,).given_name does not match user_account.fullname",
        "Autogenerate writes only the change of schema",
    )

    draft.unlink()
    solution = solve(folder, "0006_split_user_account_fullname.py")
    faithful = 'fullname=sa.case((family.is_(None), given), else_=given + " " + family)'
    text = solution.read_text()
    assert faithful in text
    # the usual slip: always add the space, which turns a one-word name into NULL
    solution.write_text(text.replace(faithful, 'fullname=given + " " + family'))
    said(
        grade(number, folder, server),
        "Your downgrade does not give the rows back as they were",
        "fullname was 'Plankton', now None",
        "anything joined to NULL is NULL",
    )

    solution.write_text(text)
    assert grade(number, folder, server) == []


def test_rename_column(tmp_path, server):
    number, folder = start("rename-column", tmp_path)
    said(grade(number, folder, server), f"There is no revision after {HEAD.revision} yet")

    draft = autogenerate(folder, "Rename pet.type to species")
    assert "drop_column('type')" in draft.read_text()  # autogenerate's drop-and-add
    said(
        grade(number, folder, server),
        "Your upgrade lost or changed rows that were there before it ran",
        "pet (1,).species: was 'snek', now None",
        "Autogenerate compares names",
    )

    draft.unlink()
    solve(folder, "0006_rename_pet_type_to_species.py")
    assert grade(number, folder, server) == []


def test_fix_downgrade(tmp_path, server):
    number, folder = start("fix-downgrade", tmp_path)
    untouched = grade(number, folder, server)
    said(
        untouched,
        "Your downgrade leaves a trace",
        "column pet.chip_number is in the database, but not in the models",
    )
    assert "vet_visit" not in "\n".join(untouched)  # the table it does drop

    (revision,) = (folder / "alembic" / "versions").glob(f"{NEXT}_*.py")
    text = revision.read_text()
    downgrade = text[text.index("def downgrade") :]
    revision.write_text(
        text.replace(downgrade, 'def downgrade() -> None:\n    """Nothing."""\n    pass\n')
    )
    said(
        grade(number, folder, server),
        "Your downgrade leaves a trace",
        "table vet_visit is in the database, but not in the models",
        "A downgrade undoes everything its upgrade did",
    )

    solve(folder, "0006_vet_visits.py")
    assert grade(number, folder, server) == []


def test_merge_heads(tmp_path, server):
    number, folder = start("merge-heads", tmp_path)
    heads = f"The chain has 2 heads ({NEXT}a, {NEXT}b)"
    said(grade(number, folder, server), heads, "alembic merge")

    # a way out that loses work: delete one branch
    (second,) = (folder / "alembic" / "versions").glob(f"{NEXT}b_*.py")
    kept = second.read_text()
    second.unlink()
    said(grade(number, folder, server), f"revision {NEXT}b is gone; the exercise builds on it")

    second.write_text(kept)
    solve(folder, "0007_merge_the_two_branches.py")
    assert grade(number, folder, server) == []
