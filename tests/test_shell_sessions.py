"""The lessons' shell sessions run, in a scratch copy of the project, and print what they show."""

from pathlib import Path

import pytest

from scripts.lessons import all_pages, lesson_text, more_pages
from scripts.shell_sessions import (
    commands,
    copy_at_stage,
    copy_project,
    fill_sessions,
    normalise,
    run,
    run_sessions,
)
from scripts.stages import PROJECT_ROOT, STAGES, STAIRWAY
from sqlalchemy_stairway.check.errors import StairwayError

LESSONS = [stage.number for stage in STAGES[1:]]


# Each page's sessions run alembic a dozen times or more in a copy of the project,
# the slowest matrix of a plain run: they are `full` (CI runs them on every change),
# while the tests below keep the runner itself checked in a plain run.
@pytest.mark.full
@pytest.mark.parametrize("stage", LESSONS)
def test_lesson_sessions_print_what_they_show(stage: int, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'never.db'}")
    failures = run_sessions(lesson_text(stage), stage, tmp_path / "copy", f"stage{stage}.md")
    assert not failures, "\n\n".join(failures)
    assert not (tmp_path / "never.db").exists()  # $DATABASE_URL is the learner's, never used


@pytest.mark.full
@pytest.mark.parametrize("page", more_pages(), ids=lambda page: page.name)
def test_the_other_pages_sessions_print_what_they_show(page, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'never.db'}")
    failures = run_sessions(page.text(), page.stage, tmp_path / "copy", page.name)
    assert not failures, "\n\n".join(failures)
    assert not (tmp_path / "never.db").exists()


@pytest.mark.parametrize("stage", LESSONS)
def test_every_lesson_runs_alembic_and_shows_autogenerate(stage: int) -> None:
    lines = [command.line for command in commands(lesson_text(stage))]
    assert any(line.startswith("alembic ") for line in lines)
    revision_file = Path(STAIRWAY.revision_module(STAGES[stage]).__file__).name
    removed = f"rm alembic/versions/{revision_file.split('_')[0]}_*.py"
    assert removed in lines, f"stage {stage}'s lesson removes its revision to autogenerate it"
    after = lines[lines.index(removed) :]
    assert any("revision --autogenerate" in line for line in after), (
        f"stage {stage}'s lesson shows what autogenerate writes for it"
    )


def test_the_lessons_run_every_command_a_user_needs() -> None:
    lines = [command.line for page in all_pages() for command in commands(page.text())]
    for needed in (
        "alembic current",
        "alembic history",
        "alembic heads",
        "alembic upgrade +1",
        "alembic downgrade -1",
        " stamp ",
        "--sql",
        "revision --autogenerate",
        "alembic merge heads",
        "--splice",
    ):
        assert any(needed in line for line in lines), needed


def test_a_wrong_expectation_fails_with_the_line_and_a_diff(tmp_path) -> None:
    stage = STAGES[-1]
    text = "Text.\n\n```console\n$ alembic heads\n0004 (head)\n```\n"
    failures = run_sessions(text, stage.number, tmp_path / "copy", "lesson.md")
    assert len(failures) == 1
    assert failures[0].startswith("lesson.md, line 4: $ alembic heads")
    assert f"-0004 (head)\n+{stage.revision} (head)" in failures[0]


def test_filling_writes_what_the_commands_print(tmp_path) -> None:
    stage = STAGES[1]
    text = "```console\n$ alembic heads\nwhatever was here\n$ alembic history\n```\n"
    filled = fill_sessions(text, stage.number, tmp_path / "copy")
    assert f"$ alembic heads\n{stage.revision} (head)\n$ alembic history\n<base> -> " in filled
    assert run_sessions(filled, stage.number, tmp_path / "again") == []


def test_a_copy_at_a_stage_ends_its_chain_there(tmp_path) -> None:
    stage = STAGES[1]
    copy = copy_at_stage(stage.number, tmp_path / "copy")
    revisions = sorted(p.name for p in (copy / "alembic" / "versions").glob("*.py"))
    assert revisions == [Path(STAIRWAY.revision_module(stage).__file__).name]
    assert not (copy / "scripts" / "stages" / f"stage{stage.number + 1}.py").exists()
    with pytest.raises(StairwayError, match="is not empty"):
        copy_at_stage(stage.number, copy)


def test_the_copy_holds_no_database_of_the_learner(tmp_path) -> None:
    copy = copy_project(tmp_path / "copy")
    assert (copy / "alembic.ini").is_file() and (copy / "alembic" / "env.py").is_file()
    assert not list(copy.rglob("*.db")) and not list(copy.rglob("__pycache__"))
    assert not (copy / "tests").exists()
    assert copy != PROJECT_ROOT


def test_only_known_programs_run(tmp_path) -> None:
    with pytest.raises(StairwayError, match="cannot run 'bash'"):
        run("bash -c 'rm -rf /'", tmp_path)
    with pytest.raises(StairwayError, match=r"no file matches nothing/\*\.py"):
        run("rm nothing/*.py", tmp_path)


def test_a_session_starts_with_a_command() -> None:
    with pytest.raises(StairwayError, match="line 2: a console block starts with a `\\$ ` command"):
        commands("```console\noutput first\n$ alembic heads\n```\n")


def test_only_what_varies_is_normalised(tmp_path: Path) -> None:
    printed = (
        f"Generating {tmp_path}/alembic/versions/1a2b3c4d5e6f_x.py ...  done   \n"
        "Create Date: 2026-11-22 02:44:50.126864\n"
        "Revision ID: 0006\n\n\n"
    )
    assert normalise(printed, tmp_path) == (
        "Generating <project>/alembic/versions/<id>_x.py ...  done\n"
        "Create Date: <date>\n"
        "Revision ID: 0006"
    )


def test_only_autogenerates_set_order_may_differ():
    from scripts.shell_sessions import _same_but_for_autogenerates_order as same

    info = "INFO  [alembic.autogenerate.compare.tables] Detected removed table "
    want = f"{info}'users'\n{info}'email_addresses'"
    got = f"{info}'email_addresses'\n{info}'users'"
    assert same('alembic revision --autogenerate -m "x"', got, want)
    assert not same("alembic history", got, want)
    assert not same('alembic revision --autogenerate -m "x"', got + "\nextra", want)


def revision_text(upgrade: list[str], downgrade: list[str]) -> str:
    return "\n".join(
        ["def upgrade() -> None:", *upgrade, "", "def downgrade() -> None:", *downgrade]
    )


def test_autogenerate_is_compared_in_order_upgrade_and_downgrade_apart():
    from scripts.shell_sessions import _same_but_for_autogenerates_order as same

    line = "cat alembic/versions/auto4_stage_4.py"
    create = ["    op.create_table('users',", "    sa.Column('id', sa.Integer()),", "    )"]
    users, addresses = "    op.drop_table('users')", "    op.drop_table('address')"
    want = revision_text([users, addresses], create)
    # two drops that Alembic found in a set may swap
    assert same(line, revision_text([addresses, users], create), want)
    # a drop moved from upgrade() to downgrade() is a difference, though the lines are the same
    assert not same(line, revision_text([users], [addresses, *create]), want)
    # so is a drop moved after the create it came before, in the same function
    assert not same(
        line,
        revision_text([], [*create, users, addresses]),
        revision_text([], [users, addresses, *create]),
    )
    # and a column moved from one table to another
    moved = ["    op.create_table('users',", "    )", "    sa.Column('id', sa.Integer()),"]
    assert not same(line, revision_text([], moved), revision_text([], create))
