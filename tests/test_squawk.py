"""squawk's findings on each revision's PostgreSQL upgrade are exactly what it waives.

squawk lints the golden file (tests/golden_sql/postgresql/<revision>_upgrade.sql,
which tests/test_golden_sql.py keeps equal to what the revision emits).  Each
rule it reports must be a key of the revision's ``SQUAWK_WAIVERS`` dict, its
value saying why the finding stands here and what a big table would need.  A
finding without a waiver fails, and so does a waiver for a rule squawk no
longer reports.
"""

import json
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from scripts.golden import GOLDEN
from scripts.stages import PROJECT_ROOT, STAGES, STAIRWAY

SQUAWK_CONFIG = PROJECT_ROOT / ".squawk.toml"
FORM = '"<rule-name>": "<why it is acceptable here / what a big table would need>"'


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


def waived_rules(module) -> dict[str, str]:
    """Return the revision module's squawk waivers; fail if one gives no reason."""
    waivers = getattr(module, "SQUAWK_WAIVERS", None)
    if not isinstance(waivers, dict):
        pytest.fail(f"{module.__name__} has no SQUAWK_WAIVERS dict", pytrace=False)
    for rule, why in waivers.items():
        if not isinstance(why, str) or len(why.split()) < 5:
            pytest.fail(f"the squawk waiver for {rule!r} needs a reason: {FORM}", pytrace=False)
    return waivers


@pytest.mark.parametrize("stage", STAGES[1:], ids=lambda s: s.revision)
def test_every_squawk_finding_is_explained_in_the_revision(stage):
    script = STAIRWAY.script_directory().get_revision(stage.revision)
    revision_file = Path(script.path).relative_to(PROJECT_ROOT).as_posix()
    sql_file = GOLDEN.path(stage, "postgresql")
    findings = squawk_findings(sql_file)
    explained = waived_rules(script.module)

    problems = []
    unexplained = sorted(set(findings) - set(explained))
    if unexplained:
        listed = "\n".join(
            f"  {rule}\n" + "\n".join(f"    {where}" for where in findings[rule])
            for rule in unexplained
        )
        problems.append(
            f"squawk reports on {sql_file.relative_to(PROJECT_ROOT).as_posix()}:\n{listed}\n"
            f"Fix the revision (then run `invoke golden`), or explain each rule in "
            f"SQUAWK_WAIVERS of {revision_file}:\n  {FORM}"
        )
    stale = sorted(set(explained) - set(findings))
    if stale:
        problems.append(
            f"{revision_file} waives {', '.join(stale)}, which squawk no longer reports "
            "on its upgrade; delete those waivers"
        )
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


def test_a_missing_squawk_fails_and_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(pytest.fail.Exception, match=r"install the test extra"):
        squawk_binary()


def test_a_waiver_without_a_reason_fails():
    revision = types.ModuleType("a_revision")
    revision.SQUAWK_WAIVERS = {"renaming-table": "fine"}
    with pytest.raises(pytest.fail.Exception, match="needs a reason"):
        waived_rules(revision)
    revision.SQUAWK_WAIVERS = {"renaming-table": "the lesson of this stage; a live system would"}
    assert waived_rules(revision) == revision.SQUAWK_WAIVERS
