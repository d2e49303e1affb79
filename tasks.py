"""Invoke tasks: walk the stairway, move between stages, check the migrations.

    invoke walk                 every stage in turn, from an empty database
    invoke stage 3              move to stage 3 and seed what it adds
    invoke up / invoke down     one stage forward or back
    invoke show                 where the database is, its schema and data
    invoke check                the migration checks, on scratch databases
    invoke sql 4 --dialect postgresql

Every task that touches a database takes --url (default: $DATABASE_URL,
then sqlite:///tutorial.db).  Heavy imports live inside the task bodies so
that `invoke --list` stays instant.
"""

import sys
from contextlib import contextmanager

from invoke import Exit, task

URL_HELP = "database URL (default: $DATABASE_URL, then sqlite:///tutorial.db)"
YES_HELP = "accept losing data a downgrade cannot keep (the task says what first)"


@contextmanager
def friendly_errors():
    """Turn what a user can fix into one line and exit status 1, never a traceback."""
    from sqlalchemy.exc import DBAPIError

    from scripts.database import first_line
    from scripts.errors import StairwayError

    try:
        yield
    except StairwayError as exc:
        raise Exit(f"error: {exc}", code=1) from None
    except DBAPIError as exc:
        said = first_line(exc)
        if "locked" in said:
            raise Exit(
                "error: another process is writing to the database and did not finish in "
                "time; try again when it is done (or raise $STAIRWAY_LOCK_TIMEOUT)",
                code=1,
            ) from None
        raise Exit(f"error: the database said: {said}", code=1) from None


@contextmanager
def opened(url: str | None):
    """Yield a migration-ready connection to the resolved URL, errors made friendly."""
    from scripts.database import migration_lock, resolve_url
    from scripts.migrate import migration_connection
    from scripts.safety import connect_checked

    with friendly_errors(), migration_connection(resolve_url(url)) as connection:
        connect_checked(connection)
        # held for the whole task: a second run waits, then sees where this one left off
        with migration_lock(connection):
            yield connection


def _go_to(connection, target, *, yes: bool, show_lesson: bool, backup: bool = True) -> None:
    """Move to ``target``, seeding each stage on the way up, then the target's rows."""
    from scripts import display
    from scripts.migrate import climb_or_descend, current_stage, stage_title_line
    from scripts.safety import backup_sqlite, refuse_drift
    from scripts.seed import seed

    console = display.console()
    start = current_stage(connection)
    refuse_drift(connection, start)
    if backup and start != target:
        copy = backup_sqlite(connection)
        if copy:
            console.print(f"[dim]backup of the database before this run: {copy}[/]", soft_wrap=True)
    climb_or_descend(
        connection,
        target,
        allow_data_loss=yes,
        on_stage=lambda stage: console.print(f"[bold]→ {stage_title_line(stage)}[/]"),
    )
    written = seed(connection, target.number)
    connection.commit()
    if any(written.values()):
        console.print(f"seeded: {', '.join(f'{n} {t}' for t, n in written.items() if n)}")
    if show_lesson and target.number > 0:
        from scripts.lessons import render_lesson

        render_lesson(console, target.number)


@task(help={"url": URL_HELP})
def stages(c, url: str | None = None) -> None:
    """List the stages and mark the one the database is at."""
    from scripts import display
    from scripts.migrate import current_stage

    with opened(url) as connection:
        display.console().print(display.stages_table(current_stage(connection)))


@task(
    help={
        "number": "the stage to move to, 0 (empty) to the last",
        "url": URL_HELP,
        "yes": YES_HELP,
        "lesson": "show the stage's lesson afterwards (default: yes)",
    }
)
def stage(c, number: str, url: str | None = None, yes: bool = False, lesson: bool = True) -> None:
    """Move the database to stage N, then seed what the stages up to N add."""
    from scripts.migrate import parse_stage

    with friendly_errors():
        target = parse_stage(number)
    with opened(url) as connection:
        _go_to(connection, target, yes=yes, show_lesson=lesson)


@task(help={"url": URL_HELP})
def up(c, url: str | None = None) -> None:
    """Move the database one stage forward."""
    from models.stages import STAGES
    from scripts.migrate import current_stage

    with opened(url) as connection:
        here = current_stage(connection)
        if here == STAGES[-1]:
            raise Exit(f"the database is already at the last stage, {here.number}", code=0)
        _go_to(connection, STAGES[here.number + 1], yes=False, show_lesson=False)


