"""The walk: climb a stairway one stage at a time, a screen each, paced for reading.

Each stage gets one screen: its heading, what it changed in words (the
revision's docstring and the changes derived from the stage's
declarations), the SQL its revision ran, the tables it touched and a few
of their rows.  Then the walk pauses: Enter for the next stage, ``m`` for
the whole stage, ``l`` for the stage's lesson (both through a pager),
``q`` to stop; at a terminal each acts as its key is pressed.  A screen
the walk pauses after fits the terminal (40 lines when it cannot tell):
the docstring is cut to its first paragraph, then the SQL and the rows
are cut shorter, until it fits.  Nothing is cut silently: a section that
is trimmed says how much it hid and how to see it all.

The walk knows no command names: the caller passes :class:`Commands`, the
words it prints where it tells a reader what to run.
"""

import io
from collections.abc import Callable
from contextlib import redirect_stderr
from dataclasses import dataclass, replace

from rich.console import Console, RenderableType
from rich.markdown import Markdown
from rich.rule import Rule
from rich.table import Table
from rich.text import Text
from sqlalchemy import Connection

from sqlalchemy_stairway import display
from sqlalchemy_stairway.keys import key_reader
from sqlalchemy_stairway.locking import migration_lock
from sqlalchemy_stairway.migrate import migrate, recording_sql
from sqlalchemy_stairway.seeding import seed, seed_on_the_way
from sqlalchemy_stairway.stages import Stage, Stairway

SQL_LINES = 16  # the SQL shown per stage; the rest is counted, with the command that shows it
SQL_SLACK = 5  # hiding fewer lines than this saves less than the note costs: show them
ROWS = 4  # rows shown per table
VALUE_WIDTH = 20  # characters of a value, then "…"
SCREEN_LINES = 40  # the screen a pause fits when the console cannot say its height
PROMPT = "[dim]Enter: next stage · m: all of this stage · l: the lesson · q: stop here >[/] "


@dataclass(frozen=True)
class Room:
    """How much of a stage a screen shows."""

    story: int | None  # paragraphs of the revision's docstring; None: all of it
    sql_lines: int | None  # None: every line
    rows: int  # per table
    below: bool = True  # a pause follows, whose m shows what was cut


WHOLE = Room(story=None, sql_lines=None, rows=ROWS)  # what m shows, through the pager
UNPAUSED = Room(story=None, sql_lines=SQL_LINES, rows=ROWS, below=False)  # scrolled past
# a paused screen takes the first of these that fits: the docstring goes first (m and the
# lesson tell it again), then SQL (invoke sql N prints it), then rows (invoke show)
FITTING = (
    Room(story=None, sql_lines=SQL_LINES, rows=ROWS),
    Room(story=1, sql_lines=SQL_LINES, rows=ROWS),
    Room(story=1, sql_lines=10, rows=ROWS),
    Room(story=1, sql_lines=6, rows=3),
    Room(story=0, sql_lines=6, rows=3),
    Room(story=0, sql_lines=3, rows=3),
    Room(story=0, sql_lines=0, rows=2),
)


