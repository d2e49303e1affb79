"""Golden files: the SQL of every revision, on every dialect, kept in git.

``tests/golden_sql/<dialect>/<revision>_<upgrade|downgrade>.sql`` holds what
``invoke sql N --dialect D [--down]`` prints, so a change in the DDL a
revision emits shows up in review as a diff of these files.
``tests/test_golden_sql.py`` compares them with what the revisions emit now;
``invoke golden`` rewrites them after an intended change.

The offline SQL has no dates and no random values (the password hashes of
stage 4 are computed online only), and two runs give the same bytes.  The
one normalization, in :func:`normalized`, strips trailing whitespace:
SQLAlchemy ends each line of a CREATE TABLE with ``", "``, and editors and
``git diff --check`` strip or flag that, which would turn a golden file red
without a change in the SQL.

Usage: ``invoke golden``
"""

from collections.abc import Iterator
from pathlib import Path

from models.stages import STAGES, Stage
from scripts.migrate import DIALECT_URLS, PROJECT_ROOT, offline_sql

GOLDEN_DIR = PROJECT_ROOT / "tests" / "golden_sql"
DIALECTS = tuple(DIALECT_URLS)


def golden_cases() -> Iterator[tuple[Stage, str, bool]]:
    """Yield (stage, dialect, down) for every revision, dialect and direction."""
    for dialect in DIALECTS:
        for stage in STAGES[1:]:
            for down in (False, True):
                yield stage, dialect, down


def golden_path(stage: Stage, dialect: str, down: bool = False) -> Path:
    """Return the golden file of ``stage``'s revision on ``dialect``, upgrade or ``down``."""
    direction = "downgrade" if down else "upgrade"
    return GOLDEN_DIR / dialect / f"{stage.revision}_{direction}.sql"


def normalized(sql: str) -> str:
    """Return ``sql`` without trailing whitespace on any line, ending in one newline."""
    return "\n".join(line.rstrip() for line in sql.strip().splitlines()) + "\n"


def actual_sql(stage: Stage, dialect: str, down: bool = False) -> str:
    """Return the SQL the revision emits now, as a golden file holds it."""
    return normalized(offline_sql(stage, dialect, down=down))


def expected_sql(stage: Stage, dialect: str, down: bool = False) -> str | None:
    """Return the golden file's SQL, or None if there is no golden file."""
    path = golden_path(stage, dialect, down)
    return path.read_text(encoding="utf-8") if path.exists() else None


def stale_golden_files() -> list[Path]:
    """Return the files under the golden folder that no stage and dialect account for."""
    wanted = {golden_path(*case) for case in golden_cases()}
    present = (p for p in GOLDEN_DIR.rglob("*") if p.is_file()) if GOLDEN_DIR.exists() else ()
    return sorted(p for p in present if p not in wanted)


def write_golden_files() -> list[Path]:
    """Rewrite every golden file, remove stale ones; return the paths that changed."""
    changed = []
    for stage, dialect, down in golden_cases():
        sql = actual_sql(stage, dialect, down)
        if expected_sql(stage, dialect, down) != sql:
            path = golden_path(stage, dialect, down)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(sql, encoding="utf-8", newline="\n")
            changed.append(path)
    for path in stale_golden_files():
        path.unlink()
        changed.append(path)
    for folder in sorted(GOLDEN_DIR.iterdir(), reverse=True):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return changed
