"""Terminal output with rich: stages, schemas, rows and SQL."""

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from sqlalchemy import Connection, MetaData, func, inspect, select

from sqlalchemy_stairway.check.schema import IGNORED_TABLES
from sqlalchemy_stairway.stages import Stage, Stairway, Transform

SHOWN_ROWS = 12


def plural(count: int, word: str) -> str:
    """Return ``1 row``, ``2 rows``: a count and its noun."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def heading(stairway: Stairway, stage: Stage) -> str:
    """Return a stage's heading: its number of how many, title and era."""
    era = f" · era {stage.era}" if stage.era and stage.era != "-" else ""
    return f"Stage {stage.number} of {stairway.head.number}: {stage.title}{era}"


STAGE_COLUMNS = ("stage", "revision", "title", "era", "from", "")


def _stage_rows(stairway: Stairway, current: Stage | None) -> list[tuple[str, ...]]:
    return [
        (
            str(stage.number),
            stage.revision or "base",
            stage.title,
            stage.era,
            stage.source,
            "◀ you are here" if current is not None and stage == current else "",
        )
        for stage in stairway
    ]


def stages_table(stairway: Stairway, current: Stage | None) -> Table:
    """Return the stages as a table, marking the one the database is at."""
    table = Table(title="The stairway", title_justify="left")
    for title in STAGE_COLUMNS:
        table.add_column(title)
    for row in _stage_rows(stairway, current):
        table.add_row(*row)
    return table


def stages_text(stairway: Stairway, current: Stage | None) -> str:
    """Return the stages as plain text for a pipe or a file: aligned columns, no box, no colour."""
    rows = [STAGE_COLUMNS, *_stage_rows(stairway, current)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(STAGE_COLUMNS))]
    lines = ("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows)
    return "".join(line.rstrip() + "\n" for line in lines)


def _compact(title: str) -> Table:
    return Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )


def schema_tables(connection: Connection, only: Iterable[str] | None = None) -> Group:
    """Return one table per database table (or per table in ``only``): columns, types, keys."""
    insp = inspect(connection)
    names = sorted(set(insp.get_table_names()) - IGNORED_TABLES)
    if only is not None:
        names = [name for name in names if name in set(only)]
    shown = []
    for name in names:
        pk = insp.get_pk_constraint(name)
        fks = {
            column: f"→ {fk['referred_table']}.{fk['referred_columns'][i]}"
            for fk in insp.get_foreign_keys(name)
            for i, column in enumerate(fk["constrained_columns"])
        }
        table = _compact(f"[bold]{name}[/]")
        for title in ("column", "type", "null", "key"):
            table.add_column(title)
        for column in insp.get_columns(name):
            key = (
                "PK" if column["name"] in pk["constrained_columns"] else fks.get(column["name"], "")
            )
            table.add_row(
                column["name"],
                column["type"].compile(dialect=connection.dialect),
                "NULL" if column["nullable"] else "NOT NULL",
                key,
            )
        shown.append(table)
    return Group(*shown) if shown else Group("[dim](no tables)[/]")


def data_tables(
    connection: Connection,
    *,
    only: Iterable[str] | None = None,
    shown_rows: int = SHOWN_ROWS,
    value_width: int | None = None,
    more: str = "",
    prefer: Mapping[str, Sequence[Any]] | None = None,
) -> Group:
    """Return the first ``shown_rows`` rows of every table (or of those in ``only``).

    ``prefer`` maps a table to primary keys of rows worth seeing (the rows
    a stage just added): up to half the rows shown are those, the rest the
    first rows.  A table with more rows says how many it hid, followed by
    ``more`` (how to see them); a value cut to ``value_width`` characters
    ends in "…".  NULL is shown as NULL, an empty table as one line.
    """
    metadata = MetaData()
    metadata.reflect(connection)
    wanted = set(only) if only is not None else None
    shown: list[RenderableType] = []
    for name, table in sorted(metadata.tables.items()):
        if name in IGNORED_TABLES or (wanted is not None and name not in wanted):
            continue
        total = connection.execute(select(func.count()).select_from(table)).scalar_one()
        if not total:
            shown.append(Text.from_markup(f"[bold]{name}[/]: 0 rows"))
            continue
        found = _rows_to_show(connection, table, shown_rows, (prefer or {}).get(name, ()))
        hidden = total - len(found)
        grid = _compact(f"[bold]{name}[/]: {plural(total, 'row')}")
        for column in (c.name for c in table.columns):
            if value_width:
                grid.add_column(column, overflow="ellipsis", no_wrap=True, max_width=value_width)
            else:
                grid.add_column(column, overflow="fold", max_width=40)
        for row in found:
            grid.add_row(*(Text("NULL", style="dim") if v is None else str(v) for v in row))
        shown.append(grid)
        if hidden:
            shown.append(Text.from_markup(f"[dim]… {plural(hidden, 'more row')}{more}[/]"))
    return Group(*shown) if shown else Group("[dim](no tables)[/]")


