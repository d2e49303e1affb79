"""Invoke tasks: walk the stairway, move between stages, check the migrations.

    invoke walk                 every stage in turn, a screen each (resumes where it stopped)
    invoke stage 3              move to stage 3 and seed what it adds
    invoke up / invoke down     one stage forward or back
    invoke show                 where the database is, its schema and data
    invoke check                the migration checks, on scratch databases
    invoke sql 4 --dialect postgresql
    invoke exercises            the exercises; `invoke exercise 1` sets one up

Every task that touches a database takes --url (default: $DATABASE_URL,
then tutorial.db in this folder, wherever the task is run from) and says
on its first line which database it uses and where that came from.
Heavy imports live inside the task bodies so that `invoke --list` stays
instant.
"""

import sys
from contextlib import contextmanager
from pathlib import Path

from invoke import Exit, task

PROJECT_FOLDER = Path(__file__).resolve().parent
# the built-in default is the project's own file, not one in whatever folder a task runs from
DEFAULT_URL = f"sqlite:///{PROJECT_FOLDER / 'tutorial.db'}"

INTERRUPTED = 130  # the exit status of a command stopped by Ctrl-C (128 + SIGINT)
URL_HELP = "database URL (default: $DATABASE_URL, then tutorial.db in the project folder)"
YES_HELP = (
    "accept losing data a downgrade cannot keep, without being asked "
    "(needed when there is no terminal to ask y/N)"
)


@contextmanager
def friendly_errors():
    """Turn what a user can fix into one line and exit status 1, never a traceback."""
    from sqlalchemy.exc import DBAPIError

    from sqlalchemy_stairway.check.engines import first_line
    from sqlalchemy_stairway.check.errors import StairwayError
    from sqlalchemy_stairway.consent import Declined
    from sqlalchemy_stairway.locking import lock_conflict

    try:
        yield
    except Declined as exc:  # an answer, not an error; status 1: what was asked for was not done
        raise Exit(str(exc), code=1) from None
    except StairwayError as exc:
        raise Exit(f"error: {exc}", code=1) from None
    except DBAPIError as exc:
        said = lock_conflict(exc) or f"the database said: {first_line(exc)}"
        raise Exit(f"error: {said}", code=1) from None


@contextmanager
def connected(url: str | None, *, read_only: bool = False):
    """Say which database the task uses, then yield a migration-ready connection to it.

    A read-only task never creates a SQLite file: a file that is not there
    yet is an empty database, at stage 0.
    """
    from sqlalchemy_stairway import display
    from sqlalchemy_stairway.check.engines import choose_url, sqlite_file
    from sqlalchemy_stairway.guards import connect_checked
    from sqlalchemy_stairway.migrate import migration_connection

    console = display.console()
    with friendly_errors():
        chosen = choose_url(url, DEFAULT_URL)
        path = sqlite_file(chosen.url)  # also refuses a URL that is not one, in one line
        console.print(chosen.describe(), soft_wrap=True)
        target = chosen.url
        if read_only and path is not None and not path.exists():
            console.print(
                f"[dim]{path} does not exist yet: an empty database, at stage 0 "
                "(invoke walk or invoke stage N creates it)[/]",
                soft_wrap=True,
            )
            target = "sqlite://"  # an empty database in memory, so that no file is made
        with migration_connection(target) as connection:
            connect_checked(connection)
            yield connection


@contextmanager
def interrupts_said(connection):
    """Turn Ctrl-C during a task into one line: where the database stopped, how to go on."""
    from scripts.stages import STAIRWAY
    from sqlalchemy_stairway.aftermath import aftermath, read_stage

    with locked(connection):  # a run in progress is not where this one starts
        before = read_stage(STAIRWAY, connection)
    try:
        yield
    except KeyboardInterrupt:
        told = aftermath(STAIRWAY, connection, before, "run the same command again")
        raise Exit(f"Interrupted (Ctrl-C). {told}", code=INTERRUPTED) from None


@contextmanager
def locked(connection):
    """Hold the migration lock: a second run waits, then sees where this one left off."""
    from sqlalchemy_stairway.locking import migration_lock

    with friendly_errors(), migration_lock(connection):
        yield


@contextmanager
def settled(connection):
    """Let a migration run in progress finish before reading (PostgreSQL, MariaDB).

    Read half-way through another run, the database would look changed by
    hand, or interrupted.  A reader holds the migration lock only while it
    reads.  SQLite needs nothing: a reader sees the last commit, whole.
    """
    if connection.dialect.name == "sqlite":
        yield
        return
    with locked(connection):
        yield


