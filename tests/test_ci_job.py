"""The README's GitHub Actions job: its `run:` steps, run here on this machine's servers.

The job's services become the servers this test run was given
(TUTORIAL_POSTGRES_URL, TUTORIAL_MARIADB_URL; a server not given is left out
of the command), its install step installs this repository instead of the
package from GitHub, into a new virtualenv, and the project it checks is a
copy of a correct corpus project.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from tests.conftest import DATABASES
from tests.corpus.chain import CORPUS
from tests.helpers import PROJECT

SERVICES = {"POSTGRES_URL": "postgresql", "MARIADB_URL": "mariadb"}
NOT_THE_PACKAGE = (".git", ".venv", "build", "*.egg-info", "__pycache__", "*.db", "bench-results")


def job() -> str:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### In CI", 1)[1]
    return re.search(r"```yaml\n(.*?)```", section, re.DOTALL).group(1)


def run_steps(text: str) -> list[str]:
    return [line.split("- run: ", 1)[1] for line in text.splitlines() if "- run: " in line]


def test_the_job_installs_the_package_and_checks_each_database():
    steps = run_steps(job())
    assert len(steps) == 2
    assert steps[0].startswith('python -m pip install "sqlalchemy-stairway[postgresql,mariadb] @ ')
    assert steps[1].startswith("stairway check ")
    for variable in SERVICES:
        assert f'--url "${variable}"' in steps[1]
        assert f"{variable}: " in job()


@pytest.mark.full  # a new virtualenv and a pip install
def test_the_jobs_run_steps_pass_on_a_correct_project(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    project = tmp_path / "project"
    shutil.copytree(CORPUS / "correct_foreign_keys", project)
    environment = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    environment.pop("VIRTUAL_ENV", None)
    install, check = run_steps(job())
    # a copy, so that building the package writes nothing into the repository
    source = tmp_path / "source"
    shutil.copytree(PROJECT, source, ignore=shutil.ignore_patterns(*NOT_THE_PACKAGE))
    install = re.sub(r"@ git\+\S+?\"", f'@ {source.as_uri()}"', install)
    for variable, database in SERVICES.items():
        if database in DATABASES:
            environment[variable] = DATABASES[database]
        else:  # this run was not given that server: leave it out of the command
            check = check.replace(f' --url "${variable}"', "")
    for step in (install, check):
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", step],
            cwd=project,
            env=environment,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert done.returncode == 0, f"{shlex.quote(step)}:\n{done.stdout}{done.stderr}"
    suite = ET.parse(project / "stairway-check.xml").getroot().find("testsuite")
    dialects = {case.get("classname").split(".")[1] for case in suite.iter("testcase")}
    assert dialects - {"any"} == set(DATABASES)
    assert suite.get("failures") == "0"
    assert not list(project.glob("stairway_*.db")), "scratch databases left behind"