@task(help={"url": URL_HELP, "yes": YES_HELP})
def down(c, url: str | None = None, yes: bool = False) -> None:
    """Move the database one stage back."""
    from models.stages import STAGES
    from scripts.migrate import current_stage

    with opened(url) as connection:
        here = current_stage(connection)
        if here.number == 0:
            raise Exit("the database is already empty, at stage 0", code=0)
        _go_to(connection, STAGES[here.number - 1], yes=yes, show_lesson=False)


@task(
    help={
        "url": URL_HELP,
        "reset": "empty the database first if it is not (asks nothing more: implies --yes)",
        "pause": "wait for Enter between stages, when the terminal is interactive (default: yes)",
        "lessons": "show each stage's lesson (default: yes)",
    }
)
def walk(
    c, url: str | None = None, reset: bool = False, pause: bool = True, lessons: bool = True
) -> None:
    """Walk every stage from an empty database: what changed, its SQL, the schema, the data."""
    from rich.markdown import Markdown
    from rich.rule import Rule

    from models.stages import STAGES
    from scripts import display
    from scripts.migrate import current_stage, recording_sql
    from scripts.safety import backup_sqlite, refuse_drift

    console = display.console()
    pause = pause and sys.stdin.isatty()
    with opened(url) as connection:
        here = current_stage(connection)
        refuse_drift(connection, here)
        if here.number != 0:
            if not reset:
                raise Exit(
                    f"error: the database is at stage {here.number}, and the walk starts from an "
                    "empty one; run `invoke walk --reset` to empty it first",
                    code=1,
                )
            backup = backup_sqlite(connection)
            if backup:
                console.print(
                    f"[dim]backup of the database before emptying it: {backup}[/]", soft_wrap=True
                )
            _go_to(connection, STAGES[0], yes=True, show_lesson=False, backup=False)
        for stage in STAGES[1:]:
            previous = STAGES[stage.number - 1]
            console.print(Rule(f"[bold]Stage {stage.number}: {stage.title}[/] ({stage.era})"))
            console.print(f"[dim]from seed {stage.seed}; revision {stage.revision}[/]")
            console.print(Markdown(display.revision_story(stage)))
            console.print("[bold]What changed[/]")
            for line in display.schema_changes(previous, stage):
                console.print(f"  {line}", style={"+": "green", "-": "red"}.get(line[0], "yellow"))
            with recording_sql(connection) as statements:
                # the walk began from an empty database: nothing of the user's to back up
                _go_to(connection, stage, yes=False, show_lesson=False, backup=False)
            console.print("[bold]The SQL the revision emitted[/]")
            console.print(display.sql(statements))
            console.print("[bold]The tables now[/]")
            console.print(display.schema_tables(connection))
            console.print("[bold]The data now[/]")
            console.print(display.data_tables(connection))
            connection.commit()
            if lessons:
                from scripts.lessons import render_lesson

                render_lesson(console, stage.number)
            if pause and stage != STAGES[-1]:
                console.input("[dim]Enter for the next stage…[/]")
        console.print(Rule(f"[bold green]Done: the database is at stage {STAGES[-1].number}[/]"))


@task(help={"url": URL_HELP})
def show(c, url: str | None = None) -> None:
    """Show the current stage, its schema and its data."""
    from scripts import display
    from scripts.migrate import current_stage, stage_title_line

    console = display.console()
    with opened(url) as connection:
        here = current_stage(connection)
        console.print(f"[bold]The database is at {stage_title_line(here)}[/]")
        console.print(display.schema_tables(connection))
        console.print(display.data_tables(connection))
        connection.commit()


@task(help={"url": URL_HELP})
def seed(c, url: str | None = None) -> None:
    """Seed the rows of every stage up to the current one (seeding twice = once)."""
    from scripts import display
    from scripts.migrate import current_stage
    from scripts.safety import backup_sqlite, refuse_drift
    from scripts.seed import seed as seed_rows

    console = display.console()
    with opened(url) as connection:
        here = current_stage(connection)
        refuse_drift(connection, here)
        copy = backup_sqlite(connection)
        if copy:
            console.print(f"[dim]backup of the database before seeding: {copy}[/]", soft_wrap=True)
        written = seed_rows(connection, here.number)
        connection.commit()
        summary = ", ".join(f"{n} {t}" for t, n in written.items()) or "nothing to seed at stage 0"
        console.print(f"seeded at stage {here.number}: {summary}")