def _drift_remedy(connection, stage) -> str:
    """Return how to start again from a database changed by hand, in this project's commands."""
    from sqlalchemy_stairway.guards import sqlite_path

    if stage.revision is None:
        return "Point --url (or $DATABASE_URL) at another database."
    restore = "restore a backup"
    path = sqlite_path(connection)
    if path is not None:
        copies = sorted((path.resolve().parent / "backups").glob(f"{path.stem}-*{path.suffix}"))
        if copies:
            restore = f"restore the last backup (cp {copies[-1]} {path})"
    return (
        f"To start again: {restore}, or discard this database with `invoke reset --yes` "
        "or `invoke walk --reset`."
    )


def _read_where(connection):
    """Return the stage a database is at, for tasks that only read; None: not the tutorial's.

    A database changed by hand is said so beside its stage; one that is
    stamped at a stage none of whose tables is there is at no stage at all,
    and that is an error.
    """
    from scripts.stages import STAIRWAY
    from sqlalchemy_stairway import display
    from sqlalchemy_stairway.guards import DriftError, drift, present_tables, what_drifted
    from sqlalchemy_stairway.interrupted import find_interrupted
    from sqlalchemy_stairway.migrate import current_stage

    with friendly_errors():
        here = current_stage(STAIRWAY, connection)
        differences = drift(connection, here)
        if not differences:
            return here
        interrupted = find_interrupted(STAIRWAY, connection, here)
        if interrupted is not None:  # not a change by hand: named, with how to finish it
            display.console().print(f"[yellow]Note: {interrupted}.[/]", soft_wrap=True)
            return here
        tables = present_tables(connection)
        if here.revision is not None and not set(here.metadata.tables) & set(tables):
            raise DriftError(here, differences, _drift_remedy(connection, here), tables)
    said = what_drifted(here, differences, tables)
    console = display.console()
    if here.revision is None:
        console.print(
            f"[yellow]Note: {said}. Is it the one you meant (--url, $DATABASE_URL)?[/]",
            soft_wrap=True,
        )
        return None
    console.print(f"[yellow]Note: {said}.[/]", soft_wrap=True)
    return here


def _check_drift(connection, stage, target=None) -> None:
    """Refuse a database changed by hand; let a run through that finishes an interrupted move."""
    from scripts.stages import STAIRWAY
    from sqlalchemy_stairway.guards import refuse_drift

    with friendly_errors():
        refuse_drift(
            connection,
            stage,
            _drift_remedy(connection, stage),
            stairway=STAIRWAY,
            target=target,
        )


def _agree_to_losses(connection, target, yes: bool):
    """Ask before a downgrade loses data; return the allowance.

    ``target`` is a stage, or a function of the stage the database is at
    (as for :func:`_move_to`).  The losses are counted under the migration
    lock: a run in progress finishes first, and a count taken while it is
    half-way would read tables it is changing.  The person is asked once
    the lock is released; the revisions count again under it when they run.
    """
    from scripts.stages import STAIRWAY
    from sqlalchemy_stairway import display
    from sqlalchemy_stairway.consent import ask_about_losses
    from sqlalchemy_stairway.migrate import current_stage

    with locked(connection):
        start = current_stage(STAIRWAY, connection)
        if callable(target):
            target = target(start)
        if isinstance(target, str) or target.number >= start.number:
            return False  # nothing to do, or a move up: nothing is lost
        if yes:
            return True
        losses = _count_losses(connection, start, target)
    with friendly_errors():
        return ask_about_losses(start, target, losses, console=display.console())


def _count_losses(connection, start, target) -> dict[str, int]:
    """Count what moving down from ``start`` to ``target`` loses (under the lock)."""
    from sqlalchemy.exc import DBAPIError

    from scripts.stages import STAIRWAY
    from sqlalchemy_stairway.locking import lock_conflict
    from sqlalchemy_stairway.losses import planned_losses

    try:
        return planned_losses(STAIRWAY, connection, start, target)
    except DBAPIError as exc:
        connection.rollback()
        if lock_conflict(exc):
            raise  # another client kept a table locked: said as such
        # a table to count is not there: a database changed by hand says so best
        _check_drift(connection, start, target)
        # or a downgrade killed half-way, which this move finishes
        raise Exit(
            f"error: going to stage {target.number} was interrupted half-way, and what it "
            "would still lose cannot be counted; run it again with --yes to finish it",
            code=1,
        ) from None


