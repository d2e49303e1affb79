"""What a difference a check sees costs: a defect, or the expected trace of sound work.

- A **backfill** (the upgrade fills values in columns whose schema it
  leaves as it was) has nothing a downgrade could give back: its no-op
  downgrade is a warning, with its reason, not a defect.
- Values that were **NULL** and that the upgrade filled (before a column
  becomes NOT NULL, or beside a new index) lost nothing: a downgrade that
  keeps them is a warning, whatever else it undoes.
- What the upgrade **drops** (a column, a table) takes its values with it:
  no downgrade can bring them back, unless the upgrade moved them to
  another place, which the downgrade must then read back.
- A column filled at **run time** (a ``now()`` or ``gen_random_uuid()``
  default, or a ``uuid4()`` called by the revision) gets other values on
  each upgrade: ``reupgrade`` says so as a warning.
- On **MariaDB** a NOT NULL column added with no default to a table that
  holds rows gets ``''`` or ``0`` in every row: the upgrade "works" and
  invents data, where PostgreSQL and SQLite refuse it.  A defect.
"""

import datetime
import re
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy_stairway.check.server_defaults import runtime

UUID_TEXT = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.I)

# what MariaDB puts in a NOT NULL column that has no default
IMPLICIT_VALUES = ("", 0, 0.0, Decimal(0), b"")


def changed_cells(before: dict, after: dict) -> dict[tuple[str, str], list] | None:
    """(table, column) -> [(was, now), ...] for each value that changed between two readings.

    None when rows came or went (a different story than changed values);
    only the columns both readings have are compared.
    """
    cells: dict[tuple[str, str], list] = {}
    for table in sorted(set(before) & set(after)):
        old, new = before[table], after[table]
        if len(old) != len(new):
            return None
        for was, now in zip(old, new, strict=True):
            for column in sorted(set(was) & set(now)):
                if was[column] != now[column]:
                    cells.setdefault((table, column), []).append((was[column], now[column]))
    return cells


def backfill(
    before_structure: dict, after_structure: dict, before_rows: dict, down_rows: dict
) -> str | None:
    """Why a downgrade that does nothing rightly leaves changed values, or None.

    True of a backfill: every value that differs after upgrade → downgrade
    is in a table whose schema the upgrade did not change, and no row came
    or went.
    """
    cells = changed_cells(before_rows, down_rows)
    if not cells:
        return None
    for table, _column_name in cells:
        # the whole table as it was: a new key or index reorders or reshapes its rows
        if before_structure["tables"].get(table) != after_structure["tables"].get(table):
            return None
    columns = ", ".join(f"{table}.{column}" for table, column in sorted(cells))
    return (
        f"a backfill: the upgrade fills {columns} and leaves their schema as it was; "
        "its downgrade rightly keeps the values"
    )


def nulls_filled(before_rows: dict, down_rows: dict) -> str | None:
    """Why values changed by an upgrade and kept by its downgrade lose nothing, or None.

    True when every value that differs after upgrade → downgrade was NULL
    before: the upgrade filled missing values and the downgrade keeps them.
    """
    cells = changed_cells(before_rows, down_rows)
    if not cells or any(was is not None for values in cells.values() for was, _ in values):
        return None
    columns = ", ".join(f"{table}.{column}" for table, column in sorted(cells))
    return f"a backfill: the upgrade fills NULLs in {columns}; its downgrade rightly keeps them"


def dropped_by_upgrade(
    before_structure: dict, after_structure: dict, before_rows: dict, down_rows: dict, after_rows
) -> str | None:
    """Why rows changed by upgrade → downgrade went with what the upgrade dropped, or None.

    Every difference must lie in a table or column the upgrade dropped, and
    none of the dropped text may be found anywhere after the upgrade (moved
    data is the downgrade's to read back).
    """
    before_tables, after_tables = before_structure["tables"], after_structure["tables"]
    dropped_tables = set(before_tables) - set(after_tables)
    dropped_columns = {
        table: set(parts["columns"]) - set(after_tables[table]["columns"])
        for table, parts in before_tables.items()
        if table in after_tables
    }
    dropped_values: set[str] = set()
    for table in sorted(set(before_rows) | set(down_rows)):
        old, new = before_rows.get(table), down_rows.get(table)
        if table in dropped_tables:
            dropped_values |= {v for row in old or [] for v in row.values() if _long_text(v)}
            continue
        if old is None or new is None:
            continue
        gone = dropped_columns.get(table, set())
        kept = (set(old[0]) if old else set()) & (set(new[0]) if new else set()) - gone
        if len(old) != len(new) or _projected(old, kept) != _projected(new, kept):
            return None
        # a dropped column's values are looked for however short (a phone number)
        dropped_values |= {row[c] for row in old for c in gone if _text(row.get(c))}
    if not any(before_rows.get(t) for t in dropped_tables) and not any(
        before_rows.get(t) for t, columns in dropped_columns.items() if columns
    ):
        return None
    # moved data lands in what the upgrade made: a new table or a new column, as
    # it was (a phone number of five characters) or inside a longer text
    made_values = {
        str(value)
        for table, rows in after_rows.items()
        for row in rows
        for column, value in row.items()
        if value is not None and column not in before_tables.get(table, {}).get("columns", {})
    }
    made = "\n".join(made_values)
    if any(value in made_values or (len(value) >= 8 and value in made) for value in dropped_values):
        return None
    names = sorted(dropped_tables) + sorted(
        f"{table}.{column}" for table, columns in dropped_columns.items() for column in columns
    )
    return f"the upgrade drops {', '.join(names)}: their values cannot come back"


