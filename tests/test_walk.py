"""The walk as a person sees it: a 120x40 pseudo-terminal, a screen and a pause per stage."""

import re
import sqlite3
import sys

import pexpect
import pytest
from rich.console import Console

from scripts.stages import STAIRWAY
from sqlalchemy_stairway import display
from sqlalchemy_stairway import walk as walk_module
from sqlalchemy_stairway.check.engines import make_engine
from sqlalchemy_stairway.walk import Commands, Room, Walk
from tests.helpers import PROJECT, SCREEN, invoke, screen_text, terminal, terminal_env

PROMPT = "Enter: next stage · m: all of this stage · l: the lesson · q: stop here >"
HEAD = STAIRWAY.head


def stage_at(path) -> str | None:
    with sqlite3.connect(path) as db:
        found = db.execute("SELECT version_num FROM alembic_version").fetchall()
    return found[0][0] if found else None


def assert_fits_before_its_pause(stage, shown: str) -> None:
    """One screen with its pause, with everything a stage has to say on it.

    ``shown`` is what came after the pause before (or the first line) up
    to the pause: all of it, and the pause's own line, fits the terminal.
    """
    rows, columns = SCREEN
    lines = shown.split("\n")[1:]  # less the rest of the line the pause before was on
    # the last line is the pause's own (or the end's rule)
    assert len(lines) <= rows, f"stage {stage.number}: {len(lines)} lines\n{shown}"
    assert max(len(line) for line in lines) <= columns
    for part in ("What changed", "The SQL the revision ran", "The tables it touched"):
        assert part in shown
    for table in stage.metadata.tables:
        name = re.escape(table)  # whole names: item is not item_keyword
        if re.search(rf"\+ table {name}(?!\w)", shown):
            assert re.search(rf"(?<!\w){name}: ", shown), table  # its rows, counted
    assert "(0.3 (2007))" not in shown and not re.search(r"\b1 rows", shown)