@task(
    help={
        "number": "the stage whose revision to show",
        "down": "show the downgrade instead of the upgrade",
        "dialect": "sqlite, postgresql or mysql (default: sqlite)",
    }
)
def sql(c, number: str, down: bool = False, dialect: str = "sqlite") -> None:
    """Print the SQL of stage N's revision, without touching any database."""
    from scripts import display
    from scripts.migrate import offline_sql, parse_stage

    with friendly_errors():
        text = offline_sql(parse_stage(number), dialect, down=down)
    display.console().print(display.sql(text))


@task(help={"url": URL_HELP})
def check(c, url: str | None = None) -> None:
    """Run the migration checks in scratch databases on --url's server; yours is untouched."""
    from scripts import display
    from scripts.checks import CheckFailure
    from scripts.database import redact, resolve_url
    from scripts.safety import run_checks

    console = display.console()
    resolved = resolve_url(url)
    console.print(f"checking the migrations on {redact(resolved)} (in scratch databases)")
    with friendly_errors():
        try:
            run_checks(resolved, report=lambda line: console.print(f"  [green]✓[/] {line}"))
        except CheckFailure as failure:
            raise Exit(f"check failed: {failure}", code=1) from None
    console.print("[bold green]all checks passed[/]")


@task(help={"url": URL_HELP, "yes": YES_HELP})
def reset(c, url: str | None = None, yes: bool = False) -> None:
    """Take the database back to stage 0, empty."""
    from models.stages import STAGES

    with opened(url) as connection:
        _go_to(connection, STAGES[0], yes=yes, show_lesson=False)


@task(help={"number": "the stage whose lesson to show"})
def lesson(c, number: str) -> None:
    """Show stage N's lesson in the terminal."""
    from scripts import display
    from scripts.lessons import render_lesson
    from scripts.migrate import parse_stage

    with friendly_errors():
        stage_ = parse_stage(number)
        if stage_.number == 0:
            raise Exit("error: stage 0 is the empty database; lessons start at stage 1", code=1)
    render_lesson(display.console(), stage_.number)


@task
def diagrams(c) -> None:
    """Regenerate the ER diagrams in the lessons from the models."""
    from scripts.diagrams import write_diagrams

    changed = write_diagrams()
    print("\n".join(f"updated {p}" for p in changed) or "every diagram is up to date")


@task(help={"args": "extra arguments for pytest, e.g. '-k sqlite -x'"})
def test(c, args: str = "") -> None:
    """Run the test suite (warnings are errors)."""
    import shlex
    import subprocess

    # an argument list, not a shell string: nothing typed here reaches a shell
    result = subprocess.run([sys.executable, "-m", "pytest", *shlex.split(args)], check=False)
    if result.returncode:
        raise Exit(code=result.returncode)


@task
def golden(c) -> None:
    """Rewrite the golden SQL files of every revision and dialect; say which changed."""
    from scripts.golden import write_golden_files
    from scripts.migrate import PROJECT_ROOT

    changed = write_golden_files()
    for path in changed:
        verb = "updated" if path.exists() else "removed"
        print(f"{verb} {path.relative_to(PROJECT_ROOT)}")
    if not changed:
        print("every golden file is up to date")


@task(
    help={
        "rows": "users to seed, 2 e-mail addresses each; sizes separated by commas run in turn, "
        "e.g. 10000,100000,1000000 (default: 1000000)",
        "url": URL_HELP + "; the bench runs in scratch databases beside it",
        "iterations": "PBKDF2 iterations for the hashed passwords (default: 1000; "
        "the revision's own is 600000)",
        "json": "results file, merged with the sizes already in it "
        "(default: bench-results/bench.json)",
        "chart": "draw every size in the results as this PNG (pip install -e '.[bench]')",
        "checks": "also time `invoke check` on SQLite against a bare up, down, up (default: yes)",
    },
    auto_shortflags=False,  # -h would be --checks, not help
)
def bench(
    c,
    rows: str = "1000000",
    url: str | None = None,
    iterations: int = 1000,
    json: str = "bench-results/bench.json",
    chart: str | None = None,
    checks: bool = True,
):
    """Seed and migrate N users, every step timed against the database's own floor."""
    from scripts.bench import main

    with friendly_errors():
        main(rows, url, iterations, json, chart, checks)
