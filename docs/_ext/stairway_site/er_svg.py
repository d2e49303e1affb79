"""An ER diagram drawn as SVG from a ``MetaData``, in Python: no Graphviz, no JavaScript.

Tables are boxes in layers, parents to the left of the tables that refer to
them; a foreign key is a curve from the child's column to the parent's, with
crow's-foot ends (``||`` exactly one parent when the key is NOT NULL, ``|o``
at most one otherwise; ``o{`` any number of children, ``o|`` at most one
when the key is unique).  What a stage changed is coloured: a new table or
column green, a renamed one blue (a table with its old name), an altered column
amber, and a legend says so.

The text is monospace, so a box's width follows from its longest line
without measuring fonts; the picture is the same in every browser and is
readable offline.
"""

from dataclasses import dataclass, field
from html import escape

from sqlalchemy import Column, ForeignKeyConstraint, MetaData, Table

from stairway_site.changes import Change, column_type

FONT = "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace"
FONT_SIZE = 13
CHAR = 7.9  # a monospace character is 0.6em wide: 7.8px at 13px, rounded up
SMALL = 6.7  # the same at 11px
ROW = 22
HEAD = 28
PAD = 10
GAP_X = 76
GAP_Y = 28
MARGIN = 14
MAX_WIDTH = 800  # about the width of a page's column; wider pictures fold
INK = "#1f2328"
MUTED = "#59636e"
LINE = "#6e7781"
COLOURS = {  # kind -> (header fill, row fill)
    None: ("#eaeef2", "#ffffff"),
    "added": ("#1a7f37", "#dafbe1"),
    "renamed": ("#0969da", "#ddf4ff"),
    "altered": ("#9a6700", "#fff8c5"),
}
LEGEND = {"added": "new", "renamed": "renamed", "altered": "type or NULL changed"}


@dataclass
class Marks:
    """What to colour: table name -> kind, "table.column" -> kind; a renamed table's old name."""

    tables: dict[str, str] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_changes(cls, changes: list[Change]) -> "Marks":
        """Colour what ``changes`` added, renamed or altered (what was dropped is not drawn)."""
        marks = cls()
        for change in changes:
            if change.kind == "dropped":
                continue
            target = marks.tables if change.what == "table" else marks.columns
            # a column both renamed and altered shows as altered
            if target.get(change.name) != "altered":
                target[change.name] = change.kind
            if change.what == "table":
                marks.notes[change.name] = "new" if change.kind == "added" else change.detail
        return marks

    def kinds(self) -> list[str]:
        """The kinds of change drawn, in the legend's order."""
        drawn = set(self.tables.values()) | set(self.columns.values())
        return [kind for kind in ("added", "renamed", "altered") if kind in drawn]


@dataclass
class Box:
    table: Table
    x: float = 0.0
    y: float = 0.0
    width: float = 0.0
    layer: int = 0
    subtitle: str = ""

    @property
    def head(self) -> float:
        return HEAD + (16 if self.subtitle else 0)

    @property
    def height(self) -> float:
        return self.head + ROW * len(self.table.columns) + 4

    def row_y(self, column_name: str) -> float:
        """The vertical middle of ``column_name``'s row."""
        index = list(self.table.columns.keys()).index(column_name)
        return self.y + self.head + ROW * index + ROW / 2


def keys_of(column: Column) -> str:
    return ",".join(k for k, on in (("PK", column.primary_key), ("FK", column.foreign_keys)) if on)


def layers(metadata: MetaData) -> dict[str, int]:
    """Table name -> layer: 0 for tables that refer to no other, else one past their parents."""
    layer: dict[str, int] = {}
    for table in metadata.sorted_tables:  # parents come first
        parents = {
            fk.column.table.name for fk in table.foreign_keys if fk.column.table is not table
        }
        layer[table.name] = 1 + max((layer[p] for p in parents), default=-1)
    return layer