def _move_to(connection, target, *, allowance, show_lesson: bool, say_next: bool = True) -> None:
    """Move to ``target`` under the lock, seeding each stage on the way up, then its rows.

    ``target`` is a stage, or a function of the stage the database is at
    once the lock is held (``invoke down``: one below it), which may answer
    with a sentence instead when there is nothing to do.  Deciding from a
    reading taken before the lock would act on a database another run has
    moved meanwhile.  A stage is announced only once it is committed.
    """
    from scripts.stages import STAIRWAY
    from sqlalchemy_stairway import display
    from sqlalchemy_stairway.check.errors import StairwayError
    from sqlalchemy_stairway.guards import backup_if_changed
    from sqlalchemy_stairway.migrate import current_stage, migrate
    from sqlalchemy_stairway.seeding import seed, seed_on_the_way

    console = display.console()
    with locked(connection):
        start = current_stage(STAIRWAY, connection)
        if callable(target):
            target = target(start)
        # another application's database is not "empty"; a move killed half-way
        # goes on only if this run finishes it
        _check_drift(connection, start, None if isinstance(target, str) else target)
        if isinstance(target, str):
            console.print(target)
            return
        seed_each = seed_on_the_way(STAIRWAY)
        passed = []

        def after_each(conn, stage, upgrading) -> None:
            seed_each(conn, stage, upgrading)
            passed.append(stage)

        with friendly_errors(), backup_if_changed(connection) as backup:
            try:
                migrate(
                    STAIRWAY, connection, target, allow_data_loss=allowance, after_each=after_each
                )
            except StairwayError as exc:
                now = _stage_after_a_failure(connection, start)
                if now == start:
                    raise
                committed = passed[: passed.index(now) + 1] if now in passed else []
                for stage in committed:
                    console.print(f"[bold]→ {stage}[/]")
                said = str(exc).removesuffix(" Nothing was changed.")
                raise StairwayError(
                    f"{said} The revisions before it were committed (this database cannot "
                    f"roll DDL back): the database is at {now} now."
                ) from None
            backup.changed = start != target
            with connection.begin():
                written = seed(STAIRWAY, connection, target)
            backup.changed = backup.changed or any(written.values())
    for stage in passed:
        console.print(f"[bold]→ {stage}[/]")
    _say_backup(console, backup, "before this run")
    if any(written.values()):
        console.print(f"seeded: {_seeded(written)}")
    if start == target and not any(written.values()):
        console.print(f"The database is already at {target}, with its rows; nothing to do.")
    if say_next:
        _say_next(console, target)
    if show_lesson and target.number > 0:
        from scripts.lessons import lesson_markdown

        display.page(lesson_markdown(target.number, width=console.width), console)


def _stage_after_a_failure(connection, start):
    """Return the stage a failed move left the database at.

    PostgreSQL and SQLite roll the whole move back.  MariaDB commits each
    DDL statement, so the revisions before the one that failed stay done,
    each committed with its version stamp.
    """
    from scripts.stages import STAIRWAY
    from sqlalchemy_stairway.migrate import current_stage

    if connection.in_transaction():
        connection.rollback()
    try:
        return current_stage(STAIRWAY, connection)
    except Exception:  # the first error says more than a second one would
        return start


def _say_backup(console, backup, when: str) -> None:
    if backup.path:
        console.print(f"[dim]backup of the database {when}: {backup.path}[/]", soft_wrap=True)


def _seeded(written: dict[str, int]) -> str:
    from sqlalchemy_stairway.display import plural

    return ", ".join(f"{plural(n, 'row')} in {table}" for table, n in written.items() if n)


def _say_next(console, here) -> None:
    """Print what to run next from stage ``here``."""
    from scripts.stages import STAIRWAY

    if here == STAIRWAY.head:
        console.print(f"At the last stage.  The lesson: invoke lesson {here.number}.")
        return
    nxt = STAIRWAY[here.number + 1]
    lesson = f"  The lesson: invoke lesson {here.number}." if here.number else ""
    console.print(f"Next: invoke up, to stage {nxt.number}: {nxt.title}.{lesson}")


