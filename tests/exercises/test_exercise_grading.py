"""Every exercise, on every database: untouched it fails, the typical wrong answers fail
with words a learner can act on, and the reference and unusual solutions pass.

The wrong answers are real: where the typical mistake is to keep what
autogenerate wrote, the test runs `alembic revision --autogenerate` in the
exercise's folder, as a learner would.  The reference solutions live in
``solutions/`` here, out of the learner's way, the wrong answers that
take a file of their own in ``wrong_answers/``, and correct answers
written unlike the reference (raw SQL, no batch mode) in ``unusual/``.

A plain run grades on SQLite; ``pytest --full`` on every database configured.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.exercises import EXERCISES, workbench
from scripts.stages import HEAD
from tests.conftest import DATABASES, KINDS, needs
from tests.helpers import invoke

# a learner with no server configured
NO_SERVERS = {"DATABASE_URL": "", "TUTORIAL_POSTGRES_URL": "", "TUTORIAL_MARIADB_URL": ""}

SOLUTIONS = Path(__file__).parent / "solutions"
WRONG_ANSWERS = Path(__file__).parent / "wrong_answers"
UNUSUAL = Path(__file__).parent / "unusual"
NEXT = f"{HEAD.number + 1:04d}"  # the revision an exercise asks for
# the solutions are written on the tutorial's chain, whose head is 0005; a
# stage added since moves them up
SOLUTION_IDS = {"0005": HEAD.revision, "0006": NEXT, "0007": f"{HEAD.number + 2:04d}"}


@pytest.fixture(
    params=[
        # the servers' part of the matrix is slow: pytest --full runs it
        pytest.param(kind, marks=[*needs(kind), *([] if kind == "sqlite" else [pytest.mark.full])])
        for kind in KINDS
    ]
)
def server(request) -> str:
    """The URL of the server under test; grading makes its scratch databases beside it."""
    return DATABASES[request.param]


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


def solve(folder: Path, solution: str, source: Path = SOLUTIONS) -> Path:
    """Put an answer from ``source`` in the folder, its revision ids on the project's head."""
    for earlier in (folder / "alembic" / "versions").glob(f"{NEXT}_*.py"):
        earlier.unlink()  # the learner's previous try
    text = (source / solution).read_text(encoding="utf-8")
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


@pytest.mark.full  # autogenerate in a subprocess, graded four times: slow
def test_add_column(tmp_path, server):
    number, folder = start("add-column", tmp_path)
    said(grade(number, folder, server), f"There is no revision after {HEAD.revision} yet")

    autogenerate(folder, "Add user_account.nickname")
    said(
        grade(number, folder, server),
        "Your downgrade drops column user_account.nickname without asking",
        "op.confirm_data_loss",
    )

    solution = solve(folder, "0006_add_user_account_nickname.py")
    assert grade(number, folder, server) == []

    # counting every user, not the nicknames: the question is asked, with the wrong count
    text = solution.read_text()
    where = "\n            .where(user_account.c.nickname.is_not(None))"
    assert where in text
    solution.write_text(text.replace(where, ""))
    problems = grade(number, folder, server)
    said(
        problems,
        "Your downgrade asks before dropping column user_account.nickname, but its count says",
        "WHERE it IS NOT NULL",
    )
    assert "without asking" not in "\n".join(problems)


