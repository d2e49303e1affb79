"""squawk's findings on each revision's PostgreSQL upgrade are exactly what its docstring explains.

squawk lints the golden file (tests/golden_sql/postgresql/<revision>_upgrade.sql,
which tests/test_golden_sql.py keeps equal to what the revision emits).  Each
rule it reports must have a line in the revision's docstring:

    squawk: <rule-name> — <why it is acceptable here / what a big table would need>

with the explanation continued on indented lines.  A finding without such a
line fails, and so does a line for a rule squawk no longer reports.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from models.stages import STAGES
from scripts.golden import golden_path
from scripts.migrate import PROJECT_ROOT, script_directory

SQUAWK_CONFIG = PROJECT_ROOT / ".squawk.toml"
FORM = "squawk: <rule-name> — <why it is acceptable here / what a big table would need>"
EXPLANATION = re.compile(r"^squawk: (?P<rule>[a-z0-9-]+) — \S")


def squawk_binary() -> str:
    """Return the squawk binary beside this Python, else on PATH; fail if there is none."""
    beside_python = str(Path(sys.executable).parent)
    found = shutil.which("squawk", path=beside_python) or shutil.which("squawk")
    if found is None:
        pytest.fail(
            "squawk is not installed; install the test extra: pip install -e '.[test]' "
            "(the squawk-cli package brings the squawk binary)",
            pytrace=False,
        )
    return found


def squawk_findings(sql_file: Path) -> dict[str, list[str]]:
    """Return rule -> ["line N: message", ...] for what squawk reports on ``sql_file``."""
    result = subprocess.run(
        [squawk_binary(), "--config", str(SQUAWK_CONFIG), "--reporter", "json", str(sql_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        reported = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(
            f"squawk gave no report on {sql_file.name} (exit status {result.returncode}):\n"
            f"{result.stdout}{result.stderr}",
            pytrace=False,
        )
    findings: dict[str, list[str]] = {}
    for finding in reported:
        # squawk counts lines from 0
        where = f"line {finding['line'] + 1}: {finding['message']}"
        findings.setdefault(finding["rule_name"], []).append(where)
    return findings


def explained_rules(docstring: str) -> list[str]:
    """Return the rules a docstring's ``squawk:`` lines explain; fail on a malformed one."""
    rules = []
    for line in docstring.splitlines():
        if not line.startswith("squawk:"):
            continue
        match = EXPLANATION.match(line)
        if match is None:
            pytest.fail(f"malformed squawk line {line!r}; write it as `{FORM}`", pytrace=False)
        rules.append(match["rule"])
    return rules


@pytest.mark.parametrize("stage", STAGES[1:], ids=lambda s: s.revision)
def test_every_squawk_finding_is_explained_in_the_revision(stage):
    script = script_directory().get_revision(stage.revision)
    revision_file = Path(script.path).relative_to(PROJECT_ROOT).as_posix()
    sql_file = golden_path(stage, "postgresql")
    findings = squawk_findings(sql_file)
    explained = explained_rules(script.module.__doc__ or "")

    problems = []
    twice = sorted({rule for rule in explained if explained.count(rule) > 1})
    if twice:
        problems.append(f"{revision_file} explains {', '.join(twice)} more than once")
    unexplained = sorted(set(findings) - set(explained))
    if unexplained:
        listed = "\n".join(
            f"  {rule}\n" + "\n".join(f"    {where}" for where in findings[rule])
            for rule in unexplained
        )
        problems.append(
            f"squawk reports on {sql_file.relative_to(PROJECT_ROOT).as_posix()}:\n{listed}\n"
            f"Fix the revision (then run `invoke golden`), or explain each rule in the "
            f"docstring of {revision_file} with a line\n  {FORM}"
        )
    stale = sorted(set(explained) - set(findings))
    if stale:
        problems.append(
            f"{revision_file} explains {', '.join(stale)}, which squawk no longer reports "
            "on its upgrade; delete those explanations"
        )
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


def test_a_missing_squawk_fails_and_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(pytest.fail.Exception, match=r"install the test extra"):
        squawk_binary()


def test_explained_rules_reads_the_fixed_form_and_refuses_others():
    docstring = (
        "Stage 9: a story\n\n"
        "squawk: renaming-table — the lesson of this stage; a live system would\n"
        "    keep a view under the old name.\n"
    )
    assert explained_rules(docstring) == ["renaming-table"]
    with pytest.raises(pytest.fail.Exception, match="malformed squawk line"):
        explained_rules("squawk: renaming-table - a hyphen instead of the dash\n")