@task(help={"url": URL_HELP})
def stages(c, url: str | None = None) -> None:
    """List the stages and mark the one the database is at."""
    from scripts.stages import STAIRWAY
    from sqlalchemy_stairway import display

    with connected(url, read_only=True) as connection, settled(connection):
        here = _read_where(connection)
        if sys.stdout.isatty():
            display.console().print(display.stages_table(STAIRWAY, here))
        else:  # to a pipe or a file: plain text, for grep and diff
            sys.stdout.write(display.stages_text(STAIRWAY, here))


@task(
    help={
        "number": "the stage to move to, 0 (empty) to the last",
        "url": URL_HELP,
        "yes": YES_HELP,
        "lesson": "show the stage's lesson afterwards, through a pager in a terminal "
        "(default: yes)",
    }
)
def stage(c, number: str, url: str | None = None, yes: bool = False, lesson: bool = True) -> None:
    """Move the database to stage N, then seed what the stages up to N add."""
    from scripts.stages import STAIRWAY

    with friendly_errors():
        target = STAIRWAY.parse_stage(number)
    with connected(url) as connection, interrupts_said(connection):
        allowance = _agree_to_losses(connection, target, yes)
        _move_to(connection, target, allowance=allowance, show_lesson=lesson)


@task(help={"url": URL_HELP})
def up(c, url: str | None = None) -> None:
    """Move the database one stage forward."""
    from scripts.stages import STAIRWAY

    def one_stage_up(here):
        if here == STAIRWAY.head:
            return f"The database is already at the last stage, {here.number}; nothing to do."
        return STAIRWAY[here.number + 1]

    with connected(url) as connection, interrupts_said(connection):
        _move_to(connection, one_stage_up, allowance=False, show_lesson=False)


@task(help={"url": URL_HELP, "yes": YES_HELP})
def down(c, url: str | None = None, yes: bool = False) -> None:
    """Move the database one stage back (asks y/N first if that loses data)."""
    from scripts.stages import STAIRWAY

    def one_stage_down(here):
        if here.number == 0:
            return "The database is already empty, at stage 0; nothing to do."
        return STAIRWAY.previous(here)

    with connected(url) as connection, interrupts_said(connection):
        # asked between two holds of the lock; the revisions count again under the second
        allowance = _agree_to_losses(connection, one_stage_down, yes)
        _move_to(connection, one_stage_down, allowance=allowance, show_lesson=False)


def _start_again(connection, yes: bool, say_next: bool = True) -> None:
    """Take the database back to stage 0; a database changed by hand is discarded whole.

    ``say_next``: end with what to run next (not when a walk goes on by itself).
    """
    from scripts.stages import STAIRWAY
    from sqlalchemy_stairway import display
    from sqlalchemy_stairway.consent import agree_to_discard
    from sqlalchemy_stairway.emptying import empty_database
    from sqlalchemy_stairway.guards import DriftError, backup_if_changed, drift, present_tables
    from sqlalchemy_stairway.migrate import current_stage

    console = display.console()
    with locked(connection):  # a run in progress finishes first: it is no change by hand
        here = current_stage(STAIRWAY, connection)
        differences = drift(connection, here)
    if not differences:
        if here.number == 0:
            console.print("The database is already empty, at stage 0; nothing to do.")
            return
        allowance = _agree_to_losses(connection, STAIRWAY.base, yes)
        _move_to(
            connection, STAIRWAY.base, allowance=allowance, show_lesson=False, say_next=say_next
        )
        return
    with friendly_errors():
        if here.revision is None:  # not the tutorial's: never dropped
            raise DriftError(
                here, differences, _drift_remedy(connection, here), present_tables(connection)
            )
        shown = "; ".join(differences[:4])
        console.print(
            f"[bold]The database is at stage {here.number}, but changed by hand since:[/] {shown}.",
            soft_wrap=True,
        )
        agree_to_discard(
            console,
            "it, every table and row, and start from an empty database",
            yes=yes,
            refusal=(
                f"the database is at stage {here.number} but was changed by hand ({shown}); "
                "run `invoke reset --yes` to discard it and start from an empty database. "
                "Nothing was changed."
            ),
        )
    with locked(connection), backup_if_changed(connection) as backup:
        dropped = empty_database(connection)
        backup.changed = True
    _say_backup(console, backup, "before emptying it")
    said = f"Emptied: dropped {', '.join(dropped)}. The database is at stage 0."
    console.print(said, soft_wrap=True)


