"""An ER diagram as a text picture, for the terminal, where Mermaid is not drawn.

One box per table (columns, types, PK/FK, NOT NULL), set side by side as
far as the width allows, then one line per foreign key::

    ┌ users ─────────────────────┐  ┌ email_addresses ──────────────────┐
    │ user_id    INTEGER      PK │  │ address_id     INTEGER        PK  │
    ...
    email_addresses.user_id ──▶ users.user_id
"""

from sqlalchemy import Column, MetaData, Table


def er_picture(metadata: MetaData, width: int = 100) -> str:
    """Return ``metadata``'s tables as boxes and its foreign keys as arrows."""
    boxes = [_box(table) for table in metadata.sorted_tables]
    lines: list[str] = []
    row: list[list[str]] = []
    for box in boxes:
        if row and sum(len(b[0]) + 2 for b in row) + len(box[0]) > width:
            lines.extend(_side_by_side(row))
            row = []
        row.append(box)
    if row:
        lines.extend(_side_by_side(row))
    for table in metadata.sorted_tables:
        for fk in sorted(table.foreign_keys, key=lambda fk: fk.parent.name):
            target = fk.column
            lines.append(f"{table.name}.{fk.parent.name} ──▶ {target.table.name}.{target.name}")
    return "\n".join(line.rstrip() for line in lines)


def _box(table: Table) -> list[str]:
    cells = [(c.name, str(c.type), _marks(c)) for c in table.columns]
    widths = [max(len(cell[i]) for cell in cells) for i in range(3)]
    inner = max(sum(widths) + 4, len(table.name) + 2)  # the text between "│ " and " │"
    top = f"┌ {table.name} " + "─" * (inner - len(table.name)) + "┐"
    body = []
    for name, type_, marks in cells:
        text = f"{name:<{widths[0]}}  {type_:<{widths[1]}}  {marks:<{widths[2]}}"
        body.append(f"│ {text:<{inner}} │")
    return [top, *body, "└" + "─" * (inner + 2) + "┘"]


def _marks(column: Column) -> str:
    marks = ["PK"] if column.primary_key else []
    if column.foreign_keys:
        marks.append("FK")
    if not column.nullable and not column.primary_key:
        marks.append("NOT NULL")
    return " ".join(marks)


def _side_by_side(boxes: list[list[str]]) -> list[str]:
    height = max(len(box) for box in boxes)
    padded = [box + [" " * len(box[0])] * (height - len(box)) for box in boxes]
    return ["  ".join(parts) for parts in zip(*padded, strict=True)] + [""]
