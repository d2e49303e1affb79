"""squawk, the PostgreSQL migration linter, on a revision's SQL: its findings as lines.

squawk is optional: without the binary (``pip install squawk-cli``) the
check is left out.  A revision's ``SQUAWK_WAIVERS = {rule: why}`` silences
the rules it explains.
"""

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def binary() -> str | None:
    """The squawk binary beside this Python, else on PATH."""
    return shutil.which("squawk", path=str(Path(sys.executable).parent)) or shutil.which("squawk")


def available() -> bool:
    return binary() is not None


def findings(sql: str, waived: dict[str, str] | None = None) -> list[str]:
    """Return one line per squawk finding on ``sql``, but the rules ``waived`` explains."""
    with tempfile.NamedTemporaryFile("w", suffix=".sql", encoding="utf-8") as file:
        file.write(sql)
        file.flush()
        run = subprocess.run(
            [binary(), "--reporter", "json", "--pg-version", "15", file.name],
            capture_output=True,
            text=True,
            check=False,
        )
    try:
        reported = json.loads(run.stdout or "[]")
    except json.JSONDecodeError:
        return [f"squawk gave no report: {(run.stderr or run.stdout).strip()[:200]}"]
    waived = waived or {}
    return [
        f"squawk {f['rule_name']}: {f['message']}" for f in reported if f["rule_name"] not in waived
    ]
