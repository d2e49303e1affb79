"""The walk: climb a stairway one stage at a time, a screen each, paced for reading.

Each stage gets one screen: its heading, what it changed in words (the
revision's docstring and the changes derived from the stage's
declarations), the SQL its revision ran, the tables it touched and a few
of their rows.  Then the walk pauses: Enter for the next stage, ``l`` for
the stage's lesson (through a pager), ``q`` to stop.  Nothing is cut
silently: a section that is trimmed says how many lines it hid and which
command shows them all.

The walk knows no command names: the caller passes :class:`Commands`, the
words it prints where it tells a reader what to run.
"""

from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console, RenderableType
from rich.markdown import Markdown
from rich.rule import Rule
from rich.table import Table
from rich.text import Text
from sqlalchemy import Connection

from sqlalchemy_stairway import display
from sqlalchemy_stairway.locking import migration_lock
from sqlalchemy_stairway.migrate import migrate, recording_sql
from sqlalchemy_stairway.seeding import seed, seed_on_the_way
from sqlalchemy_stairway.stages import Stage, Stairway

SQL_LINES = 16  # the SQL shown per stage; the rest is counted, with the command that shows it
SQL_SLACK = 5  # hiding fewer lines than this saves less than the note costs: show them
ROWS = 4  # rows shown per table
VALUE_WIDTH = 20  # characters of a value, then "…"


@dataclass(frozen=True)
class Commands:
    """The commands the walk tells a reader to run; ``{n}`` is a stage number."""

    sql: str = "sql {n}"
    rows: str = "show"
    lesson: str = "lesson {n}"
    resume: str = "walk"
    restart: str = "walk --from 1"