def place(metadata: MetaData, marks: Marks, max_width: float) -> list[Box]:
    """Size and position a box per table, layer by layer, children beside their parents.

    When more than two layers side by side would be wider than ``max_width``,
    they fold into two columns (layer 2 under layer 0, layer 3 under layer 1,
    ...), so a picture in a page's column keeps a readable size.
    """
    layer_of = layers(metadata)
    referred = {fk.column.table.name for t in metadata.tables.values() for fk in t.foreign_keys}
    boxes: dict[str, Box] = {}
    for table in metadata.sorted_tables:
        subtitle = marks.notes.get(table.name, "") if table.name in marks.tables else ""
        box = Box(table, layer=layer_of[table.name], subtitle=subtitle)
        box.width = box_width(table, marks)
        boxes[table.name] = box
    count = max(layer_of.values(), default=-1) + 1
    widths = [max(b.width for b in boxes.values() if b.layer == n) for n in range(count)]
    fold = count > 2 and sum(widths) + GAP_X * (count - 1) + 2 * MARGIN > max_width
    columns = 2 if fold else count
    column_widths = [
        max(w for n, w in enumerate(widths) if n % columns == c) for c in range(columns)
    ]
    column_x = [MARGIN + sum(column_widths[:c]) + GAP_X * c for c in range(columns)]
    cursor = [float(MARGIN)] * columns
    lone = [b for b in boxes.values() if b.layer == 0 and b.table.name not in referred]

    def parents_middle(box: Box) -> float:
        ys = [boxes[fk.column.table.name].y for fk in box.table.foreign_keys]
        return sum(ys) / len(ys)

    for number in range(count):
        members = [b for b in boxes.values() if b.layer == number and b not in lone]
        if number:  # nearest to their parents
            members.sort(key=parents_middle)
        for box in members + (lone if number == count - 1 else []):
            column = 0 if box in lone else number % columns
            box.x, box.y = column_x[column], cursor[column]
            cursor[column] += box.height + GAP_Y
    return list(boxes.values())


def box_width(table: Table, marks: Marks) -> float:
    """Wide enough for the header and for every row's keys, name and type."""
    columns = list(table.columns)
    key_chars = max((len(keys_of(c)) for c in columns), default=0)
    name_chars = max((len(c.name) for c in columns), default=0)
    type_chars = max((len(column_type(c)) for c in columns), default=0)
    row = key_chars + 1 + name_chars + 2 + type_chars
    head = max(len(table.name) + 2, len(marks.notes.get(table.name, "")) * SMALL / CHAR + 1)
    return PAD * 2 + CHAR * max(row, head)


def table_svg(box: Box, marks: Marks) -> list[str]:
    """The box of one table: a header with its name, then a row per column."""
    table = box.table
    kind = marks.tables.get(table.name)
    header_fill = COLOURS[kind][0]
    header_ink = INK if kind is None else "#ffffff"
    columns = list(table.columns)
    key_x = box.x + PAD
    name_x = key_x + CHAR * (max(len(keys_of(c)) for c in columns) + 1)
    type_x = name_x + CHAR * (max(len(c.name) for c in columns) + 2)
    parts = [
        f'<g class="er-table" data-table="{escape(table.name)}"'
        f"{f' data-change={chr(34)}{kind}{chr(34)}' if kind else ''}>",
        f'<rect x="{box.x}" y="{box.y}" width="{box.width}" height="{box.height}" rx="6" '
        f'fill="#ffffff" stroke="{LINE}"/>',
        f'<path d="M{box.x} {box.y + box.head}V{box.y + 6}a6 6 0 0 1 6 -6H{box.x + box.width - 6}'
        f'a6 6 0 0 1 6 6V{box.y + box.head}Z" fill="{header_fill}" stroke="{LINE}"/>',
        f'<text x="{box.x + PAD}" y="{box.y + 19}" font-weight="bold" fill="{header_ink}">'
        f"{escape(table.name)}</text>",
    ]
    if box.subtitle:
        parts.append(
            f'<text x="{box.x + PAD}" y="{box.y + 36}" font-size="11" fill="{header_ink}">'
            f"{escape(box.subtitle)}</text>"
        )
    for index, column in enumerate(columns):
        full_name = f"{table.name}.{column.name}"
        row_kind = marks.columns.get(full_name)
        top = box.y + box.head + ROW * index
        baseline = top + 15
        if row_kind:
            parts.append(
                f'<rect x="{box.x + 1}" y="{top}" width="{box.width - 2}" height="{ROW}" '
                f'fill="{COLOURS[row_kind][1]}"/>'
            )
        parts.append(
            f'<text x="{key_x}" y="{baseline}" font-size="11" font-weight="bold" fill="{MUTED}">'
            f"{keys_of(column)}</text>"
            f'<text x="{name_x}" y="{baseline}" fill="{INK}">{escape(column.name)}</text>'
            f'<text x="{type_x}" y="{baseline}" fill="{MUTED}">{escape(column_type(column))}</text>'
        )
    parts.append("</g>")
    return parts