@task(
    help={
        "url": URL_HELP,
        "from": "the stage to walk from (default: the one after where the database is); "
        "the database is first moved to the stage before it",
        "reset": "empty the database first, even one changed by hand (asks nothing: implies --yes)",
        "yes": YES_HELP,
        "pause": "pause after each stage, when a person is at a terminal (default: yes)",
        "lessons": "print each stage's whole lesson after its screen (default: no; "
        "l at the pause, or invoke lesson N, shows one)",
    },
)
def walk(
    c,
    url: str | None = None,
    from_: str | None = None,
    reset: bool = False,
    yes: bool = False,
    pause: bool = True,
    lessons: bool = False,
) -> None:
    """Walk the stages a screen each: what changed, its SQL, the tables, a few rows."""
    from scripts.lessons import lesson_markdown
    from scripts.stages import STAIRWAY
    from sqlalchemy_stairway import display
    from sqlalchemy_stairway.consent import interactive
    from sqlalchemy_stairway.migrate import current_stage
    from sqlalchemy_stairway.walk import Commands, Walk

    console = display.console()
    with connected(url) as connection, interrupts_said(connection):
        with friendly_errors():
            first = STAIRWAY.parse_stage(from_) if from_ is not None else None
            if first is not None and first.number == 0:
                raise Exit("error: stage 0 is the empty database; walk --from 1 or later", code=1)
        if reset:
            _start_again(connection, yes=True, say_next=False)
        with locked(connection):  # judged under the lock: another run may be half-way
            here = current_stage(STAIRWAY, connection)
            _check_drift(connection, here)
        if first is None:
            if here == STAIRWAY.head:
                console.print(
                    f"The database is at the last stage, {here.number}: the walk is over.  "
                    "invoke walk --from 1 walks it again (asking before it empties the "
                    "database), invoke walk --reset starts from an empty one."
                )
                return
            first = STAIRWAY[here.number + 1]
            if here.number:
                console.print(
                    f"The database is at stage {here.number}: the walk goes on with stage "
                    f"{first.number} (invoke walk --from 1 starts over)."
                )
        elif here != STAIRWAY.previous(first):
            before = STAIRWAY.previous(first)
            console.print(
                f"First, the database moves to stage {before.number}.  What a move down loses "
                "stays lost; invoke walk --reset climbs from an empty database with every row."
            )
            allowance = _agree_to_losses(connection, before, yes)
            _move_to(connection, before, allowance=allowance, show_lesson=False, say_next=False)
        the_walk = Walk(
            STAIRWAY,
            console,
            commands=Commands(
                sql="invoke sql {n}",
                story="alembic show {revision}",
                rows="invoke show",
                lesson="invoke lesson {n}",
                resume="invoke walk",
                restart="invoke walk --from 1",
            ),
            lesson=lambda stage: lesson_markdown(stage.number, width=console.width),
            pause=pause and interactive(),
            show_lessons=lessons,
        )
        with friendly_errors():
            the_walk.run(connection, first)


@task(help={"url": URL_HELP})
def show(c, url: str | None = None) -> None:
    """Show the current stage, its schema and its data."""
    from sqlalchemy_stairway import display

    console = display.console()
    with connected(url, read_only=True) as connection, settled(connection):
        here = _read_where(connection)
        if here is not None:
            console.print(f"[bold]The database is at {here}[/]")
        console.print(display.schema_tables(connection))
        console.print(display.data_tables(connection))
        connection.rollback()


@task(help={"url": URL_HELP})
def seed(c, url: str | None = None) -> None:
    """Seed the rows of every stage up to the current one (seeding twice = once)."""
    from scripts.stages import STAIRWAY
    from sqlalchemy_stairway import display
    from sqlalchemy_stairway.guards import backup_if_changed
    from sqlalchemy_stairway.migrate import current_stage
    from sqlalchemy_stairway.seeding import seed as seed_rows

    console = display.console()
    with connected(url) as connection, interrupts_said(connection), locked(connection):
        here = current_stage(STAIRWAY, connection)
        _check_drift(connection, here)
        with friendly_errors(), backup_if_changed(connection) as backup:
            with connection.begin():
                written = seed_rows(STAIRWAY, connection, here)
            backup.changed = any(written.values())
    _say_backup(console, backup, "before seeding")
    if here.number == 0:
        console.print("Nothing to seed at stage 0: it has no tables.")
    elif not any(written.values()):
        console.print(f"Every row of stages 1 to {here.number} is already there; nothing to do.")
    else:
        console.print(f"seeded at stage {here.number}: {_seeded(written)}")


