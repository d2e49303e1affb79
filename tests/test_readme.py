"""The README's "Write your first migration" works, command for command, as printed."""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from scripts.shell_sessions import PROJECT_PARTS
from scripts.stages import PROJECT_ROOT
from sqlalchemy_stairway.exercises import copy_project

SOLUTION = Path(__file__).parent / "exercises" / "solutions" / "0006_add_user_account_nickname.py"


def first_migration_commands() -> list[str]:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Write your first migration") :]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)[1]
    return block.splitlines()


def run(line: str, folder: Path) -> subprocess.CompletedProcess:
    program, *arguments = shlex.split(line)
    assert program in ("invoke", "alembic"), line
    # a newcomer as the README has them: the default database, no server configured
    unset = {"DATABASE_URL", "TUTORIAL_POSTGRES_URL", "TUTORIAL_MARIADB_URL"}
    environment = {key: value for key, value in os.environ.items() if key not in unset}
    return subprocess.run(
        [sys.executable, "-m", program, *arguments],
        cwd=folder,
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )


def test_write_your_first_migration(tmp_path):
    project = copy_project(PROJECT_ROOT, tmp_path / "project", PROJECT_PARTS)
    shutil.copy(PROJECT_ROOT / "tasks.py", project)
    here = project
    commands = first_migration_commands()
    assert commands[-1] == "invoke exercise 1 --check"
    for line in commands[:-1]:
        if line.startswith("cd "):
            here = (here / line.removeprefix("cd ")).resolve()
            continue
        result = run(line, here)
        assert result.returncode == 0, f"{line}\n{result.stdout}{result.stderr}"

    # as the README says: the check fails, and says why
    result = run(commands[-1], here)
    assert result.returncode == 1
    said = " ".join(result.stdout.split())
    assert "drops column user_account.nickname without asking" in said
    assert "tutorial.db and exercise.db are not touched" in said
    assert "graded on SQLite only" in said

    # the fix the README asks for: the downgrade asks first
    versions = project / "exercises" / "1-add-column" / "alembic" / "versions"
    (revision,) = versions.glob("*_add_user_account_nickname.py")
    written = revision.read_text(encoding="utf-8")
    ids = re.search(r'^revision: str = "(\w+)"\ndown_revision: .* = "(\w+)"$', written, re.M)
    solution = SOLUTION.read_text(encoding="utf-8")
    solution = solution.replace('revision: str = "0006"', f'revision: str = "{ids[1]}"')
    solution = solution.replace('None = "0005"', f'None = "{ids[2]}"')
    revision.write_text(solution, encoding="utf-8")
    result = run(commands[-1], here)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "exercise 1: every check passed" in result.stdout
    assert not (project / "tutorial.db").exists()  # the learner's database was never opened
