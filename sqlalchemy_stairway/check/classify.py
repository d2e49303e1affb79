"""What a difference a check sees costs: a defect, or the expected trace of sound work.

- A **backfill** (the upgrade fills values in columns whose schema it
  leaves as it was) has nothing a downgrade could give back: its no-op
  downgrade is a warning, with its reason, not a defect.
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
    reasons = []
    for (table, column), values in sorted(cells.items()):
        default = (_column(after_structure, table, column) or (None,) * 4)[3]
        if runtime(default):
            reasons.append(f"{table}.{column} (its default {default} runs at each insert)")
        elif all(_made_at_run_time(v) for pair in values for v in pair):
            kind = "UUIDs" if _is_uuid(values[0][1]) else "times"
            reasons.append(f"{table}.{column} (the upgrade makes {kind} each time it runs)")
        else:
            return None
    return "values made at run time differ on the second upgrade: " + ", ".join(reasons)


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
