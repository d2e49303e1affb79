"""Setting exercises up, and the `invoke exercises` / `invoke exercise N` tasks."""

import configparser
import subprocess
import sys

import pytest

from scripts.exercises import EXERCISES, workbench
from scripts.stages import HEAD, PROJECT_ROOT
from sqlalchemy_stairway.check.errors import StairwayError
from tests.helpers import assert_one_line_error, invoke


def test_there_are_at_least_five_exercises_listed():
    result = invoke("exercises")
    assert result.returncode == 0, result.stderr
    assert len(EXERCISES) >= 5
    for number, exercise in enumerate(EXERCISES, start=1):
        assert f"{number}. {exercise.title}" in result.stdout


def test_setting_up_copies_the_project_with_its_own_database(tmp_path):
    folder = workbench.set_up(1, tmp_path / "one")
    ini = configparser.RawConfigParser()
    ini.read(folder / "alembic.ini")
    assert ini["alembic"]["sqlalchemy.url"] == "sqlite:///%(here)s/exercise.db"
    assert (folder / "alembic" / "env.py").is_file()
    assert (folder / f"scripts/stages/stage{HEAD.number + 1}.py").is_file()
    assert "# Exercise 1: " in (folder / "EXERCISE.md").read_text()
    assert not (folder / "tests").exists()  # the reference solutions stay out of the way
    assert not list(folder.rglob("*.db"))


def test_the_folder_declares_the_target_so_alembic_compares_with_it(tmp_path):
    folder = workbench.set_up(1, tmp_path / "one")
    script = (
        "from scripts.stages import HEAD; "
        "print(HEAD.number, sorted(HEAD.metadata.tables['user_account'].columns.keys()))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=folder, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{HEAD.number + 1} ")
    assert "'nickname'" in result.stdout


def test_a_folder_with_work_in_it_is_never_overwritten(tmp_path):
    folder = workbench.set_up(4, tmp_path / "four")
    work = folder / "alembic" / "versions" / "mine.py"
    work.write_text("# my work\n")
    with pytest.raises(StairwayError, match="already exists, with your work in it"):
        workbench.set_up(4, folder)
    assert work.exists()
    workbench.set_up(4, folder, reset=True)
    assert not work.exists()


def test_the_task_names_the_folder_and_the_next_revision(tmp_path):
    text = workbench.task_text(1, tmp_path / "one")
    assert f"cd {tmp_path / 'one'}" in text
    assert f"--rev-id {HEAD.number + 1:04d}" in text
    assert "invoke exercise 1 --check" in text


@pytest.mark.parametrize(
    ("argument", "expected"),
    [("9", "there is no exercise 9"), ("x", "an exercise is a number from 1 to")],
)
def test_a_wrong_number_is_one_line(argument, expected):
    assert_one_line_error(invoke("exercise", argument), expected, "`invoke exercises` lists them")


def test_checking_an_exercise_not_set_up_is_one_line(tmp_path):
    result = invoke("exercise", "2", "--check", "--folder", str(tmp_path / "none"))
    assert_one_line_error(result, "exercise 2 is not set up", "`invoke exercise 2` sets it up")


def test_invoke_sets_up_and_grades(tmp_path):
    folder = tmp_path / "three"
    result = invoke("exercise", "3", "--folder", str(folder))
    assert result.returncode == 0, result.stderr
    assert "Rename a column" in result.stdout
    assert (folder / "EXERCISE.md").is_file()
    result = invoke("exercise", "3", "--check", "--folder", str(folder))
    assert result.returncode == 1
    assert f"There is no revision after {HEAD.revision} yet." in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    result = invoke("exercise", "3", "--folder", str(folder))
    assert_one_line_error(result, "already exists")


def test_the_default_folder_is_in_the_project():
    assert workbench.default_folder(2) == PROJECT_ROOT / "exercises" / "2-split-fullname"


def test_a_revision_that_cannot_load_or_run_is_explained_without_a_traceback(tmp_path):
    folder = workbench.set_up(1, tmp_path / "one")
    revision = folder / "alembic" / "versions" / f"{HEAD.number + 1:04d}_mine.py"
    header = (
        f'revision = "{HEAD.number + 1:04d}"\ndown_revision = "{HEAD.revision}"\n'
        "branch_labels = depends_on = None\n"
    )
    revision.write_text(header + "def upgrade(:\n    pass\n")
    (problem,) = workbench.grade(1, folder, "sqlite:///tutorial.db")
    assert problem.startswith("Alembic cannot read the revisions: ")
    body = "def upgrade():\n    op.add_colum('x')\n\n\ndef downgrade():\n    pass\n"
    revision.write_text(header + body)
    (problem,) = workbench.grade(1, folder, "sqlite:///tutorial.db")
    assert problem.startswith(
        f"your revision {HEAD.number + 1:04d} failed on SQLite, upgrading: NameError: name 'op'"
    )
    assert "Traceback" not in problem


def test_reset_keeps_the_work_and_says_where(tmp_path):
    folder = tmp_path / "four"
    workbench.set_up(4, folder)
    (folder / "alembic" / "versions" / "mine.py").write_text("# my work\n")
    result = invoke("exercise", "4", "--reset", "--folder", str(folder))
    assert result.returncode == 0, result.stderr
    (backup,) = (tmp_path / "backups").iterdir()
    assert backup.name.startswith("four-")
    assert f"your previous work is kept in {backup}" in " ".join(result.stdout.split())
    assert (backup / "alembic" / "versions" / "mine.py").read_text() == "# my work\n"
    assert not (folder / "alembic" / "versions" / "mine.py").exists()


def test_a_stuck_exercise_database_is_replaced_in_one_command(tmp_path):
    folder = workbench.set_up(4, tmp_path / "four")
    assert "`invoke exercise 4 --new-database`" in (folder / "EXERCISE.md").read_text()
    mine = folder / "alembic" / "versions" / "mine.py"
    mine.write_text("# my work\n")
    (folder / "exercise.db").write_bytes(b"half-way")
    assert workbench.new_database(4, folder) == folder / "exercise.db"
    assert not (folder / "exercise.db").exists()
    assert mine.exists()
    assert workbench.new_database(4, folder) is None  # nothing there: nothing to do


def test_grading_covers_sqlite_and_each_server_configured():
    servers = workbench.grading_servers(
        ["postgresql+psycopg://u@h/db"], environ={"TUTORIAL_MARIADB_URL": "mysql+pymysql://u@h/t"}
    )
    assert list(servers) == ["SQLite", "PostgreSQL", "MariaDB"]
    assert list(workbench.grading_servers([], environ={})) == ["SQLite"]
    assert "graded on SQLite only" in workbench.only_sqlite_note(2)


@pytest.mark.full  # three Alembic runs and an invoke in subprocesses
def test_after_exercise_4s_broken_downgrade_one_command_gives_a_clean_database(tmp_path):
    folder = tmp_path / "four"
    workbench.set_up(4, folder)

    def alembic_here(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "alembic", *args],
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )

    assert alembic_here("upgrade", "head").returncode == 0
    assert alembic_here("downgrade", "-1").returncode == 0  # leaves pet.chip_number behind
    stuck = alembic_here("upgrade", "head")
    assert stuck.returncode != 0
    assert "chip_number" in stuck.stderr

    result = invoke("exercise", "4", "--new-database", "--folder", str(folder))
    assert result.returncode == 0, result.stderr
    assert "`alembic upgrade head`" in result.stdout
    assert alembic_here("upgrade", "head").returncode == 0
    assert (folder / "alembic" / "versions" / f"{HEAD.number + 1:04d}_vet_visits.py").exists()
