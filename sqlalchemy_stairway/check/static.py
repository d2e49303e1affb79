"""What a revision file's text alone shows will break later.

- A revision that imports the application's models runs against
  tomorrow's tables: once the models move on, the old revision no longer
  does what it did (or no longer imports).
- A ``downgrade()`` that does nothing while ``upgrade()`` does something
  leaves the upgrade's work in place: downgrading is a lie.
"""

import ast
from pathlib import Path
from typing import Any

from sqlalchemy.types import TypeEngine

from sqlalchemy_stairway.check.project import module_imports


def imported_models(path: Path, models: set[str]) -> list[str]:
    """The imports of ``path`` that reach the application's models (``models``: module names)."""
    found = []
    for name in module_imports(path):
        top = name.split(".")[0]
        if name in models or top in models or name.split(".")[-1] == "models":
            found.append(name)
    return sorted(set(found))


def models_imported_for_types_only(path: Path, module: Any, models: set[str]) -> list[str]:
    """The column types a revision imports from the models, when that is all it imports of them.

    ``from app.orm import JSONDict`` (a ``TypeDecorator``) is such an import;
    ``from app import orm`` or a mapped class is not (empty list).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    types = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and imported_models_of(
            [alias.name for alias in node.names], models
        ):
            return []
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if not imported_models_of([node.module], models):
                continue
            for alias in node.names:
                value = getattr(module, alias.asname or alias.name, None)
                if not (isinstance(value, type) and issubclass(value, TypeEngine)):
                    return []
                types.append(alias.name)
    return sorted(set(types))


def imported_models_of(names: list[str], models: set[str]) -> bool:
    return any(
        name in models or name.split(".")[0] in models or name.split(".")[-1] == "models"
        for name in names
    )


def does_nothing(function: ast.FunctionDef) -> bool:
    """True when a function's body is only a docstring, ``pass``, ``...`` or a bare return."""
    for statement in function.body:
        if (
            isinstance(statement, ast.Pass | ast.Return)
            and getattr(statement, "value", None) is None
        ):
            continue
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue  # a docstring or ...
        return False
    return True


def noop_downgrade(path: Path) -> bool:
    """True when ``downgrade()`` does nothing and ``upgrade()`` does something."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name in ("upgrade", "downgrade")
    }
    if set(functions) != {"upgrade", "downgrade"}:
        return False
    return does_nothing(functions["downgrade"]) and not does_nothing(functions["upgrade"])
