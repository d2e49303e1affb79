"""The pytest plugin: inert until configured, then one item per dialect, revision and check.

Each test runs pytest on a small project made by ``pytester`` whose
configuration points at a corpus project; the verdicts must be those of
`stairway check` on the same project.
"""

import pytest

from sqlalchemy_stairway.check.project import Project
from sqlalchemy_stairway.check.project_checks import check_project
from sqlalchemy_stairway.check.results import FAILED
from tests.corpus.chain import CORPUS

# pytest-alembic's own collection breaks on pytest 9.2; it has nothing to do here
ARGS = ("-p", "no:pytest_alembic", "-p", "no:cacheprovider", "-q", "-rA")


def configure(pytester: pytest.Pytester, project: str, server, hooks: str = "") -> None:
    pytester.makeini(
        f"""
        [pytest]
        stairway_config = {CORPUS / project / "alembic.ini"}
        stairway_urls =
            sqlite:///{server}/server.db
        stairway_squawk = false
        {f"stairway_hooks = {hooks}" if hooks else ""}
        """
    )


def failed_items(result: pytest.RunResult) -> set[str]:
    return {
        line.split("::")[-1].split(" ")[0] for line in result.outlines if line.startswith("FAILED ")
    }


def test_without_configuration_the_plugin_adds_nothing(pytester):
    pytester.makepyfile("def test_one():\n    assert True\n")
    result = pytester.runpytest(*ARGS)
    result.assert_outcomes(passed=1)


def test_a_correct_project_gives_passing_items_for_every_revision_and_check(pytester, tmp_path):
    configure(pytester, "correct_foreign_keys", tmp_path)
    result = pytester.runpytest(*ARGS)
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0, result.stdout.str()
    revisions = len(Project(CORPUS / "correct_foreign_keys/alembic.ini").revisions)
    # one head; two static checks and six live checks a revision; url, models and offline
    assert outcomes["passed"] + outcomes.get("skipped", 0) == 1 + 8 * revisions + 3
    result.stdout.fnmatch_lines(["*PASSED*downgrade-data?sqlite-0002?*"])


@pytest.mark.parametrize("project", ["trace_index", "not_inverse", "two_heads"])
def test_the_items_that_fail_are_the_findings_of_stairway_check(pytester, tmp_path, project):
    configure(pytester, project, tmp_path)
    result = pytester.runpytest(*ARGS)
    expected = {
        f"{r.check}[{r.dialect + '-' if r.dialect else ''}{r.revision}]"
        for r in check_project(
            Project(CORPUS / project / "alembic.ini"),
            [f"sqlite:///{tmp_path}/cli.db"],
            use_squawk=False,
        ).results
        if r.status == FAILED
    }
    assert expected
    assert failed_items(result) == expected
    assert "reproduce: stairway check --config" in result.stdout.str()


def test_the_rows_fixture_adds_a_projects_own_rows_before_a_revision(pytester, tmp_path):
    configure(pytester, "lossy_data_move", tmp_path)
    # runs before the checks' items, which come last
    pytester.makepyfile(
        """
        import sqlalchemy as sa

        def test_register(stairway_rows):
            def phones(connection, revision):
                if revision == "0002":
                    connection.execute(sa.text(
                        "INSERT INTO accounts (id, name, phone) VALUES (900, 'Own', '+44 1')"))
                    return {"accounts"}
            stairway_rows(phones)
        """
    )
    result = pytester.runpytest(*ARGS)
    failures = result.stdout.str()
    assert "downgrade-data[sqlite-0002]" in failed_items(result)
    assert "phone '+44 1' -> None" in failures  # our row, the only one in accounts


def test_indexes_on_expressions_not_compared_are_named_after_the_tests(pytester, tmp_path):
    from tests.test_check_engine import NOT_COMPARED, a_project_with_an_index_on_an_expression

    ini = a_project_with_an_index_on_an_expression(tmp_path / "project")
    pytester.makeini(
        f"""
        [pytest]
        stairway_config = {ini}
        stairway_urls =
            sqlite:///{tmp_path}/server.db
        stairway_squawk = false
        filterwarnings = default
        """
    )
    # (this suite makes warnings errors; a project's own suite need not)
    result = pytester.runpytest(*ARGS)
    assert result.parseoutcomes().get("failed", 0) == 0, result.stdout.str()
    assert NOT_COMPARED in result.outlines
