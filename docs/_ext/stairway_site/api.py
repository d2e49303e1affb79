"""The API reference's directives: what a reader calls, documented from the code itself.

- ``.. stairway-operation:: module.SomeOp.method`` documents an operation
  registered on Alembic's ``op`` as a revision calls it, ``op.method(...)``:
  the classmethod's signature without its ``operations`` argument, and
  its docstring (which Alembic moves to ``Operations.method``);
- ``.. stairway-cli:: module:function subcommand`` documents a
  subcommand's options from the ``argparse`` parser ``function`` returns,
  with Sphinx's ``program``/``option`` directives;
- ``.. stairway-pytest-ini:: module`` documents the ini options a pytest
  plugin's ``pytest_addoption`` adds, with ``confval``.

Each renders reStructuredText and parses it, so Sphinx's Python and
standard domains index what it documents, and the search finds it.  An
object that is not there is an error in the build, never an empty entry.
"""

import argparse
import importlib
import inspect
import re

from alembic.operations import Operations
from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles


def short_annotation(annotation: object) -> str:
    """An annotation as a reader writes it: ``Select``, not ``sqlalchemy.sql.selectable.Select``."""
    written = inspect.formatannotation(annotation)
    return re.sub(r"\b(?:[A-Za-z_]\w*\.)+([A-Za-z_]\w*)", r"\1", written)


def operation_signature(method) -> str:
    """``method``'s signature as ``op.<name>(...)`` takes it: without ``operations``."""
    signature = inspect.signature(method)
    parameters = list(signature.parameters.values())[1:]  # the Operations object
    parts, keyword_only_marked = [], False
    for parameter in parameters:
        if parameter.kind is parameter.KEYWORD_ONLY and not keyword_only_marked:
            parts.append("*")
            keyword_only_marked = True
        text = ("*" if parameter.kind is parameter.VAR_POSITIONAL else "") + parameter.name
        if parameter.kind is parameter.VAR_POSITIONAL:
            keyword_only_marked = True
        if parameter.annotation is not parameter.empty:
            text += f": {short_annotation(parameter.annotation)}"
        if parameter.default is not parameter.empty:
            text += f" = {parameter.default!r}"
        parts.append(text)
    returned = ""
    if signature.return_annotation is not signature.empty:
        returned = f" -> {short_annotation(signature.return_annotation)}"
    return f"({', '.join(parts)}){returned}"


def resolve(dotted: str) -> object:
    """The object at ``a.b.C.d``: the longest importable module, then attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            found = getattr(found, name)
        return found
    raise ImportError(dotted)


def indented(text: str, by: str = "   ") -> list[str]:
    return [by + line if line else "" for line in text.splitlines()]


class RstDirective(SphinxDirective):
    """A directive that writes reStructuredText and parses it in place."""

    def parsed(self, lines: list[str]) -> list[nodes.Node]:
        holder = nodes.section()
        holder.document = self.state.document
        source = self.get_source_info()[0]
        content = StringList(lines, source=source)
        nested_parse_with_titles(self.state, content, holder)
        return holder.children

    def failed(self, said: str) -> list[nodes.Node]:
        return [self.state.document.reporter.error(said, line=self.lineno)]


class OperationDirective(RstDirective):
    """``op.name(...)``, from a registered operation's classmethod and its docstring."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        dotted = self.arguments[0]
        try:
            method = resolve(dotted)
        except (ImportError, AttributeError):
            return self.failed(f"stairway-operation: no {dotted} to document")
        name = dotted.rsplit(".", 1)[1]
        # registering moves the docstring to Operations.<name>, leaving the source a pointer to it
        doc = inspect.getdoc(getattr(Operations, name, None))
        if not doc:
            return self.failed(f"stairway-operation: op.{name} has no docstring to show")
        # no module: ``op.name`` whatever automodule came before
        lines = [f".. py:function:: op.{name}{operation_signature(method)}", "   :module:", ""]
        return self.parsed(lines + indented(doc))


class CliDirective(RstDirective):
    """A subcommand's options, from the ``argparse`` parser that reads them."""

    required_arguments = 2  # module:function, subcommand

    def run(self) -> list[nodes.Node]:
        where, command = self.arguments
        module, _, function = where.partition(":")
        top = getattr(importlib.import_module(module), function)()
        sub = subparser(top, command)
        if sub is None:
            return self.failed(f"stairway-cli: {top.prog} has no subcommand {command!r}")
        lines = [f".. program:: {sub.prog}", ""]
        if sub.description:
            lines += [sub.description, ""]
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction) or not action.option_strings:
                continue
            lines += [f".. option:: {option_synopsis(action)}", ""]
            lines += indented(action.help or "")
            if action.choices:
                lines += ["", "   One of " + ", ".join(f"``{c}``" for c in action.choices) + "."]
            if action.default not in (None, False, argparse.SUPPRESS) and "default" not in (
                action.help or ""
            ):
                lines += ["", f"   Default: ``{action.default}``."]
            lines.append("")
        return self.parsed(lines)


def subparser(top: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser | None:
    for action in top._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices.get(name)
    return None


def option_synopsis(action: argparse.Action) -> str:
    """``-v, --verbose`` or ``--jobs N``: each spelling, with its value's name."""
    if action.nargs == 0:
        return ", ".join(action.option_strings)
    value = action.metavar or action.dest.upper()
    return ", ".join(f"{option} {value}" for option in action.option_strings)


class IniRecorder:
    """Stands in for pytest's parser: keeps what ``addini`` is called with."""

    def __init__(self) -> None:
        self.options: list[tuple[str, str, str | None, object]] = []

    def addini(self, name: str, help: str, type: str | None = None, default: object = None):
        self.options.append((name, help, type, default))

    def addoption(self, *names: str, **kwargs: object) -> None:
        raise NotImplementedError("command-line options are not documented here yet")

    def getgroup(self, *args: object, **kwargs: object) -> "IniRecorder":
        return self


class PytestIniDirective(RstDirective):
    """The ini options a pytest plugin adds, from its ``pytest_addoption``."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        plugin = importlib.import_module(self.arguments[0])
        recorder = IniRecorder()
        plugin.pytest_addoption(recorder)
        lines = []
        for name, help_text, kind, default in recorder.options:
            lines += [f".. confval:: {name}", f"   :type: ``{kind or 'string'}``"]
            if default not in (None, ""):
                lines.append(f"   :default: ``{default!r}``")
            lines += ["", f"   {help_text[:1].upper()}{help_text[1:]}.", ""]
        return self.parsed(lines)


def setup(app: Sphinx) -> None:
    app.add_directive("stairway-operation", OperationDirective)
    app.add_directive("stairway-cli", CliDirective)
    app.add_directive("stairway-pytest-ini", PytestIniDirective)