def test_each_stage_is_a_screen_and_a_pause_and_the_walk_resumes(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    child = terminal("walk", "--url", url)
    stopped_after = 2
    for stage in STAIRWAY.stages[1 : stopped_after + 1]:
        child.expect_exact(PROMPT)
        assert_fits_before_its_pause(stage, screen_text(child.before))
        if stage.number < stopped_after:
            child.send("\r")  # Enter, as a terminal sends it
    # l shows the lesson through less -R as it is pressed, q in less comes back to the pause
    child.send("l")
    child.expect_exact(f"Stage {stopped_after}:")
    child.expect_exact(":")  # less's own prompt
    child.send("q")
    child.expect_exact(PROMPT)
    child.send("q")  # no Enter
    child.expect_exact(f"Stopped at stage {stopped_after}.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert stage_at(tmp_path / "t.db") == STAIRWAY[stopped_after].revision

    # invoke walk again: it goes on where it stopped, and ends at the head
    child = terminal("walk", "--url", url)
    child.expect_exact(f"the walk goes on with stage {stopped_after + 1}")
    for stage in STAIRWAY.stages[stopped_after + 1 :]:
        child.expect_exact(PROMPT if stage != HEAD else "Done: the database is at stage")
        assert_fits_before_its_pause(stage, screen_text(child.before))
        if stage != HEAD:
            child.send("\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert stage_at(tmp_path / "t.db") == HEAD.revision


def test_walk_from_a_stage_below_asks_before_losing_data(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    assert invoke("stage", str(HEAD.number), "--url", url, "--no-lesson").returncode == 0
    child = terminal("walk", "--url", url, "--from", "1")
    child.expect_exact("Lose them? [y/N]")
    child.send("n\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1  # not done, as asked; but an answer, not an error
    said = screen_text(child.before)
    assert "You said no: nothing was changed." in said and "error" not in said
    assert stage_at(tmp_path / "t.db") == HEAD.revision
    assert not (tmp_path / "backups").exists()

    child = terminal("walk", "--url", url, "--from", str(HEAD.number))
    child.expect_exact("Lose them? [y/N]")
    child.send("y\r")
    child.expect_exact(f"Stage {HEAD.number} of {HEAD.number}")
    child.expect_exact(f"Done: the database is at stage {HEAD.number}")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_without_a_terminal_the_walk_runs_straight_through_and_says_where_it_goes_on(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    middle = STAIRWAY[len(STAIRWAY) // 2]
    assert invoke("stage", str(middle.number), "--url", url, "--no-lesson").returncode == 0
    result = invoke("walk", "--url", url)
    assert result.returncode == 0, result.stderr
    assert f"the walk goes on with stage {middle.number + 1}" in result.stdout
    assert f"Stage {middle.number} of" not in result.stdout
    assert PROMPT not in result.stdout


def test_a_trimmed_section_says_what_it_hid_and_how_to_see_it(tmp_path, monkeypatch):
    monkeypatch.setattr(walk_module, "FITTING", (Room(story=1, sql_lines=3, rows=1),))
    console = Console(record=True, width=120, color_system=None)
    engine = make_engine(f"sqlite:///{tmp_path / 't.db'}", for_migrations=True)
    answers = iter(["", "x", "q"])
    the_walk = Walk(
        STAIRWAY, console, commands=Commands(sql="see {n}"), read=lambda _: next(answers)
    )
    with engine.connect() as connection:
        finished = the_walk.run(connection, STAIRWAY[1])
    engine.dispose()
    out = console.export_text()
    assert not finished
    first = STAIRWAY[1]
    sql = out[out.index("The SQL the revision ran") : out.index("The tables it touched")]
    shown_sql = sql.splitlines()[1:4]
    hidden = int(sql.split("… ")[1].split()[0])
    assert f"more lines of SQL: m below shows them, see {first.number} prints it all" in sql
    assert hidden > 0 and len(shown_sql) == 3
    for table, rows in first.rows.items():
        if len(rows) > 1:
            assert f"… {len(rows) - 1} more row" in out and table in out
    assert "Enter goes on, m shows all of this stage, l the lesson, q stops." in out
    assert "Stopped at stage 2." in out


@pytest.mark.parametrize("answer", ["q", "\x03", "\x04"])  # q, Ctrl-C or Ctrl-D at the pause
def test_stopping_at_the_pause_exits_cleanly_and_gives_the_terminal_back(tmp_path, answer):
    shell = terminal_shell()
    url = f"sqlite:///{tmp_path / 't.db'}"
    shell.sendline(f"{sys.executable} -m invoke walk --url {url}; echo status=$?")
    shell.expect_exact(PROMPT)
    shell.send(answer)
    shell.expect_exact("Stopped at stage 1.")
    shell.expect(r"status=(\d+)")
    assert shell.match.group(1) == "0"
    assert "Traceback" not in screen_text(shell.before)
    # the terminal as it was: lines edited and echoed again
    shell.sendline("stty -a; echo stty-$((1 + 1))")
    shell.expect_exact("stty-2")  # not in the command line echoed
    settings = screen_text(shell.before)
    assert " icanon" in settings and " echo " in settings, settings


def test_m_shows_the_whole_stage_and_comes_back_to_the_pause(tmp_path):
    child = terminal("walk", "--url", f"sqlite:///{tmp_path / 't.db'}", "--from", "4")
    child.expect_exact(PROMPT)
    cut = screen_text(child.before)
    story = display.revision_story(STAIRWAY, STAIRWAY[4]).split("\n\n")
    assert "paragraph" in cut and "on this revision: m below shows them" in cut
    child.send("m")
    child.expect_exact(" ".join(story[-1].split()[:4]))  # the docstring's last paragraph
    child.send("G")  # to the pager's end: every line of SQL is there
    child.expect_exact("(END)")
    child.send("q")
    child.expect_exact(PROMPT)
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def terminal_shell():
    """Start a shell in a 120x40 pseudo-terminal in the project folder, as a reader has."""
    shell = pexpect.spawn(
        "bash",
        ["--norc", "--noprofile"],
        cwd=PROJECT,
        env=terminal_env(PS1="$ "),
        dimensions=SCREEN,
        encoding="utf-8",
        timeout=120,
    )
    shell.expect_exact("$ ")
    return shell


def test_walk_reset_empties_the_database_without_telling_what_to_run_next(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    assert invoke("stage", "2", "--url", url, "--no-lesson").returncode == 0
    result = invoke("walk", "--url", url, "--reset")
    assert result.returncode == 0, result.stderr
    assert "Next: invoke up" not in result.stdout  # the walk goes on by itself
    assert f"Done: the database is at stage {HEAD.number}" in result.stdout
