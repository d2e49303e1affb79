"""Code a lesson shows from a file, never copied into it.

A lesson shows its revision's ``upgrade()`` with the directive Sphinx's
MyST parser knows::

    ```{literalinclude} ../../alembic/versions/0003_jennys_number.py
    :language: python
    :pyobject: upgrade
    ```

The docs site renders it with Sphinx; :func:`expand_includes` renders it
for the terminal (``invoke lesson``, ``invoke walk``), reading the function
from the file as it is now, so an edit to a revision reaches every lesson
that shows it and no copy can fall behind.  The path is relative to the
lesson, as Sphinx reads it; ``:pyobject:`` names a top-level function or
class, shown from its ``def`` line to its last line.
"""

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy_stairway.check.errors import StairwayError

DIRECTIVE = re.compile(
    r"^```\{literalinclude\} (?P<path>\S+)\n(?P<options>(?::[a-z-]+:.*\n)*)```$",
    re.MULTILINE,
)
OPTION = re.compile(r"^:(?P<name>[a-z-]+):\s*(?P<value>.*)$")


@dataclass(frozen=True)
class Include:
    """One ``literalinclude`` directive of a lesson."""

    path: str  # as written, relative to the lesson
    options: dict[str, str]

    @property
    def pyobject(self) -> str | None:
        return self.options.get("pyobject")

    @property
    def language(self) -> str:
        return self.options.get("language", "")


def includes(text: str) -> list[Include]:
    """Return the ``literalinclude`` directives of a lesson's Markdown, in order."""
    return [_parse(match) for match in DIRECTIVE.finditer(text)]


def _parse(match: re.Match) -> Include:
    options = {}
    for line in match["options"].splitlines():
        option = OPTION.match(line)
        options[option["name"]] = option["value"].strip()
    return Include(match["path"], options)


def python_object_source(path: Path, name: str) -> str:
    """Return the source of the top-level function or class ``name`` in ``path``."""
    source = path.read_text(encoding="utf-8")
    for node in ast.parse(source, filename=str(path)).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and (
            node.name == name
        ):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            return "\n".join(source.splitlines()[first - 1 : node.end_lineno]) + "\n"
    raise StairwayError(f"{path.name} has no top-level function or class {name!r}")


def included_text(include: Include, lesson_folder: Path) -> str:
    """Return what ``include`` shows: the whole file, or one function or class of it."""
    path = (lesson_folder / include.path).resolve()
    if not path.is_file():
        raise StairwayError(f"a lesson includes {include.path}, which does not exist")
    if include.pyobject:
        return python_object_source(path, include.pyobject)
    return path.read_text(encoding="utf-8")


def expand_includes(text: str, lesson_folder: Path) -> str:
    """Return ``text`` with each directive replaced by a fenced block of what it includes."""

    def expanded(match: re.Match) -> str:
        include = _parse(match)
        return f"```{include.language}\n{included_text(include, lesson_folder)}```"

    return DIRECTIVE.sub(expanded, text)