@task(
    help={
        "number": "the stage whose revision to show",
        "down": "show the downgrade instead of the upgrade",
        "dialect": "sqlite, postgresql or mysql (mariadb: the same as mysql) (default: sqlite)",
    }
)
def sql(c, number: str, down: bool = False, dialect: str = "sqlite") -> None:
    """Print the SQL of stage N's revision, without touching any database."""
    from scripts.stages import STAIRWAY
    from sqlalchemy_stairway import display
    from sqlalchemy_stairway.golden import normalized
    from sqlalchemy_stairway.migrate import offline_sql

    with friendly_errors():
        text = normalized(offline_sql(STAIRWAY, STAIRWAY.parse_stage(number), dialect, down=down))
    if sys.stdout.isatty():
        display.console().print(display.sql(text))
    else:  # to a file or a pipe: the plain SQL, byte for byte what the golden file holds
        sys.stdout.write(text)


@task(
    help={
        "url": URL_HELP + "; the scratch databases are made on its server",
        "config": "another project's alembic.ini to check (default: this project's)",
    }
)
def check(c, url: str | None = None, config: str | None = None) -> None:
    """Run the migration checks in scratch databases on --url's server; yours is untouched.

    The checks are `stairway check`'s, on this project or on another one
    (--config OTHER/alembic.ini); on this project the stages' own checks
    follow (every declared row carried, every computed column verified).
    """
    from scripts.stages import PROJECT_ROOT, STAIRWAY
    from sqlalchemy_stairway import display
    from sqlalchemy_stairway.check.engines import choose_url, parse_url
    from sqlalchemy_stairway.check.hooks import hooks_file, load_hooks
    from sqlalchemy_stairway.check.project import Project
    from sqlalchemy_stairway.check.project_checks import check_project
    from sqlalchemy_stairway.check.reports import as_text, not_compared_note
    from sqlalchemy_stairway.checks import CheckFailure, check_in_scratch

    console = display.console()
    with friendly_errors():
        chosen = choose_url(url, DEFAULT_URL)
        parse_url(chosen.url)
    console.print(chosen.describe(), soft_wrap=True)
    console.print("checking the migrations in scratch databases beside it; it is left untouched")
    ini = Path(config) if config else PROJECT_ROOT / "alembic.ini"
    with friendly_errors():
        project = Project(ini)
        report = check_project(project, [chosen.url], load_hooks(hooks_file(project.ini, None)))
        console.print(as_text(report), markup=False, highlight=False, soft_wrap=True)
        if note := not_compared_note(report):
            console.print(note, markup=False, highlight=False, soft_wrap=True)
        if report.exit_status:
            raise Exit("check failed: see the defects above", code=1)
        if config is None:
            try:
                check_in_scratch(
                    STAIRWAY, chosen.url, report=lambda line: console.print(f"  [green]✓[/] {line}")
                )
            except CheckFailure as failure:
                raise Exit(f"check failed: {failure}", code=1) from None
    console.print("[bold green]all checks passed[/]")


@task(help={"number": "the stage the copy is at", "folder": "a new or empty folder for it"})
def copy_at(c, number: str, folder: str) -> None:
    """Copy the project as it was at stage N into FOLDER, to try Alembic's commands there."""
    from pathlib import Path

    from scripts.shell_sessions import copy_at_stage
    from scripts.stages import STAIRWAY

    with friendly_errors():
        stage_ = STAIRWAY.parse_stage(number)
        if stage_.number == 0:
            raise Exit("error: stage 0 has no revisions to try; copy stage 1 or later", code=1)
        made = copy_at_stage(stage_.number, Path(folder))
    print(f"the project at stage {stage_.number} is in {made}; cd there and run alembic")


@task(help={"stage": "rewrite only this stage's lesson and pages (default: every stage's)"})
def sessions(c, stage: str = "") -> None:
    """Rewrite the output of the lessons' console sessions as the commands print it now."""
    import tempfile
    from pathlib import Path

    from scripts.lessons import all_pages
    from scripts.shell_sessions import fill_sessions
    from scripts.stages import STAIRWAY

    with friendly_errors():
        chosen = STAIRWAY.parse_stage(stage).number if stage else None
    if chosen == 0:
        raise Exit("error: stage 0 has no lesson; give a stage from 1 on", code=1)
    for page in all_pages():
        if chosen is not None and page.stage != chosen:
            continue
        path, text = page.path, page.text()
        with tempfile.TemporaryDirectory() as folder, friendly_errors():
            filled = fill_sessions(text, page.stage, Path(folder) / "copy")
        if filled != text:
            path.write_text(filled, encoding="utf-8")
            print(f"updated {path}")