@dataclass(frozen=True)
class Commands:
    """The commands the walk tells a reader to run; ``{n}`` is a stage number."""

    sql: str = "sql {n}"
    story: str = "show {revision}"  # prints a revision's whole docstring
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
        self.read = read or key_reader(console)
        self.show_lessons = show_lessons
        self._statements: list[str] = []
        self._said = ""  # what the revisions printed themselves while they ran

    def run(self, connection: Connection, first: Stage) -> bool:
        """Climb from ``first`` to the head, a screen and a pause per stage.

        The database must be at the stage before ``first``.  Return False
        when the reader stopped early.
        """
        for stage in self.stairway.stages[first.number :]:
            self.climb(connection, stage)
            last = stage == self.stairway.head
            room = self.fitting(connection, stage, below=not last) if self.pause else UNPAUSED
            self.console.print(self.screen(connection, stage, room))
            connection.rollback()  # the screen only read
            if self.show_lessons and self.lesson is not None:
                self.console.print(self.lesson(stage))
            if stage != self.stairway.head and not self.wait(connection, stage):
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
        said = io.StringIO()  # a revision's own report (stage 4's hashing) joins the screen
        with migration_lock(connection), redirect_stderr(said):
            with recording_sql(connection) as statements:
                migrate(self.stairway, connection, stage, after_each=seed_on_the_way(self.stairway))
            with connection.begin():  # rows a stage before left out (none on a plain climb)
                seed(self.stairway, connection, stage)
        self._statements = list(statements)
        self._said = said.getvalue().strip()
        return self._statements

    def fitting(self, connection: Connection, stage: Stage, *, below: bool) -> Room:
        """Return the most of ``stage`` a screen can show with its pause (or end) below it.

        ``below``: a pause follows, so what is cut is an ``m`` away.
        """
        height = self.console.height if self.console.is_terminal else SCREEN_LINES
        room = FITTING[-1]
        for room in (replace(each, below=below) for each in FITTING):
            with self.console.capture() as captured:
                self.console.print(self.screen(connection, stage, room))
            if captured.get().count("\n") + 1 <= height:  # + the pause's own line
                break
        return room

    def screen(self, connection: Connection, stage: Stage, room: Room = UNPAUSED) -> RenderableType:
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
            parts.extend(self._story(stage, story, room))
        parts.append(Text.from_markup("\n[bold]What changed[/]"))
        for _, line in changes:
            style = {"+": "green", "-": "red"}.get(line[0], "yellow")
            parts.append(Text(f"  {line}", style=style))
        parts.append(Text.from_markup("\n[bold]The SQL the revision ran[/]"))
        parts.extend(self._sql(stage, room))
        if self._said:
            parts.append(Text(self._said, style="dim"))
        unchanged = f" [dim](unchanged: {', '.join(untouched)})[/]" if untouched else ""
        heading = f"\n[bold]The tables it touched, and their rows[/]{unchanged}"
        parts.append(Text.from_markup(heading))
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
                    shown_rows=room.rows,
                    value_width=VALUE_WIDTH,
                    more=more,
                    prefer=self._added_keys(stage),
                ),
            )
            parts.append(beside)
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

    def _story(self, stage: Stage, story: str, room: Room) -> list[RenderableType]:
        paragraphs = story.split("\n\n")
        if room.story is None or len(paragraphs) <= room.story:
            return [Markdown(story)]
        hidden = len(paragraphs) - room.story
        more = display.plural(hidden, "more paragraph" if room.story else "paragraph")
        command = self.commands.story.format(revision=stage.revision)
        see = "[bold]m[/] below shows them" if room.below else f"[bold]{command}[/] prints them"
        said = f"[dim]… {more} on this revision: {see}[/]"
        return [*(Markdown(p) for p in paragraphs[: room.story]), Text.from_markup(said)]

    def _sql(self, stage: Stage, room: Room) -> list[RenderableType]:
        lines = display.sql_text(self._statements).splitlines()
        most = room.sql_lines
        trim = most is not None and len(lines) > most + min(SQL_SLACK, most)
        shown = lines[:most] if trim else lines
        parts: list[RenderableType] = [display.sql("\n".join(shown))] if shown or not trim else []
        if trim:
            command = self.commands.sql.format(n=stage.number)
            hidden = display.plural(len(lines) - len(shown), "more line" if shown else "line")
            below = "[bold]m[/] below shows them, " if room.below else ""
            said = f"[dim]… {hidden} of SQL: {below}[bold]{command}[/] prints it all[/]"
            parts.append(Text.from_markup(said))
        return parts

    def _next(self, stage: Stage) -> Text:
        lesson = self.commands.lesson.format(n=stage.number)
        if stage == self.stairway.head:
            return Text.from_markup(f"The lesson: [bold]{lesson}[/].")
        nxt = self.stairway[stage.number + 1]
        return Text.from_markup(
            f"The lesson: [bold]{lesson}[/] (or l below).  Next: stage {nxt.number}, {nxt.title}."
        )

    def wait(self, connection: Connection, stage: Stage) -> bool:
        """Pause after ``stage``: Enter goes on, m and l show more, q stops; False to stop."""
        if not self.pause:
            return True
        while True:
            try:
                answer = self.read(PROMPT).strip().lower()
            except (EOFError, KeyboardInterrupt):
                self.console.print()
                return False
            if answer in ("", "n", "next"):
                return True
            if answer in ("q", "quit", "stop"):
                return False
            if answer in ("m", "more"):
                display.page(self.screen(connection, stage, WHOLE), self.console)
                connection.rollback()  # the screen only read
            elif answer in ("l", "lesson") and self.lesson is not None:
                display.page(self.lesson(stage), self.console)
            else:
                self.console.print(
                    "[dim]Enter goes on, m shows all of this stage, l the lesson, q stops.[/]"
                )