class Walk:
    """Walk ``stairway`` on a connection, printing to ``console``."""

    def __init__(
        self,
        stairway: Stairway,
        console: Console,
        *,
        commands: Commands,
        lesson: Callable[[Stage], RenderableType] | None = None,
        pause: bool = True,
        read: Callable[[str], str] | None = None,
        show_lessons: bool = False,
    ) -> None:
        self.stairway = stairway
        self.console = console
        self.commands = commands
        self.lesson = lesson
        self.pause = pause
        self.read = read or (lambda prompt: console.input(prompt))
        self.show_lessons = show_lessons

    def run(self, connection: Connection, first: Stage) -> bool:
        """Climb from ``first`` to the head, a screen and a pause per stage.

        The database must be at the stage before ``first``.  Return False
        when the reader stopped early.
        """
        for stage in self.stairway.stages[first.number :]:
            self.climb(connection, stage)
            self.console.print(self.screen(connection, stage))
            connection.rollback()  # the screen only read
            if self.show_lessons and self.lesson is not None:
                self.console.print(self.lesson(stage))
            if stage != self.stairway.head and not self.wait(stage):
                nxt = self.stairway[stage.number + 1]
                self.console.print(
                    f"Stopped at stage {stage.number}. [bold]{self.commands.resume}[/] goes on "
                    f"with stage {nxt.number}, [bold]{self.commands.restart}[/] starts over."
                )
                return False
        self.console.print(
            Rule(f"[bold green]Done: the database is at stage {self.stairway.head.number}[/]")
        )
        return True

    def climb(self, connection: Connection, stage: Stage) -> list[str]:
        """Migrate to ``stage`` and seed it; keep the SQL the revision ran."""
        # the lock per stage, not per walk: a reader at the pause keeps nobody waiting
        with migration_lock(connection):
            with recording_sql(connection) as statements:
                migrate(self.stairway, connection, stage, after_each=seed_on_the_way(self.stairway))
            with connection.begin():  # rows a stage before left out (none on a plain climb)
                seed(self.stairway, connection, stage)
        self._statements = list(statements)
        return self._statements

    def screen(self, connection: Connection, stage: Stage) -> RenderableType:
        """Return the screen of ``stage``, just climbed: heading, changes, SQL, tables, rows."""
        from rich.console import Group

        changes = display.schema_changes(self.stairway, stage)
        touched = sorted({table for table, _ in changes if table in stage.metadata.tables})
        untouched = sorted(set(stage.metadata.tables) - set(touched))
        parts: list[RenderableType] = [
            Text(""),
            Rule(f"[bold]{display.heading(self.stairway, stage)}[/]"),
            Text.from_markup(f"[dim]from {stage.source}; revision {stage.revision}[/]"),
        ]
        story = display.revision_story(self.stairway, stage)
        if story:
            parts.append(Markdown(story))
        parts.append(Text.from_markup("\n[bold]What changed[/]"))
        for _, line in changes:
            style = {"+": "green", "-": "red"}.get(line[0], "yellow")
            parts.append(Text(f"  {line}", style=style))
        parts.append(Text.from_markup("\n[bold]The SQL the revision ran[/]"))
        parts.extend(self._sql(stage))
        parts.append(Text.from_markup("\n[bold]The tables it touched, and their rows[/]"))
        more = f": [bold]{self.commands.rows}[/] lists them all"
        for number, name in enumerate(touched):
            if number:
                parts.append(Text(""))
            # the columns beside the rows: one table's whole story in one glance
            beside = Table.grid(padding=(0, 4))
            beside.add_row(
                display.schema_tables(connection, only=[name]),
                display.data_tables(
                    connection,
                    only=[name],
                    shown_rows=ROWS,
                    value_width=VALUE_WIDTH,
                    more=more,
                    prefer=self._added_keys(stage),
                ),
            )
            parts.append(beside)
        if untouched:
            parts.append(Text(f"Unchanged: {', '.join(untouched)}.", style="dim"))
        parts.append(self._next(stage))
        return Group(*parts)

    def _added_keys(self, stage: Stage) -> dict[str, list]:
        """Return the primary keys of the rows ``stage`` adds, per table: worth seeing first."""
        keys = {}
        for name, rows in stage.rows.items():
            key = [c.name for c in stage.metadata.tables[name].primary_key.columns]
            if len(key) == 1:
                keys[name] = [row[key[0]] for row in rows]
        return keys

    def _sql(self, stage: Stage) -> list[RenderableType]:
        lines = display.sql_text(self._statements).splitlines()
        trim = len(lines) > SQL_LINES + SQL_SLACK
        shown = lines[:SQL_LINES] if trim else lines
        parts: list[RenderableType] = [display.sql("\n".join(shown))]
        if trim:
            command = self.commands.sql.format(n=stage.number)
            hidden = display.plural(len(lines) - SQL_LINES, "more line")
            said = f"[dim]… {hidden} of SQL: [bold]{command}[/] prints it all[/]"
            parts.append(Text.from_markup(said))
        return parts

    def _next(self, stage: Stage) -> Text:
        lesson = self.commands.lesson.format(n=stage.number)
        if stage == self.stairway.head:
            return Text.from_markup(f"\nThe lesson: [bold]{lesson}[/].")
        nxt = self.stairway[stage.number + 1]
        return Text.from_markup(
            f"\nThe lesson: [bold]{lesson}[/] (or l below).  Next: stage {nxt.number}, {nxt.title}."
        )

    def wait(self, stage: Stage) -> bool:
        """Pause after ``stage``: Enter goes on, l shows the lesson, q stops; False to stop."""
        if not self.pause:
            return True
        prompt = "[dim]Enter: next stage · l: the lesson · q: stop here >[/] "
        while True:
            try:
                answer = self.read(prompt).strip().lower()
            except (EOFError, KeyboardInterrupt):
                self.console.print()
                return False
            if answer in ("", "n", "next"):
                return True
            if answer in ("q", "quit", "stop"):
                return False
            if answer in ("l", "lesson") and self.lesson is not None:
                display.page(self.lesson(stage), self.console)
            else:
                self.console.print("[dim]Enter goes on, l shows the lesson, q stops.[/]")
