"""Golden files: the SQL of every revision, on every dialect, kept in git.

``<folder>/<dialect>/<revision>_<upgrade|downgrade>.sql`` holds what
``invoke sql N --dialect D [--down]`` prints, so a change in the DDL a
revision emits shows up in review as a diff of these files.  The tests
compare them with what the revisions emit now; ``invoke golden`` rewrites
them after an intended change.

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

from sqlalchemy_stairway.migrate import DIALECT_URLS, offline_sql
from sqlalchemy_stairway.stages import Stage, Stairway

DIALECTS = tuple(DIALECT_URLS)


class GoldenFiles:
    """The golden SQL files of ``stairway``'s revisions, in ``folder``."""

    def __init__(self, stairway: Stairway, folder: Path) -> None:
        self.stairway = stairway
        self.folder = folder

    def cases(self) -> Iterator[tuple[Stage, str, bool]]:
        """Yield (stage, dialect, down) for every revision, dialect and direction."""
        for dialect in DIALECTS:
            for stage in self.stairway.stages[1:]:
                for down in (False, True):
                    yield stage, dialect, down

    def path(self, stage: Stage, dialect: str, down: bool = False) -> Path:
        """Return the golden file of ``stage``'s revision on ``dialect``, upgrade or ``down``."""
        direction = "downgrade" if down else "upgrade"
        return self.folder / dialect / f"{stage.revision}_{direction}.sql"

    def actual_sql(self, stage: Stage, dialect: str, down: bool = False) -> str:
        """Return the SQL the revision emits now, as a golden file holds it."""
        return normalized(offline_sql(self.stairway, stage, dialect, down=down))

    def expected_sql(self, stage: Stage, dialect: str, down: bool = False) -> str | None:
        """Return the golden file's SQL, or None if there is no golden file."""
        path = self.path(stage, dialect, down)
        return path.read_text(encoding="utf-8") if path.exists() else None

    def stale(self) -> list[Path]:
        """Return the files under the golden folder that no stage and dialect account for."""
        wanted = {self.path(*case) for case in self.cases()}
        present = (p for p in self.folder.rglob("*") if p.is_file()) if self.folder.exists() else ()
        return sorted(p for p in present if p not in wanted)

    def write(self) -> list[Path]:
        """Rewrite every golden file, remove stale ones; return the paths that changed."""
        changed = []
        for stage, dialect, down in self.cases():
            sql = self.actual_sql(stage, dialect, down)
            if self.expected_sql(stage, dialect, down) != sql:
                path = self.path(stage, dialect, down)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(sql, encoding="utf-8", newline="\n")
                changed.append(path)
        for path in self.stale():
            path.unlink()
            changed.append(path)
        for folder in sorted(self.folder.iterdir(), reverse=True):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        return changed


def normalized(sql: str) -> str:
    """Return ``sql`` without trailing whitespace on any line, ending in one newline."""
    return "\n".join(line.rstrip() for line in sql.strip().splitlines()) + "\n"
