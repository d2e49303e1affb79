"""`stairway check` as a user runs it: exit status, one-line errors, text, JSON, JUnit XML."""

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.corpus.chain import CORPUS


def stairway(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sqlalchemy_stairway.check.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_correct_project_exits_0(tmp_path):
    result = stairway(
        "check",
        "--config",
        str(CORPUS / "correct_enums/alembic.ini"),
        "--url",
        str(tmp_path),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 defect(s)" in result.stdout
    assert list(tmp_path.iterdir()) == [], "the scratch databases were not removed"


def test_a_defect_exits_1_with_one_line_naming_revision_check_difference_and_command(tmp_path):
    result = stairway(
        "check",
        "--config",
        str(CORPUS / "trace_index/alembic.ini"),
        "--url",
        str(tmp_path),
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    [line] = [x for x in result.stdout.splitlines() if "downgrade-schema" in x]
    assert line.startswith("defect: 0002 [sqlite] downgrade-schema: ")
    assert "ix_accounts_name" in line
    command = line.split("(reproduce: ")[1].rstrip(")")
    again = subprocess.run(
        [sys.executable, "-m", "sqlalchemy_stairway.check.cli", *command.split()[1:]],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    assert line in again.stdout.splitlines(), "the printed command does not reproduce it"


def test_json_and_junit_xml_say_the_same(tmp_path):
    junit = tmp_path / "report.xml"
    server = tmp_path / "server"
    server.mkdir()
    result = stairway(
        "check",
        "--config",
        str(CORPUS / "downgrade_pass/alembic.ini"),
        "--url",
        str(server),
        "--format",
        "json",
        "--junit-xml",
        str(junit),
        cwd=tmp_path,
    )
    assert result.returncode == 1
    found = json.loads(result.stdout)
    failed = {(r["revision"], r["check"]) for r in found["results"] if r["status"] == "failed"}
    assert ("0002", "static-noop-downgrade") in failed
    suite = ET.parse(junit).getroot().find("testsuite")
    assert int(suite.get("tests")) == len(found["results"])
    cases = {
        (case.get("classname").split(".")[-1], case.get("name"))
        for case in suite.iter("testcase")
        if case.find("failure") is not None
    }
    assert cases == failed
    assert int(suite.get("failures")) == len(failed)


def test_an_env_py_that_ignores_the_url_is_stopped_before_it_writes(tmp_path):
    result = stairway(
        "check",
        "--config",
        str(CORPUS / "url_ignored/alembic.ini"),
        "--url",
        str(tmp_path),
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "url-honoured" in result.stdout and "app.db" in result.stdout
    assert not (tmp_path / "app.db").exists()
    assert not (CORPUS / "url_ignored" / "app.db").exists()


def test_no_alembic_ini_is_one_line_and_exit_2(tmp_path):
    result = stairway("check", "--config", str(tmp_path / "nowhere.ini"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: no Alembic configuration at {tmp_path / 'nowhere.ini'}; pass --config "
        "PATH/alembic.ini"
    ]


def test_a_server_that_does_not_answer_is_one_line_and_exit_2(tmp_path):
    result = stairway(
        "check",
        "--config",
        str(CORPUS / "correct_enums/alembic.ini"),
        "--url",
        "postgresql+psycopg://nobody@127.0.0.1:1/none",
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: cannot create a scratch database on ")
