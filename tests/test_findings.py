"""What `stairway check` calls a defect and what a warning, on the projects of tests/findings/.

Each project is sound work that an earlier checker called a defect (a
backfill, values made at run time, objects env.py leaves out, defaults
spelled two ways), or a project whose differences must all be listed.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sqlalchemy_stairway.check.project import Project
from sqlalchemy_stairway.check.project_checks import check_project
from sqlalchemy_stairway.check.results import FAILED, WARNING
from tests.conftest import DATABASES
from tests.corpus.chain import CORPUS

FINDINGS = Path(__file__).parent / "findings"


def check(project: str | Path, database: str, tmp_path: Path, **options):
    url = DATABASES[database]
    if database == "sqlite":
        url = f"sqlite:///{tmp_path}/server.db"
    ini = FINDINGS / project / "alembic.ini" if isinstance(project, str) else project
    return check_project(Project(ini), [url], use_squawk=False, **options)


def findings(report, status: str) -> set[tuple[str, str]]:
    return {(r.check, r.revision) for r in report.with_status(status)}


def test_a_backfill_with_a_downgrade_that_does_nothing_is_a_warning(database, tmp_path):
    report = check("backfill", database, tmp_path)
    assert report.defects == [], [r.summary for r in report.defects]
    assert findings(report, WARNING) == {
        ("static-noop-downgrade", "0002"),
        ("downgrade-data", "0002"),
    }
    [data] = [r for r in report.with_status(WARNING) if r.check == "downgrade-data"]
    assert data.lines[0].startswith("a backfill: the upgrade fills accounts.plan")


def test_values_made_at_run_time_differ_on_reupgrade_as_a_warning(database, tmp_path):
    report = check("runtime_values", database, tmp_path)
    assert report.defects == [], [r.summary for r in report.defects]
    [again] = [r for r in report.with_status(WARNING) if r.check == "reupgrade"]
    assert "accounts.token (the upgrade makes UUIDs each time it runs)" in again.lines[0]


def test_models_match_honours_env_py_and_reads_defaults_and_indexes_per_dialect(database, tmp_path):
    report = check("model_options", database, tmp_path)
    assert report.defects == [], [r.summary for r in report.defects]
    assert ("models-match", "0001") not in findings(report, WARNING)


def test_offline_sql_is_a_warning_unless_the_project_ships_it(database, tmp_path):
    project = tmp_path / "offline"
    shutil.copytree(CORPUS / "offline_broken", project)
    ini = project / "alembic.ini"
    ini.write_text(ini.read_text().split("\n# this project deploys")[0] + "\n")
    report = check(ini, database, tmp_path)
    assert findings(report, FAILED) == set()
    assert ("offline-sql", "0002") in findings(report, WARNING)
    shipped = check(ini, database, tmp_path, ships_offline_sql=True)
    assert findings(shipped, FAILED) == {("offline-sql", "0002")}


def stairway(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sqlalchemy_stairway.check.cli", "check", "--no-squawk", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_every_difference_is_in_json_and_with_v_and_the_terminal_says_how_to_see_them(tmp_path):
    ini = str(FINDINGS / "many_differences/alembic.ini")
    as_json = stairway("--config", ini, "--url", str(tmp_path), "--format", "json", cwd=tmp_path)
    assert as_json.returncode == 1, as_json.stderr
    [models] = [r for r in json.loads(as_json.stdout)["results"] if r["check"] == "models-match"]
    missing = {f"column accounts.extra_{n} is missing from the database" for n in range(1, 9)}
    assert missing <= {
        line.removeprefix("the head differs from the models: ") for line in models["lines"]
    }
    assert not any("more" in line for line in models["lines"])
    short = stairway("--config", ini, "--url", str(tmp_path), cwd=tmp_path)
    assert "more (-v or --format json shows them all)" in short.stdout
    verbose = stairway("--config", ini, "--url", str(tmp_path), "-v", cwd=tmp_path)
    assert all(line in verbose.stdout for line in missing)
    assert "more (-v" not in verbose.stdout


def test_the_cli_flag_makes_offline_sql_a_defect(tmp_path):
    project = tmp_path / "offline"
    shutil.copytree(CORPUS / "offline_broken", project)
    ini = project / "alembic.ini"
    ini.write_text(ini.read_text().split("\n# this project deploys")[0] + "\n")
    plain = stairway("--config", str(ini), "--url", str(tmp_path), cwd=tmp_path)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert "warning: 0002 [sqlite] offline-sql: " in plain.stdout
    shipped = stairway(
        "--config", str(ini), "--url", str(tmp_path), "--ships-offline-sql", cwd=tmp_path
    )
    assert shipped.returncode == 1
    assert "defect: 0002 [sqlite] offline-sql: " in shipped.stdout


def test_a_word_that_is_not_a_boolean_is_refused_in_one_line(tmp_path):
    ini = tmp_path / "alembic.ini"
    shutil.copytree(FINDINGS / "backfill", tmp_path / "backfill")
    ini = tmp_path / "backfill/alembic.ini"
    ini.write_text(ini.read_text() + "\n[stairway]\nships_offline_sql = sometimes\n")
    result = stairway("--config", str(ini), "--url", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().endswith("ships_offline_sql = 'sometimes'; write true or false")
    assert "Traceback" not in result.stderr


@pytest.mark.server("mariadb")
def test_mariadb_inventing_values_for_a_new_not_null_column_is_a_defect(tmp_path):
    report = check(CORPUS / "not_null_without_default/alembic.ini", "mariadb", tmp_path)
    [invented] = [r for r in report.defects if r.check == "upgrade-with-data"]
    assert invented.revision == "0002"
    assert "accounts.plan was added NOT NULL with no default" in invented.lines[0]
    assert "MariaDB gave every row ''" in invented.lines[0]


@pytest.mark.parametrize(
    ("project", "option"),
    [("model_server_default", "compare_server_default"), ("model_type", "compare_type")],
)
def test_a_comparison_env_py_turns_off_is_left_out_of_models_match(
    project, option, database, tmp_path
):
    copy = tmp_path / project
    shutil.copytree(CORPUS / project, copy)
    before = findings(check(copy / "alembic.ini", database, tmp_path), FAILED)
    assert {name for name, _revision in before} == {"models-match"}
    env = copy / "env.py"
    env.write_text(
        env.read_text().replace(
            "context.configure(connection=connection, target_metadata=target_metadata)",
            "context.configure(connection=connection, target_metadata=target_metadata, "
            f"{option}=False)",
        )
    )
    assert f"{option}=False" in env.read_text()
    assert findings(check(copy / "alembic.ini", database, tmp_path), FAILED) == set()
