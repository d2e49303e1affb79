"""Terminal output with rich: stages, schemas, rows and SQL."""

from rich.console import Console, Group
from rich.syntax import Syntax
from rich.table import Table
from sqlalchemy import Connection, inspect

from models.stages import STAGES, Stage
from scripts.schema import IGNORED_TABLES, rows

SHOWN_ROWS = 12


def stages_table(current: Stage | None) -> Table:
    """Return the stages as a table, marking the one the database is at."""
    table = Table(title="The stairway", title_justify="left")
    for heading in ("stage", "revision", "title", "era", "from seed", ""):
        table.add_column(heading)
    for stage in STAGES:
        here = "◀ you are here" if current is not None and stage == current else ""
        table.add_row(
            str(stage.number), stage.revision or "base", stage.title, stage.era, stage.seed, here
        )
    return table


def schema_tables(connection: Connection) -> Group:
    """Return one table per database table: columns, types, NULL-ability and keys."""
    insp = inspect(connection)
    shown = []
    for name in sorted(set(insp.get_table_names()) - IGNORED_TABLES):
        pk = insp.get_pk_constraint(name)
        fks = {
            column: f"→ {fk['referred_table']}.{fk['referred_columns'][i]}"
            for fk in insp.get_foreign_keys(name)
            for i, column in enumerate(fk["constrained_columns"])
        }
        table = Table(title=name, title_justify="left", min_width=50)
        for heading in ("column", "type", "null", "key"):
            table.add_column(heading)
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


def data_tables(connection: Connection) -> Group:
    """Return the rows of every table, the first few of each."""
    shown = []
    for name, found in rows(connection).items():
        table = Table(title=f"{name}: {len(found)} rows", title_justify="left")
        columns = list(found[0]) if found else []
        for column in columns:
            table.add_column(column, overflow="fold", max_width=40)
        for row in found[:SHOWN_ROWS]:
            table.add_row(*("" if v is None else str(v) for v in row.values()))
        if len(found) > SHOWN_ROWS:
            table.caption = f"… and {len(found) - SHOWN_ROWS} more"
        shown.append(table)
    return Group(*shown) if shown else Group("[dim](no tables)[/]")


def sql(statements: list[str] | str) -> Syntax:
    """Return SQL, highlighted."""
    text = statements if isinstance(statements, str) else "".join(f"{s};\n" for s in statements)
    return Syntax(text.strip() or "-- no statements", "sql", word_wrap=True)


def console() -> Console:
    return Console(highlight=False)


def schema_changes(old: Stage, new: Stage) -> list[str]:
    """Return what ``new``'s schema adds, drops and changes against ``old``'s, a line each."""
    lines = []
    before, after = old.metadata.tables, new.metadata.tables
    for name in sorted(set(after) - set(before)):
        lines.append(f"+ table {name} ({', '.join(after[name].columns.keys())})")
    for name in sorted(set(before) - set(after)):
        lines.append(f"- table {name}")
    for name in sorted(set(before) & set(after)):
        old_columns, new_columns = before[name].columns, after[name].columns
        for column in new_columns:
            if column.key not in old_columns:
                lines.append(f"+ column {name}.{column.key} {column.type}")
        for column in old_columns:
            if column.key not in new_columns:
                lines.append(f"- column {name}.{column.key}")
            elif str(column.type) != str(new_columns[column.key].type) or (
                column.nullable != new_columns[column.key].nullable
            ):
                was, now = column, new_columns[column.key]
                lines.append(
                    f"~ column {name}.{column.key}: {was.type}"
                    f"{'' if was.nullable else ' NOT NULL'} → {now.type}"
                    f"{'' if now.nullable else ' NOT NULL'}"
                )
    return lines


def revision_story(stage: Stage) -> str:
    """Return the revision's docstring without its Alembic header lines."""
    from scripts.migrate import script_directory

    module = script_directory().get_revision(stage.revision).module
    paragraphs = (module.__doc__ or "").strip().split("\n\n")
    story = []
    for paragraph in paragraphs[1:]:
        if paragraph.startswith("What squawk"):
            break  # the lint notes that follow are for reviewers, not the walk
        if not paragraph.startswith("Revision ID"):
            story.append(paragraph)
    return "\n\n".join(story)
