"""Differences said in words: Alembic's schema differences, and rows before and after.

``compare_metadata()`` answers with tuples such as ``('add_column', None,
'pet', Column('species', ...))``, which read backwards to a person: "add"
means the models have it and the database does not.  :func:`describe`
turns each into a sentence about the database, so a failed check says
"column pet.species is missing from the database".
"""

from collections import Counter
from typing import Any


def _null(nullable: bool | None) -> str:
    return "NULL" if nullable else "NOT NULL"


def _describe_change(change: tuple) -> str:
    kind, _schema, table, column = change[:4]
    existing, wanted = change[-2], change[-1]
    if kind == "modify_type":
        return f"column {table}.{column} is {existing} in the database; the models say {wanted}"
    if kind == "modify_nullable":
        return (
            f"column {table}.{column} is {_null(existing)} in the database; "
            f"the models say {_null(wanted)}"
        )
    if kind == "modify_default":
        return (
            f"column {table}.{column} defaults to {_sql(existing)} in the database; "
            f"the models say {_sql(wanted)}"
        )
    return (
        f"column {table}.{column}: {kind.removeprefix('modify_')} is {existing!r}, not {wanted!r}"
    )


def _sql(default: Any) -> str:
    """A server default as its SQL text: ``DefaultClause(text("0"))`` reads ``0``."""
    if default is None:
        return "nothing"
    arg = getattr(default, "arg", default)
    return str(getattr(arg, "text", arg))


def describe(diff: Any) -> str:
    """Return one of ``compare_metadata()``'s differences as a sentence about the database."""
    if isinstance(diff, list):  # changes to one column come as a list
        return "; ".join(_describe_change(change) for change in diff)
    kind = diff[0]
    if kind == "add_table":
        return f"table {diff[1].name} is missing from the database"
    if kind == "remove_table":
        return f"table {diff[1].name} is in the database, but not in the models"
    if kind == "add_column":
        return f"column {diff[2]}.{diff[3].name} is missing from the database"
    if kind == "remove_column":
        return f"column {diff[2]}.{diff[3].name} is in the database, but not in the models"
    if kind in ("add_index", "add_constraint", "add_fk"):
        item = diff[1]
        return f"{_kind_of(kind)} {item.name} on {item.table.name} is missing from the database"
    if kind in ("remove_index", "remove_constraint", "remove_fk"):
        item = diff[1]
        return (
            f"{_kind_of(kind)} {item.name} on {item.table.name} is in the database, "
            "but not in the models"
        )
    return repr(diff)


def _kind_of(kind: str) -> str:
    return {"index": "index", "constraint": "constraint", "fk": "foreign key"}[kind.split("_")[1]]


def row_differences(before: dict[str, list[dict]], after: dict[str, list[dict]]) -> list[str]:
    """Say in words how the rows of two readings differ: tables, rows gone, values changed."""
    lines = []
    for table in sorted(set(before) | set(after)):
        old, new = before.get(table), after.get(table)
        if old == new or old is None or new is None:
            continue  # a table that is there on one side only: the structure says so
        if len(old) != len(new):
            lines.append(f"{table}: {len(old)} rows before, {len(new)} after")
            continue
        common = set(old[0]) & set(new[0]) if old and new else set()
        # rows on both sides are no difference, in whatever order they were read: each
        # side is read in its primary key's order, which a primary key added changes
        unchanged = Counter(_values(row, common) for row in old) & Counter(
            _values(row, common) for row in new
        )
        old, new = _without(old, unchanged, common), _without(new, unchanged, common)
        for was, now in zip(old, new, strict=True):
            was = {c: v for c, v in was.items() if c in common}
            now = {c: v for c, v in now.items() if c in common}
            if was != now:
                changed = sorted(
                    c for c in set(was) | set(now) if was.get(c, MISSING) != now.get(c, MISSING)
                )
                shown = ", ".join(
                    f"{c} {was.get(c, MISSING)!r} -> {now.get(c, MISSING)!r}" for c in changed[:3]
                )
                lines.append(f"{table} row {_key(was)}: {shown}")
                break
    return lines


MISSING = "(no column)"


def _values(row: dict, columns: set[str]) -> tuple[str, ...]:
    """One row's values in ``columns``, comparable and hashable whatever their types."""
    return tuple(repr(row[column]) for column in sorted(columns))


def _without(rows: list[dict], unchanged: Counter, columns: set[str]) -> list[dict]:
    """``rows`` in their order, less those counted in ``unchanged``."""
    left = Counter(unchanged)
    kept = []
    for row in rows:
        values = _values(row, columns)
        if left[values]:
            left[values] -= 1
        else:
            kept.append(row)
    return kept


def _key(row: dict) -> str:
    first = next(iter(row.items()), ("?", "?"))
    return f"{first[0]}={first[1]!r}"
