"""The places the docs list the stages: the README's stage table and the lessons' closing.

The README has a table with a row per stage (its revision, era, schema,
models and lesson), and the head's lesson ends with "The stairway, from the
top", which counts the stages in words ("Five stages, one schema.").  Both
go stale when a stage is added; ``tests/test_stage_docs.py`` compares them
with the stairway, and ``invoke new-stage`` brings them along: it adds the
new stage's row to the table and moves the closing to the new lesson, its
count one higher.
"""

import re
from pathlib import Path

CLOSING = "## The stairway, from the top"
NUMBER_WORDS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
)
ROW = re.compile(r"^\| (\d+) \|(.*)\|$", flags=re.MULTILINE)
SECTION = re.compile(rf"\n{re.escape(CLOSING)}\n.*?(?=\n## |\Z)", flags=re.DOTALL)
COUNT = re.compile(r"\b(\w+) stages\b", flags=re.IGNORECASE)


def stage_table(readme: str) -> dict[int, list[str]]:
    """Return the README's stage table: stage number -> the row's other cells."""
    start = readme.index("## The stages")
    table = readme[start : readme.index("\n## ", start + 1)]
    return {
        int(number): [cell.strip() for cell in rest.split(" | ")]
        for number, rest in ROW.findall(table)
    }


def table_row(number: int, cells: list[str]) -> str:
    return f"| {number} | " + " | ".join(cells) + " |"


def add_table_row(readme: Path, number: int, cells: list[str]) -> None:
    """Add stage ``number``'s row after the last row of the README's stage table."""
    text = readme.read_text(encoding="utf-8")
    last = max(stage_table(text))
    previous = next(m for m in ROW.finditer(text) if int(m.group(1)) == last)
    row = table_row(number, cells)
    readme.write_text(text[: previous.end()] + "\n" + row + text[previous.end() :], "utf-8")


def closing(lesson: str) -> str | None:
    """Return the lesson's closing section, if it has one."""
    found = SECTION.search(lesson)
    return found.group(0) if found else None


def counted_stages(section: str) -> int | None:
    """Return how many stages ``section`` says there are ("Five stages" is 5)."""
    found = COUNT.search(section)
    word = found.group(1).lower() if found else None
    return NUMBER_WORDS.index(word) if word in NUMBER_WORDS else None


def move_closing(old: Path, new: Path, stages: int) -> None:
    """Move the closing from lesson ``old`` to the end of ``new``, counting ``stages``."""
    text = old.read_text(encoding="utf-8")
    section = closing(text)
    if section is None:
        return
    counted = COUNT.search(section)
    word = NUMBER_WORDS[stages] if stages < len(NUMBER_WORDS) else str(stages)
    word = word.capitalize() if counted.group(1)[0].isupper() else word
    moved = section[: counted.start(1)] + word + section[counted.end(1) :]
    moved = moved.rstrip("\n") + f"\n\nSay what stage {stages} adds to the climb.\n"
    old.write_text(text.replace(section, "\n", 1).rstrip("\n") + "\n", encoding="utf-8")
    new.write_text(new.read_text(encoding="utf-8").rstrip("\n") + "\n" + moved, encoding="utf-8")
