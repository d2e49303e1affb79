"""What a downgrade would destroy, counted before it runs, so that a person can be asked.

Derived from the stages' declarations: a stage's new tables lose their
rows when it is undone, its new columns and the computed ones that cannot
be computed back lose their values.  Each is named as the revisions name
it in ``op.confirm_data_loss`` (``table order``, ``column
user_account.fullname``), and counted in the database as it is now.

The answer a person gives is passed to the migration as an allowance
(``migrate(..., allow_data_loss={what: rows})``): the revisions count again
while they run and refuse if more would be lost than was agreed.
"""

import re

from sqlalchemy import Connection, column, func, select, table

from sqlalchemy_stairway.stages import Stage, Stairway, Transform
from sqlalchemy_stairway.transactions import reading


def planned_losses(
    stairway: Stairway, connection: Connection, start: Stage, target: Stage
) -> dict[str, int]:
    """Return {what: rows} that moving down from ``start`` to ``target`` would destroy."""
    losses: dict[str, int] = {}
    if target.number >= start.number:
        return losses
    with reading(connection):
        for stage in reversed(stairway.stages[target.number + 1 : start.number + 1]):
            for what, name, column_name in _undone(stairway, stage):
                where = _name_at(stairway, stage, start, name, column_name)
                if where is None:
                    continue  # a later stage already dropped it: counted there
                count = _count(connection, *where)
                if count:
                    losses.setdefault(what, count)
    return losses


def destination(stairway: Stairway, script, start: Stage, argument: object) -> Stage | None:
    """Return the stage an Alembic command's revision argument leads to from ``start``.

    ``base``, ``head``, ``-2``, a revision id, or one relative to it
    (``0005-2``); None for anything else (a range, a branch), where each
    revision's own count still refuses.
    """
    if not isinstance(argument, str):  # `alembic stamp` passes a tuple
        return None
    if argument == "base":
        return stairway.base
    if argument in ("head", "heads"):
        return stairway.head
    if argument.startswith(("-", "+")) and argument[1:].isdigit():
        number = start.number + int(argument)
        return stairway[number] if 0 <= number <= stairway.head.number else None
    relative = re.fullmatch(r"(\w+?)([-+]\d+)", argument)
    if relative:
        anchor = destination(stairway, script, start, relative.group(1))
        if anchor is None:
            return None
        return destination(stairway, script, anchor, relative.group(2))
    try:
        found = script.get_revision(argument)
        return stairway.stage_for_revision(found.revision) if found else None
    except Exception:  # not a revision this project knows: Alembic says so itself
        return None


def describe(losses: dict[str, int]) -> str:
    """Return ``table order (1 row), ...``."""
    return ", ".join(
        f"{what} ({count} row{'' if count == 1 else 's'})" for what, count in losses.items()
    )


def _undone(stairway: Stairway, stage: Stage):
    """Yield (label, table, column or None) for what undoing ``stage`` destroys."""
    for name, source in stairway.table_sources(stage).items():
        if source.carry is None:
            yield f"table {name}", name, None
            continue
        for column_name, origin in source.columns.items():
            if origin is None or (isinstance(origin, Transform) and not origin.reversible):
                yield f"column {name}.{column_name}", name, column_name


def _name_at(
    stairway: Stairway, stage: Stage, end: Stage, name: str, column_name: str | None
) -> tuple[str, str | None] | None:
    """Return what table ``name`` (and column) of ``stage`` is called at ``end``; None if gone."""
    for later in stairway.stages[stage.number + 1 : end.number + 1]:
        for new_name, source in stairway.table_sources(later).items():
            if source.carry is not None and source.carry.source == name:
                if column_name is not None:
                    renamed = [c for c, origin in source.columns.items() if origin == column_name]
                    if not renamed:
                        return None
                    column_name = renamed[0]
                name = new_name
                break
        else:
            return None
    return name, column_name


def _count(connection: Connection, name: str, column_name: str | None) -> int:
    if column_name is None:
        query = select(func.count()).select_from(table(name))
    else:
        found = table(name, column(column_name))
        query = select(func.count()).select_from(found).where(found.c[column_name].is_not(None))
    return connection.execute(query).scalar_one()
