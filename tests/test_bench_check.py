"""`invoke bench --stairway-check`'s chains: the generated one, and its copy broken one in ten."""

from scripts.bench_check import break_every_tenth, write_chain
from sqlalchemy_stairway.check.project import Project
from sqlalchemy_stairway.check.project_checks import check_project
from sqlalchemy_stairway.check.results import FAILED


def test_every_tenth_revision_of_the_copy_fails_and_every_revision_is_still_checked(tmp_path):
    chain = write_chain(tmp_path / "chain", 20).parent
    ini = break_every_tenth(chain, tmp_path / "broken")
    report = check_project(Project(ini), [f"sqlite:///{tmp_path}/server.db"], use_squawk=False)
    failed = {(r.check, r.revision) for r in report.with_status(FAILED)}
    assert failed == {("downgrade", "0010"), ("downgrade", "0020")}
    upgraded = {r.revision for r in report.results if r.check == "upgrade"}
    assert upgraded == {f"{n:04d}" for n in range(1, 21)}
    # the chain it was copied from is left whole
    whole = check_project(Project(chain / "alembic.ini"), [f"sqlite:///{tmp_path}/whole.db"])
    assert whole.with_status(FAILED) == []
