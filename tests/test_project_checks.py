"""`stairway check`'s engine on the corpus: each defect where it shows, nothing else anywhere.

tests/corpus/manifest.toml names, for every defective project, the check
that must report it, the other checks allowed to see the same defect, the
revision at fault and the dialects it shows on.  On those dialects the
check must fail and no check outside the allowed ones may; on the
project's other dialects, and for every correct project, no check may fail.
"""

import pytest

from scripts.stages import STAIRWAY
from sqlalchemy_stairway.check.hooks import Hooks, hooks_file, load_hooks
from sqlalchemy_stairway.check.project import Project
from sqlalchemy_stairway.check.project_checks import check_project
from sqlalchemy_stairway.check.results import FAILED, PASSED, PER_REVISION, WARNING
from tests.conftest import DATABASES, needs, on_databases
from tests.corpus.chain import CORPUS, load_manifest
from tests.helpers import PROJECT

MANIFEST = load_manifest()

CASES = [
    pytest.param(project, dialect, id=f"{project}-{dialect}", marks=needs(dialect))
    for project, entry in MANIFEST.items()
    for dialect in entry["dialects"]
]


def failures(project: str, dialect: str, tmp_path) -> dict[str, list[str]]:
    """Run every check but squawk; return check -> the revisions it failed at."""
    url = DATABASES[dialect]
    if dialect == "sqlite":
        url = f"sqlite:///{tmp_path}/server.db"
    report = check_project(Project(CORPUS / project / "alembic.ini"), [url], use_squawk=False)
    unfilled = [r.summary for r in report.with_status(WARNING) if r.check == "generated-rows"]
    assert unfilled == [], "the generator left tables empty"
    found: dict[str, list[str]] = {}
    for result in report.with_status(FAILED):
        found.setdefault(result.check, []).append(result.revision)
        assert result.lines, f"{result.check} failed without saying why"
    return found


@pytest.mark.parametrize(("project", "dialect"), CASES)
def test_the_check_reports_exactly_the_known_defect(project, dialect, tmp_path):
    entry = MANIFEST[project]
    found = failures(project, dialect, tmp_path)
    defect = entry.get("defect")
    if defect is None or dialect not in defect["shows_on"]:
        assert found == {}, f"false alarm on a chain that is correct on {dialect}"
        return
    assert defect["check"] in found, f"{defect['check']} missed it; found {found}"
    if defect["check"] != "single-head":
        assert defect["revision"] in found[defect["check"]][0], found
    allowed = {defect["check"], *defect.get("also", ())}
    assert set(found) <= allowed, f"beyond the defect: {set(found) - allowed}"


# -- this project's own chain --------------------------------------------------


def this_project() -> Project:
    return Project(PROJECT / "alembic.ini")


def test_this_projects_chain_passes_on_every_database(database, tmp_path):
    url = DATABASES[database]
    if database == "sqlite":
        url = f"sqlite:///{tmp_path}/server.db"
    project = this_project()
    report = check_project(project, [url], load_hooks(hooks_file(project.ini, None)))
    assert report.defects == []
    for revision in project.revisions:
        for check in PER_REVISION:
            statuses = {
                r.status for r in report.results if (r.check, r.revision) == (check, revision.id)
            }
            assert statuses <= {PASSED, WARNING}, (check, revision.id, statuses)
            assert statuses, f"{check} never ran at {revision.id}"
    lossy = {r.revision for r in report.with_status(WARNING) if r.check == "downgrade-data"}
    assert lossy == {s.revision for s in STAIRWAY.stages[1:] if STAIRWAY.lost_on_downgrade(s)}
    assert all(
        "lossy by design" in r.lines[0]
        for r in report.with_status(WARNING)
        if r.check == "downgrade-data"
    )


def test_a_revision_refusing_generated_rows_by_design_is_no_defect(tmp_path):
    """Without the hooks, op.refuse_rows turns the generated rows away: a warning, not a defect."""
    report = check_project(this_project(), [f"sqlite:///{tmp_path}/server.db"], Hooks())
    assert report.defects == []
    refused = [r for r in report.with_status(WARNING) if r.check == "upgrade-with-data"]
    assert refused and "refused the generated rows by design" in refused[0].lines[0]


@pytest.mark.parametrize("database", on_databases("postgresql"))
def test_squawks_findings_are_warnings_that_leave_the_exit_status_alone(database):
    report = check_project(
        Project(CORPUS / "correct_renames" / "alembic.ini"), [DATABASES[database]]
    )
    said = [r for r in report.with_status(WARNING) if r.check == "squawk"]
    assert said, "squawk found nothing to say about renaming a table and a column"
    assert any("renaming-" in line for r in said for line in r.lines)
    assert report.exit_status == 0


def test_an_index_declared_twice_alike_is_compared_once_and_said():
    import sqlalchemy as sa

    from sqlalchemy_stairway.check.project_checks import once_each

    metadata = sa.MetaData(naming_convention={"ix": "ix_%(table_name)s__%(column_0_name)s"})
    table = sa.Table("artifact", metadata, sa.Column("key", sa.String(40), index=True))
    sa.Index("ix_artifact__key", table.c.key)  # as __table_args__ repeats it
    compared, said = once_each(metadata)
    assert said == "index ix_artifact__key on artifact twice alike; each is compared once"
    assert len(compared.tables["artifact"].indexes) == 1
    assert len(table.indexes) == 2, "the project's own models are left as they are"
    # an index made on one dialect only stays so in the copy
    sa.Index("ix_artifact__key_gin", table.c.key, postgresql_using="gin").ddl_if(
        dialect="postgresql"
    )
    compared, _ = once_each(metadata)
    [gin] = [i for i in compared.tables["artifact"].indexes if i.name == "ix_artifact__key_gin"]
    assert gin._ddl_if.dialect == "postgresql"
    compared.create_all(sa.create_engine("sqlite://"))
    # one name on other columns is no repetition: left for the comparison to refuse
    other = sa.MetaData()
    clash = sa.Table("t", other, sa.Column("a", sa.Integer), sa.Column("b", sa.Integer))
    sa.Index("ix_t", clash.c.a)
    sa.Index("ix_t", clash.c.b)
    assert once_each(other) == (other, "")
