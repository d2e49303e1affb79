"""The one place the site reads this project: its stages, lessons, revisions and golden SQL.

Everything else in the site's extension works from what :func:`site_stages`
returns, so when the stage declarations or the scripts move, only this
module follows them.
"""

import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import MetaData

from stairway_site.changes import Renames

ROOT = Path(__file__).resolve().parents[3]
GOLDEN_DIALECTS = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MariaDB"}


@dataclass(frozen=True)
class SiteStage:
    """What a stage's page needs: its place on the stairway, its schema and its files."""

    number: int
    title: str
    era: str
    revision: str
    lesson: Path
    metadata: MetaData
    previous_metadata: MetaData
    renames: Renames  # what the stage declares it renamed
    revision_file: Path
    models_file: Path
    golden_files: dict[tuple[str, str], Path]  # (dialect, "upgrade"|"downgrade") -> file


@cache
def site_stages() -> tuple[SiteStage, ...]:
    """Every stage that has a lesson, in order (read once: a build is one process)."""
    from scripts.golden import GOLDEN
    from scripts.lessons import lesson_path
    from scripts.stages import STAIRWAY

    scripts = STAIRWAY.script_directory()
    return tuple(
        SiteStage(
            number=stage.number,
            title=stage.title,
            era=stage.era,
            revision=stage.revision,
            lesson=lesson_path(stage.number),
            metadata=stage.metadata,
            previous_metadata=STAIRWAY.previous(stage).metadata,
            renames=declared_renames(stage.carries),
            revision_file=Path(scripts.get_revision(stage.revision).path),
            models_file=_module_file_of(stage.metadata),
            golden_files={
                (dialect, direction): GOLDEN.path(stage, dialect, down=direction == "downgrade")
                for dialect in GOLDEN_DIALECTS
                for direction in ("upgrade", "downgrade")
            },
        )
        for stage in STAIRWAY.stages[1:]
    )


def declared_renames(carries) -> Renames:
    """The tables and columns a stage's ``carries`` say were renamed."""
    renames = Renames()
    for table, carry in carries.items():
        if carry.source != table:
            renames.tables[carry.source] = table
        for old, new in carry.renamed.items():
            renames.columns[(table, old)] = new
    return renames


def repository_path(path: Path) -> str:
    """``path`` relative to the repository, as links and page names use it."""
    return path.resolve().relative_to(ROOT).as_posix()


def stage_files(stage: SiteStage) -> list[Path]:
    """The files a stage's page links to: revision, models module, golden SQL."""
    return [stage.revision_file, stage.models_file, *stage.golden_files.values()]


def mermaid_of(metadata: MetaData) -> str:
    """The Mermaid source ``invoke diagrams`` writes into a lesson for ``metadata``."""
    from scripts.diagrams import mermaid_er

    return mermaid_er(metadata)


def _module_file_of(metadata: MetaData) -> Path:
    """The file of the models module whose ``metadata`` this is."""
    for name, module in list(sys.modules.items()):
        if name.startswith("models.") and getattr(module, "metadata", None) is metadata:
            return Path(module.__file__)
    raise LookupError("no models module holds this MetaData")
