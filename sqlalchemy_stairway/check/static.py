"""What a revision file's text alone shows will break later.

- A revision that imports the application's models runs against
  tomorrow's tables: once the models move on, the old revision no longer
  does what it did (or no longer imports).
- A ``downgrade()`` that does nothing while ``upgrade()`` does something
  leaves the upgrade's work in place: downgrading is a lie.
"""

import ast
from pathlib import Path

from sqlalchemy_stairway.check.project import module_imports


def imported_models(path: Path, models: set[str]) -> list[str]:
    """The imports of ``path`` that reach the application's models (``models``: module names)."""
    found = []
    for name in module_imports(path):
        top = name.split(".")[0]
        if name in models or top in models or name.split(".")[-1] == "models":
            found.append(name)
    return sorted(set(found))


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