@task
def exercises(c) -> None:
    """List the exercises: migrations to write yourself, graded by the checks."""
    from scripts.exercises import EXERCISES
    from sqlalchemy_stairway import display

    console = display.console()
    for number, each in enumerate(EXERCISES, start=1):
        console.print(f"  {number}. {each.title}")
    console.print("`invoke exercise N` sets one up; `invoke exercise N --check` grades it.")


@task(
    iterable=["url"],
    help={
        "number": "the exercise to set up or grade (`invoke exercises` lists them)",
        "check": "grade your work in the exercise's folder, in scratch databases",
        "reset": "start the exercise again; your folder is kept in exercises/backups/",
        "new_database": "delete the exercise's exercise.db (your revisions stay) to start clean",
        "folder": "where the exercise lives (default: exercises/N-<name> in this folder)",
        "url": (
            "a PostgreSQL or MariaDB server to grade on as well as SQLite (repeatable; "
            "default: $DATABASE_URL, $TUTORIAL_POSTGRES_URL, $TUTORIAL_MARIADB_URL)"
        ),
    },
)
def exercise(
    c,
    number: str,
    check: bool = False,
    reset: bool = False,
    new_database: bool = False,
    folder: str | None = None,
    url: list[str] | None = None,
) -> None:
    """Set exercise N up in a folder of its own, or grade your work there (--check)."""
    from pathlib import Path

    from rich.markdown import Markdown

    from scripts.exercises import workbench
    from sqlalchemy_stairway import display
    from sqlalchemy_stairway.check.engines import redact

    console = display.console()
    with friendly_errors():
        n, _ = workbench.parse_exercise(number)
        where = Path(folder) if folder else workbench.default_folder(n)
        if new_database:
            gone = workbench.new_database(n, where)
            said = f"deleted {gone}" if gone else f"{where / 'exercise.db'} was not there"
            console.print(
                f"{said}; your revisions are as they were. `alembic upgrade head` in {where} "
                "makes a clean one.",
                soft_wrap=True,
            )
            return
        if not check:
            backup = workbench.back_up(where) if reset and where.exists() else None
            workbench.set_up(n, where)
            console.print(Markdown(workbench.task_text(n, where)))
            if backup:
                console.print(f"your previous work is kept in {backup}", soft_wrap=True)
            console.print(f"[dim]set up in {where}; the task is also in {where / 'EXERCISE.md'}[/]")
            return
        workbench.require_set_up(n, where)
        servers = workbench.grading_servers(url or ())
        shown = ", ".join(
            name if name == "SQLite" else f"{name} ({redact(server)})"
            for name, server in servers.items()
        )
        console.print(
            f"grading exercise {n} in {where}, in scratch databases made for it on {shown}; "
            "tutorial.db and exercise.db are not touched",
            soft_wrap=True,
        )
        problems = workbench.grade(
            n, where, servers, report=lambda line: console.print(f"  [green]✓[/] {line}")
        )
    for problem in problems:
        console.print(f"[red]✗[/] {problem}", highlight=False)
    if len(servers) == 1:
        console.print(f"[yellow]note:[/] {workbench.only_sqlite_note(n)}", soft_wrap=True)
    if problems:
        raise Exit(code=1)
    console.print(f"[bold green]exercise {n}: every check passed on {', '.join(servers)}[/]")


@task(help={"url": URL_HELP, "yes": YES_HELP})
def reset(c, url: str | None = None, yes: bool = False) -> None:
    """Take the database back to stage 0, empty (one changed by hand is discarded whole)."""
    with connected(url) as connection, interrupts_said(connection):
        _start_again(connection, yes=yes)


@task(help={"number": "the stage whose lesson to show"})
def lesson(c, number: str) -> None:
    """Show stage N's lesson in the terminal (through a pager, less -R or $PAGER)."""
    from scripts.lessons import lesson_markdown
    from scripts.stages import STAIRWAY
    from sqlalchemy_stairway import display

    with friendly_errors():
        stage_ = STAIRWAY.parse_stage(number)
        if stage_.number == 0:
            raise Exit("error: stage 0 is the empty database; lessons start at stage 1", code=1)
    console = display.console()
    display.page(lesson_markdown(stage_.number, width=console.width), console)


