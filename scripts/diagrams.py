"""ER diagrams of every stage, drawn as Mermaid from the stage's models.

Each lesson carries the diagram of its stage between two markers::

    <!-- diagram:begin -->
    ```mermaid
    erDiagram
        users {
            INTEGER user_id PK
            ...
    ```
    <!-- diagram:end -->

GitHub and GitLab render the ```mermaid block as a picture.  Nobody draws
it by hand: :func:`mermaid_er` writes it from the stage's ``MetaData``,
:func:`write_diagrams` (``invoke diagrams``) puts it in the lessons, and
the tests fail while :func:`stale_diagrams` names a lesson whose picture
no longer matches its models.
"""

import re
from pathlib import Path

from sqlalchemy import Column, ForeignKeyConstraint, MetaData, Table, UniqueConstraint

from scripts.lessons import LESSONS_DIR
from scripts.stages import STAGES
from sqlalchemy_stairway.check.errors import StairwayError

BEGIN = "<!-- diagram:begin -->"
END = "<!-- diagram:end -->"
BLOCK = re.compile(re.escape(BEGIN) + r"\n.*?" + re.escape(END), re.DOTALL)

# Mermaid's erDiagram lexer is case-insensitive and matches these words
# before it tries a name, so a table called "tomato" or "end_dates" would
# be read as "to ..." or "end"; such names are written in quotes.
MERMAID_WORDS = (
    "erdiagram",
    "one",
    "only",
    "zero",
    "many",
    "to",
    "optionally",
    "end",
    "class",
    "style",
    "subgraph",
    "direction",
    "acc",
)
PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def entity_name(table: Table) -> str:
    """Return ``table``'s name as Mermaid reads it, quoted when it must be."""
    name = table.name
    if PLAIN_NAME.fullmatch(name) and not name.lower().startswith(MERMAID_WORDS):
        return name
    return '"' + name.replace('"', "") + '"'


def unique_columns(table: Table) -> set[str]:
    """Names of the columns that are unique on their own."""
    names = {c.name for c in table.columns if c.unique}
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint) and len(constraint.columns) == 1:
            names.update(c.name for c in constraint.columns)
    return names


def attribute(column: Column, unique: set[str]) -> str:
    """One attribute line: ``TYPE name [PK, FK, UK] ["NOT NULL"]``."""
    kind = re.sub(r"\s+", "", str(column.type))  # Mermaid types cannot hold spaces
    keys = [
        key
        for key, applies in (
            ("PK", column.primary_key),
            ("FK", bool(column.foreign_keys)),
            ("UK", column.name in unique and not column.primary_key),
        )
        if applies
    ]
    line = f"{kind} {column.name}"
    if keys:
        line += " " + ", ".join(keys)
    # a primary key is NOT NULL by definition; say it for the other columns
    if not column.nullable and not column.primary_key:
        line += ' "NOT NULL"'
    return line


def relationship_line(constraint: ForeignKeyConstraint) -> str:
    """The line joining the referenced (parent) table to the referring (child) one.

    The parent's end is ``||`` (exactly one) when the foreign key is NOT
    NULL and ``|o`` (zero or one) when a child may belong to nobody; the
    child's end is ``o{`` (zero or more), or ``o|`` when the foreign key is
    unique.  The line is solid (identifying) only when the foreign key is
    part of the child's primary key, dashed otherwise.
    """
    child = constraint.table
    parent = constraint.referred_table
    columns = list(constraint.columns)
    parent_end = "||" if all(not c.nullable for c in columns) else "|o"
    names = {c.name for c in columns}
    unique = len(columns) == 1 and columns[0].name in unique_columns(child)
    child_end = "o|" if unique or names == {c.name for c in child.primary_key} else "o{"
    line_style = "--" if names <= {c.name for c in child.primary_key} else ".."
    label = ", ".join(c.name for c in columns)
    return (
        f"{entity_name(parent)} {parent_end}{line_style}{child_end} "
        f'{entity_name(child)} : "{label}"'
    )


def mermaid_er(metadata: MetaData) -> str:
    """Return the Mermaid ``erDiagram`` of ``metadata``'s tables, ending in a newline."""
    tables = metadata.sorted_tables  # referenced tables first: parents above children
    lines = ["erDiagram"]
    for table in tables:
        unique = unique_columns(table)
        lines.append(f"    {entity_name(table)} {{")
        lines.extend(f"        {attribute(column, unique)}" for column in table.columns)
        lines.append("    }")
    for table in tables:
        for constraint in sorted(
            table.foreign_key_constraints, key=lambda c: [col.name for col in c.columns]
        ):
            lines.append(f"    {relationship_line(constraint)}")
    return "\n".join(lines) + "\n"


def diagram_block(metadata: MetaData) -> str:
    """The markers and the fenced block between them, as a lesson holds them."""
    return f"{BEGIN}\n```mermaid\n{mermaid_er(metadata)}```\n{END}"


def lesson_files(folder: Path | None = None) -> dict[int, Path]:
    """Stage number -> lesson file, for every stage that has a lesson (not stage 0)."""
    folder = folder or LESSONS_DIR
    return {stage.number: folder / f"stage{stage.number}.md" for stage in STAGES[1:]}


def redrawn(path: Path, metadata: MetaData) -> str:
    """Return the text of ``path`` with its diagram drawn from ``metadata``."""
    text = path.read_text(encoding="utf-8")
    if not BLOCK.search(text):
        raise StairwayError(
            f"{path.name} has no diagram markers; put {BEGIN} and {END} "
            "on lines of their own where the diagram belongs"
        )
    return BLOCK.sub(lambda _: diagram_block(metadata), text, count=1)


def stale_diagrams(folder: Path | None = None) -> list[Path]:
    """Lessons whose diagram differs from the one their stage's models draw."""
    return [
        path
        for number, path in lesson_files(folder).items()
        if redrawn(path, STAGES[number].metadata) != path.read_text(encoding="utf-8")
    ]


def write_diagrams(folder: Path | None = None) -> list[Path]:
    """Redraw every lesson's diagram from its models; return the lessons that changed."""
    changed = []
    for number, path in lesson_files(folder).items():
        text = redrawn(path, STAGES[number].metadata)
        if text != path.read_text(encoding="utf-8"):
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed
