"""The library's two parts: the checker never imports the tutorial's runtime."""

import ast

from tests.helpers import PROJECT

CHECKER = PROJECT / "sqlalchemy_stairway" / "check"


def imported_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "sqlalchemy_stairway":
                yield from (f"sqlalchemy_stairway.{alias.name}" for alias in node.names)
            else:
                yield node.module


def test_the_checker_imports_nothing_of_the_tutorial():
    modules = sorted(CHECKER.glob("*.py"))
    assert len(modules) > 10, "the checker's modules were not found"
    outside = {
        f"{path.name}: {name}"
        for path in modules
        for name in imported_modules(path)
        if name.startswith("sqlalchemy_stairway")
        and not name.startswith("sqlalchemy_stairway.check")
    }
    assert outside == set()


def test_the_rule_is_seen_when_broken(tmp_path):
    module = tmp_path / "leak.py"
    module.write_text(
        "from sqlalchemy_stairway import stages\nimport sqlalchemy_stairway.migrate\n"
    )
    assert set(imported_modules(module)) == {
        "sqlalchemy_stairway.stages",
        "sqlalchemy_stairway.migrate",
    }