def relationship_svg(constraint: ForeignKeyConstraint, boxes: dict[str, Box]) -> str:
    """A curve from the parent's referred column to the child's foreign key, crow's-foot ends."""
    child = boxes[constraint.table.name]
    parent = boxes[constraint.referred_table.name]
    column = next(iter(constraint.columns))
    referred = next(iter(constraint.elements)).column
    y1, y2 = parent.row_y(referred.name), child.row_y(column.name)
    if child.x >= parent.x + parent.width:  # the child to the right
        (x1, p_out), (x2, c_out) = (parent.x + parent.width, 1), (child.x, -1)
        reach = (x2 - x1) / 2
    elif child.x + child.width <= parent.x:  # the child to the left (a folded layer)
        (x1, p_out), (x2, c_out) = (parent.x, -1), (child.x + child.width, 1)
        reach = (x1 - x2) / 2
    else:  # one above the other, or a table referring to itself: loop out to the right
        (x1, p_out), (x2, c_out) = (parent.x + parent.width, 1), (child.x + child.width, 1)
        reach = 40 + abs(x1 - x2)
    path = f"M{x1} {y1}C{x1 + p_out * reach} {y1} {x2 + c_out * reach} {y2} {x2} {y2}"
    required = all(not c.nullable for c in constraint.columns)
    unique = len(constraint.columns) == 1 and (
        column.unique
        or {c.name for c in constraint.columns} == set(child.table.primary_key.columns.keys())
    )
    ends = [f'<path d="{path}" fill="none" stroke="{LINE}" stroke-width="1.5"/>']
    # the parent's end: one bar and a second bar (exactly one) or a circle (at most one)
    ends.append(
        f'<path d="M{x1 + p_out * 8} {y1 - 7}V{y1 + 7}" stroke="{LINE}" stroke-width="1.5"/>'
    )
    if required:
        ends.append(
            f'<path d="M{x1 + p_out * 13} {y1 - 7}V{y1 + 7}" stroke="{LINE}" stroke-width="1.5"/>'
        )
    else:
        ends.append(_circle(x1 + p_out * 18, y1))
    # the child's end: a circle (zero), then a crow's foot (many) or a bar (one)
    ends.append(_circle(x2 + c_out * 20, y2))
    if unique:
        ends.append(
            f'<path d="M{x2 + c_out * 9} {y2 - 7}V{y2 + 7}" stroke="{LINE}" stroke-width="1.5"/>'
        )
    else:
        ends.append(
            f'<path d="M{x2 + c_out * 13} {y2}L{x2} {y2 - 7}M{x2 + c_out * 13} {y2}L{x2} {y2 + 7}" '
            f'fill="none" stroke="{LINE}" stroke-width="1.5"/>'
        )
    label = escape(", ".join(c.name for c in constraint.columns))
    return (
        f'<g class="er-relationship" data-from="{escape(child.table.name)}" '
        f'data-to="{escape(parent.table.name)}"><title>{escape(child.table.name)}.{label} → '
        f"{escape(parent.table.name)}.{escape(referred.name)}</title>{''.join(ends)}</g>"
    )


def legend_svg(kinds: list[str], top: float) -> list[str]:
    """A line under the tables saying what each colour means."""
    parts, x = [], MARGIN
    for kind in kinds:
        parts.append(
            f'<rect x="{x}" y="{top}" width="14" height="14" rx="3" fill="{COLOURS[kind][1]}" '
            f'stroke="{COLOURS[kind][0]}"/><text x="{x + 20}" y="{top + 12}" font-size="11" '
            f'fill="{MUTED}">{LEGEND[kind]}</text>'
        )
        x += 20 + SMALL * len(LEGEND[kind]) + 20
    return parts


def _circle(x: float, y: float) -> str:
    return f'<circle cx="{x}" cy="{y}" r="4" fill="#ffffff" stroke="{LINE}" stroke-width="1.5"/>'


def er_svg(
    metadata: MetaData, *, title: str, marks: Marks | None = None, max_width: float = MAX_WIDTH
) -> str:
    """Return an ``<svg>`` element drawing ``metadata``'s tables and foreign keys."""
    marks = marks or Marks()
    boxes = {box.table.name: box for box in place(metadata, marks, max_width)}
    width = max((b.x + b.width for b in boxes.values()), default=0) + MARGIN
    height = max((b.y + b.height for b in boxes.values()), default=0) + MARGIN
    legend = legend_svg(marks.kinds(), height)
    if legend:
        height += ROW + 4
    # a line between tables of one column loops out to their right
    if any(
        boxes[fk.column.table.name].x == boxes[t.name].x
        for t in metadata.tables.values()
        for fk in t.foreign_keys
    ):
        width += 48
    body: list[str] = []
    for table in metadata.sorted_tables:
        for constraint in sorted(
            table.foreign_key_constraints, key=lambda c: [col.name for col in c.columns]
        ):
            body.append(relationship_svg(constraint, boxes))
    for box in boxes.values():
        body.extend(table_svg(box, marks))
    body.extend(legend)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="stairway-er" role="img" '
        f'width="{width:g}" height="{height:g}" viewBox="0 0 {width:g} {height:g}" '
        f'font-family="{FONT}" font-size="{FONT_SIZE}">'
        f"<title>{escape(title)}</title>"
        f'<rect width="100%" height="100%" fill="#f6f8fa" rx="8"/>' + "".join(body) + "</svg>"
    )
