"""The words of a grading: differences a learner reads once each, without raw tuples.

The checks speak to whoever maintains a chain; a learner grading an
exercise needs less and plainer: Alembic's comparison and the structure
reading often name the same column twice, the structure reading shows a
column as a tuple, and a mistake repeated on every row is one mistake.
"""

import ast
import re
from collections.abc import Sequence

# "user_account.fullname: found ('VARCHAR(40)', False, None, "''"), models give None"
STRUCTURE_COLUMN = re.compile(
    r"^(?P<table>\w+)\.(?P<column>\w+): found (?P<found>.*), models give (?P<want>.*)$"
)
# "pet check constraints: found [], models give [('ck_pet_age_not_negative', 'age >= 0')]"
STRUCTURE_PART = re.compile(
    r"^(?P<table>\w+) (?P<part>check constraints|unique constraints|indexes): "
    r"found (?P<found>\[.*\]), models give (?P<want>\[.*\])$"
)
PART_NAMES = {
    "check constraints": "check constraint",
    "unique constraints": "unique constraint",
    "indexes": "index",
}
# "user_account (6,).given_name ..." : the row's key, to see a mistake repeated on every row
ROW_KEY = re.compile(r" \([^()]*\)")
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|\b\d+\b")
SHOWN_PER_MISTAKE = 2


def column_words(reading: str) -> str:
    """Say a column of a structure reading in words: ``VARCHAR(40) NOT NULL DEFAULT ''``."""
    try:
        value = ast.literal_eval(reading)
    except (ValueError, SyntaxError):
        return reading
    if value is None:
        return "no such column"
    column_type, nullable, _autoincrement, default = value
    words = [str(column_type), "NULL" if nullable else "NOT NULL"]
    if default is not None:
        words.append(f"DEFAULT {default}")
    return " ".join(words)


def part_words(table: str, part: str, found: str, want: str) -> list[str]:
    """Say how a table's constraints or indexes differ, one sentence for each."""
    try:
        found_items, wanted_items = ast.literal_eval(found), ast.literal_eval(want)
    except (ValueError, SyntaxError):
        return [f"{table} {part}: the database has {found}, the models {want}"]
    kind = PART_NAMES[part]

    def said(item) -> str:
        name, *rest = item
        shown = f" ({rest[0]})" if part == "check constraints" else ""
        return f"{kind} {name}{shown} on {table}"

    lines = [
        f"{said(item)} is missing from the database"
        for item in wanted_items
        if item not in found_items
    ]
    lines += [
        f"{said(item)} is in the database, but not in the models"
        for item in found_items
        if item not in wanted_items
    ]
    return lines


def plain_differences(lines: Sequence[str]) -> list[str]:
    """Return ``lines`` in words, each said once, a mistake repeated on many rows said once."""
    said_columns = {
        match.group(1) for line in lines for match in re.finditer(r"column (\w+\.\w+)", line)
    }
    worded = []
    for line in lines:
        part = STRUCTURE_PART.match(line)
        if part:
            worded += part_words(part["table"], part["part"], part["found"], part["want"])
            continue
        match = STRUCTURE_COLUMN.match(line)
        if match:
            name = f"{match['table']}.{match['column']}"
            if name in said_columns:
                continue  # Alembic's comparison said it already, in words
            found, want = column_words(match["found"]), column_words(match["want"])
            if want == "no such column":
                line = f"column {name} ({found}) is in the database, but not in the models"
            elif found == "no such column":
                line = f"column {name} ({want}) is missing from the database"
            else:
                line = f"column {name} is {found} in the database; the models say {want}"
        worded.append(line)
    return condensed(list(dict.fromkeys(worded)))


def condensed(lines: Sequence[str]) -> list[str]:
    """Keep the first few lines of each mistake repeated row after row; count the rest."""
    groups: dict[str, list[str]] = {}
    for line in lines:
        groups.setdefault(QUOTED.sub("…", ROW_KEY.sub("", line)), []).append(line)
    kept = []
    for same in groups.values():
        kept += same[:SHOWN_PER_MISTAKE]
        if len(same) > SHOWN_PER_MISTAKE:
            more = len(same) - SHOWN_PER_MISTAKE
            kept.append(f"… and {more} more row{'s' * (more != 1)} with the same mistake")
    return kept