@task
def diagrams(c) -> None:
    """Regenerate the ER diagrams in the lessons from the models."""
    from scripts.diagrams import write_diagrams

    changed = write_diagrams()
    print("\n".join(f"updated {p}" for p in changed) or "every diagram is up to date")


@task(
    help={
        "serve": "serve the site afterwards until Ctrl-C",
        "port": "the port to serve on (default: 8000; 0 picks a free one)",
    }
)
def docs(c, serve: bool = False, port: int = 8000) -> None:
    """Build the site (lessons, guides, exercises, API) into build/site; warnings are errors."""
    import time

    from scripts.site import SITE_DIR, build_site, serving
    from sqlalchemy_stairway.check.errors import StairwayError

    try:
        home = build_site()
        print(f"built the site: {home}")
        if serve:
            with serving(SITE_DIR, port) as address:
                print(f"serving the site at {address} (Ctrl-C to stop)", flush=True)
                while True:
                    time.sleep(3600)
    except StairwayError as exc:
        raise Exit(f"error: {exc}", code=1) from None
    except KeyboardInterrupt:
        print("stopped serving the site")


@task(name="new-stage", help={"name": "what the stage adds, e.g. 'Tags' (names its files)"})
def new_stage(c, name: str) -> None:
    """Scaffold the next stage: its revision, models, declaration and lesson."""
    from scripts.new_stage import scaffold
    from scripts.stages import PROJECT_ROOT, STAIRWAY

    number = STAIRWAY.head.number + 1
    with friendly_errors():
        files = scaffold(STAIRWAY, name)
    for path in files:
        print(f"wrote {path.relative_to(PROJECT_ROOT)}")
    print(
        "next: change the models, write the revision to match, declare the stage's tables and "
        "rows, then `invoke golden`, `invoke diagrams`, "
        f"`invoke sessions --stage {number}` and `pytest`"
    )


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
    from scripts.golden import GOLDEN
    from scripts.stages import PROJECT_ROOT

    changed = GOLDEN.write()
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
        "chain": "also time base to head in one run at the largest size, against the stages' "
        "floors back to back (default: yes)",
        "repeat": "time the whole chain and its floors this many times in fresh databases, "
        "alternating which goes first, and take the median ratio (default: 1)",
        "walk": "time each stage against its own floor at every size (default: yes); "
        "--no-walk times the whole chain at every size instead",
        "measurements": "also run each stage's own measurements, such as stage 4's hashing "
        "throughput and blocked writers (default: yes)",
        "stairway_check": "instead, time `stairway check` against pytest-alembic and pytest-mrt "
        "on a generated chain, and its cost per revision at 5 and 100 revisions",
        "revisions": "with --stairway-check: the generated chain's length (default: 20)",
        "peers_python": "with --stairway-check: a Python with pip install -e '.[peers]'",
        "real_chain": "with --stairway-check: time a real chain instead (prefect, dagster), "
        "`stairway check` against pytest-alembic's four default tests",
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
    chain: bool = True,
    measurements: bool = True,
    walk: bool = True,
    stairway_check: bool = False,
    revisions: int = 20,
    peers_python: str = sys.executable,
    real_chain: str | None = None,
    repeat: int = 1,
):
    """Seed and migrate N users, every step timed against the database's own floor."""
    if real_chain and not stairway_check:
        raise Exit("error: --real-chain goes with --stairway-check", code=1)
    if repeat < 1:
        raise Exit(f"error: --repeat takes a number of runs, 1 or more, not {repeat}", code=1)
    if stairway_check:
        from scripts.bench_check import main as bench_check
        from scripts.bench_check import main_real_chain
        from sqlalchemy_stairway.check.engines import resolve_url

        with friendly_errors():
            if real_chain:
                output = f"bench-results/stairway-check-{real_chain}.json"
                url = resolve_url(url, DEFAULT_URL)
                code = main_real_chain(real_chain, url, peers_python, output)
            else:
                output = "bench-results/stairway-check.json"
                code = bench_check(resolve_url(url, DEFAULT_URL), revisions, peers_python, output)
        raise Exit(code=code)
    from scripts.bench import main
    from sqlalchemy_stairway.check.engines import choose_url, parse_url

    with friendly_errors():
        chosen = choose_url(url, DEFAULT_URL)
        parse_url(chosen.url)
        print(chosen.describe())
        main(
            rows,
            chosen.url,
            iterations,
            json,
            chart,
            checks,
            chain,
            measurements,
            walk=walk,
            repeat=repeat,
        )