def _text(value: Any) -> bool:
    """A text to look for in what the upgrade made, in case the upgrade moved it there."""
    return isinstance(value, str) and value.strip() != "" and not _is_uuid(value)


def _long_text(value: Any) -> bool:
    """A text distinctive enough to look for wherever a dropped table's rows may have gone."""
    return _text(value) and len(value) >= 8


def _projected(rows: list[dict], columns: set[str]) -> list[str]:
    return sorted(repr(sorted((c, row.get(c)) for c in columns)) for row in rows)


def data_only(before_structure: dict, after_structure: dict) -> bool:
    """True when an upgrade left the schema exactly as it was (it moved data, if anything)."""
    return before_structure == after_structure


def runtime_values(
    before_structure: dict, after_structure: dict, first: dict, second: dict
) -> str | None:
    """Why two upgrades rightly gave other values, or None when some change is unexplained.

    ``first`` and ``second``: the rows after each upgrade.  A value may
    differ in a column whose server default is computed as the row is
    written, or in one the upgrade fills with values made at run time
    (UUIDs, timestamps): a new one each time.
    """
    cells = changed_cells(first, second)
    if not cells:
        return None
    reasons = {}
    for (table, column), values in sorted(cells.items()):
        default = (_column(after_structure, table, column) or (None,) * 4)[3]
        if runtime(default):
            reasons[table, column] = f"{table}.{column} (its default {default} runs at each insert)"
        elif all(_made_at_run_time(v) for pair in values for v in pair):
            kind = "UUIDs" if _is_uuid(values[0][1]) else "times"
            reasons[table, column] = (
                f"{table}.{column} (the upgrade makes {kind} each time it runs)"
            )
    if set(reasons) != set(cells) and not _same_but_for(first, second, set(reasons)):
        return None
    return "values made at run time differ on the second upgrade: " + ", ".join(
        reasons[key] for key in sorted(reasons)
    )


def _same_but_for(first: dict, second: dict, made: set[tuple[str, str]]) -> bool:
    """Whether the rows are the same, in any order, once the columns in ``made`` are set aside.

    Rows read in the order of a key made at run time (a new UUID) come back
    in another order on each upgrade: compared row by row, every column
    seems to change.
    """
    if not made:
        return False
    for table in set(first) | set(second):
        gone = {column for t, column in made if t == table}
        old, new = first.get(table) or [], second.get(table) or []
        columns = (set(old[0]) if old else set()) | (set(new[0]) if new else set())
        if _projected(old, columns - gone) != _projected(new, columns - gone):
            return False
    return True


def _made_at_run_time(value: Any) -> bool:
    return _is_uuid(value) or isinstance(value, datetime.date | datetime.time)


def _is_uuid(value: Any) -> bool:
    if isinstance(value, uuid.UUID):
        return True
    if isinstance(value, bytes) and len(value) == 16:
        return True
    return isinstance(value, str) and UUID_TEXT.fullmatch(value) is not None


def invented_values(
    dialect: str, before_structure: dict, after_structure: dict, before_rows: dict, after_rows: dict
) -> list[str]:
    """MariaDB's invented values: one line per NOT NULL column added with no default to rows."""
    if dialect != "mariadb":
        return []
    lines = []
    for table, parts in sorted(after_structure["tables"].items()):
        old = before_structure["tables"].get(table)
        if old is None or not before_rows.get(table):
            continue
        for column, (_type, nullable, autoincrement, default) in sorted(parts["columns"].items()):
            if column in old["columns"] or nullable or autoincrement or default is not None:
                continue
            values = {row.get(column) for row in after_rows.get(table, [])}
            if values and all(_implicit(v) for v in values):
                shown = next(iter(values))
                lines.append(
                    f"{table}.{column} was added NOT NULL with no default to a table holding "
                    f"{len(before_rows[table])} row(s): MariaDB gave every row {shown!r} "
                    "(PostgreSQL and SQLite refuse it); fill it, or add it nullable, fill it, "
                    "then make it NOT NULL"
                )
    return lines


def _implicit(value: Any) -> bool:
    return any(value == implicit and type(value) is type(implicit) for implicit in IMPLICIT_VALUES)


def _column(found: dict, table: str, column: str):
    return found["tables"].get(table, {}).get("columns", {}).get(column)
