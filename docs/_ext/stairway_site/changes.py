"""What one schema changes against the one before: tables and columns added, renamed, dropped.

Two ``MetaData`` alone cannot tell a rename from a drop and an add, so the
renames come from the stage's declaration (which tables and columns it
carries under a new name; the migration checks hold the revision to it).
"""

from dataclasses import dataclass, field

from sqlalchemy import Column, MetaData


@dataclass
class Renames:
    """Tables renamed (old -> new) and columns renamed ((new table, old column) -> new column)."""

    tables: dict[str, str] = field(default_factory=dict)
    columns: dict[tuple[str, str], str] = field(default_factory=dict)


@dataclass(frozen=True)
class Change:
    """One change: ``kind`` is added, dropped, renamed or altered; ``what`` table or column."""

    kind: str
    what: str
    name: str  # the name after the change (before it, for what was dropped)
    detail: str = ""

    def __str__(self) -> str:
        text = f"{self.what} {self.name} {self.kind}"
        return f"{text}: {self.detail}" if self.detail else text


def column_type(column: Column) -> str:
    """The column's type, with NOT NULL when it says so."""
    nullable = column.nullable or column.primary_key
    return f"{column.type}{'' if nullable else ' NOT NULL'}"


def schema_changes(
    before: MetaData, after: MetaData, renames: Renames | None = None
) -> list[Change]:
    """Return what ``after`` adds, renames, alters and drops against ``before``."""
    renames = renames or Renames()
    old_name_of = {new: old for old, new in renames.tables.items()}
    changes: list[Change] = []
    kept: set[str] = set()
    for table in after.sorted_tables:
        old_name = old_name_of.get(table.name, table.name)
        if old_name not in before.tables:
            columns = ", ".join(table.columns.keys())
            changes.append(Change("added", "table", table.name, columns))
            continue
        kept.add(old_name)
        if old_name != table.name:
            changes.append(Change("renamed", "table", table.name, f"was {old_name}"))
        changes.extend(_column_changes(before.tables[old_name], table, renames))
    for name in before.tables:
        if name not in kept:
            changes.append(Change("dropped", "table", name))
    return changes


def _column_changes(old_table, new_table, renames: Renames) -> list[Change]:
    """The column changes of one table that is in both schemas."""
    old_name_of = {
        new: old for (table, old), new in renames.columns.items() if table == new_table.name
    }
    changes: list[Change] = []
    matched: set[str] = set()
    for column in new_table.columns:
        name = f"{new_table.name}.{column.name}"
        old_column_name = old_name_of.get(column.name, column.name)
        if old_column_name not in old_table.columns:
            changes.append(Change("added", "column", name, column_type(column)))
            continue
        matched.add(old_column_name)
        old_column = old_table.columns[old_column_name]
        if old_column_name != column.name:
            changes.append(Change("renamed", "column", name, f"was {old_column_name}"))
        if column_type(old_column) != column_type(column):
            changes.append(
                Change(
                    "altered", "column", name, f"{column_type(old_column)} → {column_type(column)}"
                )
            )
    for column in old_table.columns:
        if column.name not in matched:
            changes.append(Change("dropped", "column", f"{new_table.name}.{column.name}"))
    return changes