@pytest.mark.full  # autogenerate in a subprocess, graded four times: slow
def test_split_fullname(tmp_path, server):
    number, folder = start("split-fullname", tmp_path)
    said(grade(number, folder, server), f"There is no revision after {HEAD.revision} yet")

    draft = autogenerate(folder, "Split user_account.fullname")
    said(
        grade(number, folder, server),
        "Your upgrade lost or changed rows that were there before it ran",
        "user_account (6,).given_name is None, which does not match user_account.fullname",
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


def test_split_fullname_row_by_row_is_refused(tmp_path, server):
    number, folder = start("split-fullname", tmp_path)
    solve(folder, "0006_split_fullname_row_by_row.py", WRONG_ANSWERS)
    said(
        grade(number, folder, server),
        "with 20 more rows in user_account: it moves the data row by row, from Python",
        "one UPDATE the database runs for every row",
    )


@pytest.mark.server("postgresql")
def test_split_fullname_with_instr_everywhere_fails_on_postgresql(tmp_path):
    number, folder = start("split-fullname", tmp_path)
    solution = solve(folder, "0006_split_user_account_fullname.py")
    text = solution.read_text()
    chosen = (
        'position = sa.func.strpos if op.get_context().dialect.name == "postgresql" '
        "else sa.func.instr"
    )
    assert chosen in text
    solution.write_text(text.replace(chosen, "position = sa.func.instr"))
    servers = workbench.grading_servers([DATABASES["postgresql"]], environ={})
    assert list(servers) == ["SQLite", "PostgreSQL"]
    problems = grade(number, folder, servers)
    said(
        problems,
        f"on PostgreSQL: your revision {NEXT} failed on PostgreSQL, upgrading",
        "function instr(",
        "strpos(string, substring) does the same",
    )
    assert not any(problem.startswith("on SQLite") for problem in problems)


def test_split_fullname_graded_on_sqlite_alone_says_so(tmp_path):
    number, folder = start("split-fullname", tmp_path)
    solve(folder, "0006_split_user_account_fullname.py")
    result = invoke("exercise", str(number), "--check", "--folder", str(folder), env=NO_SERVERS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "in scratch databases made for it on SQLite" in result.stdout
    assert "tutorial.db and exercise.db are not touched" in result.stdout
    assert "graded on SQLite only" in result.stdout
    assert "--url postgresql+psycopg://" in result.stdout
    assert "hashed" not in result.stdout + result.stderr  # stage 4's line is not the learner's


def test_split_fullname_in_raw_sql(tmp_path, server):
    number, folder = start("split-fullname", tmp_path)
    solve(folder, "0006_split_user_account_fullname_in_raw_sql.py", UNUSUAL)
    assert grade(number, folder, server) == []


@pytest.mark.full  # autogenerate in a subprocess, graded four times: slow
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


def test_rename_by_copying_is_refused(tmp_path, server):
    number, folder = start("rename-column", tmp_path)
    solve(folder, "0006_rename_by_copying.py", WRONG_ANSWERS)
    said(
        grade(number, folder, server),
        "After your upgrade, pet's columns are id, name, age, species",
        "After your downgrade, pet's columns are id, name, age, type",
        "copying the values over and dropping the old one is not a rename",
    )


def test_rename_without_batch_mode(tmp_path, server):
    number, folder = start("rename-column", tmp_path)
    solve(folder, "0006_rename_pet_type_to_species_without_batch.py", UNUSUAL)
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
    assert "found (" not in "\n".join(untouched)  # in words, never a tuple

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

    solution = solve(folder, "0006_vet_visits.py")
    assert grade(number, folder, server) == []

    # the trace fixed, but chip numbers dropped without asking
    text = solution.read_text()
    chip = text.index('            "column pet.chip_number"')
    asked = text[chip : text.index("        }\n    )")]
    solution.write_text(text.replace(asked, ""))
    problems = grade(number, folder, server)
    said(
        problems,
        "Your downgrade drops column pet.chip_number without asking",
        '"column pet.chip_number", counting the pets whose chip_number IS NOT NULL',
    )
    assert "table vet_visit" not in "\n".join(problems)


def test_merge_heads(tmp_path, server):
    number, folder = start("merge-heads", tmp_path)
    heads = f"The chain has 2 heads ({NEXT}a, {NEXT}b)"
    said(grade(number, folder, server), heads, "alembic merge")

    # a way out that loses work: delete one branch
    (second,) = (folder / "alembic" / "versions").glob(f"{NEXT}b_*.py")
    kept = second.read_text()
    second.unlink()
    said(grade(number, folder, server), f"revision {NEXT}b is gone; the exercise builds on it")

    # another: edit the released revision so that the chain is a line again
    parent = f'down_revision: str | Sequence[str] | None = "{HEAD.revision}"'
    assert parent in kept
    second.write_text(kept.replace(parent, parent.replace(HEAD.revision, f"{NEXT}a")))
    said(
        grade(number, folder, server),
        f"revision {NEXT}b now revises '{NEXT}a', not '{HEAD.revision}'",
        "a released revision is never edited",
        "merge revision",
    )

    second.write_text(kept)
    solve(folder, "0007_merge_the_two_branches.py")
    assert grade(number, folder, server) == []


@pytest.mark.full  # autogenerate in a subprocess, graded three times: slow
def test_not_null_column(tmp_path, server):
    number, folder = start("not-null-column", tmp_path)
    autogenerate(folder, "Add pet.status")
    problems = grade(number, folder, server)
    if "mysql" in server:  # MariaDB fills the rows with '' rather than refuse
        said(problems, "pet (1,).status is '' (expected 'at home')", "MariaDB fills")
    else:
        said(problems, f"your revision {NEXT} failed on", "needs a value for them")

    solution = solve(folder, "0006_add_pet_status.py")
    assert grade(number, folder, server) == []

    text = solution.read_text()
    ask = text.index("    op.confirm_data_loss(")
    asked = text[ask : text.index("    with op.batch", ask)]
    solution.write_text(text.replace(asked, ""))
    said(grade(number, folder, server), "Your downgrade drops column pet.status without asking")


def test_not_null_column_with_a_server_default(tmp_path, server):
    number, folder = start("not-null-column", tmp_path)
    solution = solve(folder, "0006_add_pet_status_with_a_server_default.py", UNUSUAL)
    assert grade(number, folder, server) == []

    # the default that filled the rows, left behind
    text = solution.read_text()
    dropped = text[text.index("    with op.batch_alter_table") : text.index("\n\n\ndef downgrade")]
    solution.write_text(text.replace(dropped, "    pass"))
    said(
        grade(number, folder, server),
        "column pet.status is VARCHAR(20) NOT NULL DEFAULT",
        "a server_default that filled the rows is dropped afterwards",
    )


@pytest.mark.full  # autogenerate in a subprocess, graded three times: slow
def test_check_constraint(tmp_path, server):
    number, folder = start("check-constraint", tmp_path)
    draft = autogenerate(folder, "Pets have no negative age")
    assert "create_check_constraint" not in draft.read_text()  # autogenerate does not see it
    said(
        grade(number, folder, server),
        "check constraint ck_pet_age_not_negative",
        "on pet is missing from the database",
        "Autogenerate does not compare CHECK constraints",
    )

    solution = solve(folder, "0006_pets_have_no_negative_age.py")
    assert grade(number, folder, server) == []

    # the full name given where the convention adds the prefix again
    text = solution.read_text()
    short = 'create_check_constraint("age_not_negative"'
    solution.write_text(text.replace(short, 'create_check_constraint("ck_pet_age_not_negative"'))
    said(
        grade(number, folder, server),
        "check constraint ck_pet_ck_pet_age_not_negative",
        "is in the database, but not in the models",
        "a name that already has the prefix gets it twice",
    )


def test_check_constraint_in_sql(tmp_path, server):
    number, folder = start("check-constraint", tmp_path)
    solve(folder, "0006_pets_have_no_negative_age_in_sql.py", UNUSUAL)
    assert grade(number, folder, server) == []


def test_version_counter(tmp_path, server):
    number, folder = start("version-counter", tmp_path)
    solution = solve(folder, "0006_add_order_version_id.py")
    assert grade(number, folder, server) == []

    # the server default that filled the rows, never dropped
    text = solution.read_text()
    dropped = text[
        text.index("    with op.batch_alter_table", 700) : text.index("\n\n\ndef downgrade")
    ]
    solution.write_text(text.replace(dropped, ""))
    said(
        grade(number, folder, server), "column order.version_id is", "DEFAULT", "the ORM writes it"
    )


def test_version_counter_in_raw_sql(tmp_path, server):
    number, folder = start("version-counter", tmp_path)
    solve(folder, "0006_add_order_version_id_in_raw_sql.py", UNUSUAL)
    assert grade(number, folder, server) == []