def _rows_to_show(connection: Connection, table, count: int, prefer: Sequence[Any]) -> list:
    """Return up to ``count`` rows in key order: the first ones, and up to half of ``prefer``."""
    key = list(table.primary_key.columns) or list(table.columns)
    first = connection.execute(select(table).order_by(*key).limit(count)).all()
    if not prefer or len(key) != 1:
        return first
    picked = connection.execute(
        select(table).where(key[0].in_(list(prefer)[: max(count // 2, 1)])).order_by(*key)
    ).all()
    position = [c.name for c in table.columns].index(key[0].name)
    picked_keys = {row[position] for row in picked}
    rest = [row for row in first if row[position] not in picked_keys]
    return sorted([*rest[: count - len(picked)], *picked], key=lambda row: row[position])


def sql(statements: list[str] | str, *, width: int | None = None) -> Syntax:
    """Return SQL, highlighted."""
    text = statements if isinstance(statements, str) else sql_text(statements)
    return Syntax(text.strip() or "-- no statements", "sql", word_wrap=True, code_width=width)


def sql_text(statements: list[str]) -> str:
    """Return statements as a script, each ending in a semicolon (a ``--`` comment: none)."""
    return "".join(f"{s}\n" if s.startswith("--") else f"{s};\n" for s in statements)


def console() -> Console:
    return Console(highlight=False)


def page(renderable: RenderableType, out: Console | None = None) -> None:
    """Show ``renderable`` through a pager ($PAGER, else ``less -R``) when stdout is a terminal.

    Elsewhere (a pipe, a file) it is printed as it is.
    """
    out = out or console()
    pager = shlex.split(os.environ.get("PAGER", "")) or (
        ["less", "-R"] if shutil.which("less") else []
    )
    if not (out.is_terminal and sys.stdout.isatty() and pager):
        out.print(renderable)
        return
    with out.capture() as captured:
        out.print(renderable)
    env = dict(os.environ)
    env.setdefault("LESS", "-R")  # a $PAGER of plain `less` keeps the colours too
    try:
        subprocess.run(pager, input=captured.get(), text=True, env=env, check=False)
    except OSError:  # a $PAGER that does not run: the text is still worth reading
        out.print(renderable)


# -- what a stage changes -----------------------------------------------------


def schema_changes(stairway: Stairway, stage: Stage) -> list[tuple[str, str]]:
    """Return what ``stage`` changes against the stage before: (table, line) pairs.

    Derived from the stage's declarations, so a renamed table or column
    reads as a rename (``~ table users → user_account``), never as a table
    dropped and another created.  Lines start with +, - or ~.
    """
    if stage.number == 0:
        return []
    before = stairway.previous(stage).metadata.tables
    changes: list[tuple[str, str]] = []
    carried = set()
    for name, source in sorted(stairway.table_sources(stage).items()):
        table = stage.metadata.tables[name]
        if source.carry is None:
            columns = ", ".join(table.columns.keys())
            changes.append((name, f"+ table {name} ({columns})"))
            continue
        old = source.old
        carried.add(old.name)
        if old.name != name:
            changes.append((name, f"~ table {old.name} → {name}"))
        kept = set()
        for column_name, origin in source.columns.items():
            column = table.columns[column_name]
            if origin is None:
                changes.append((name, f"+ column {name}.{column_name} {_type(column)}"))
            elif isinstance(origin, Transform):
                changes.append(
                    (
                        name,
                        f"+ column {name}.{column_name} {_type(column)}, "
                        f"computed from {old.name}.{origin.source}",
                    )
                )
            else:
                kept.add(origin)
                was = old.columns[origin]
                renamed = f" → {column_name}" if origin != column_name else ""
                retyped = _type(was) != _type(column)
                if renamed or retyped:
                    types = f": {_type(was)} → {_type(column)}" if retyped else ""
                    changes.append((name, f"~ column {name}.{origin}{renamed}{types}"))
        for column in old.columns:
            if column.name not in kept:
                becomes = [
                    target
                    for target, origin in source.columns.items()
                    if isinstance(origin, Transform) and origin.source == column.name
                ]
                why = f" (its values become {', '.join(becomes)})" if becomes else ""
                changes.append((name, f"- column {old.name}.{column.name}{why}"))
    for name in sorted(set(before) - carried):
        changes.append((name, f"- table {name}"))
    return changes


def _type(column) -> str:
    return f"{column.type}{'' if column.nullable else ' NOT NULL'}"


def revision_story(stairway: Stairway, stage: Stage) -> str:
    """Return the revision's docstring without its Alembic header lines."""
    module = stairway.revision_module(stage)
    paragraphs = (module.__doc__ or "").strip().split("\n\n")
    return "\n\n".join(p for p in paragraphs[1:] if not p.startswith("Revision ID"))
