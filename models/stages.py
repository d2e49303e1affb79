"""The registry of stages: number -> revision, title, era and schema."""

from dataclasses import dataclass, field

from sqlalchemy import MetaData

from models import (
    stage1_tables,
    stage2_pets,
    stage3_numbers,
    stage4_typed,
    stage5_orders,
)
from models.conventions import new_metadata


@dataclass(frozen=True)
class Stage:
    number: int
    revision: str | None  # None is Alembic's "base": no revision applied
    title: str
    era: str
    seed: str  # the source tutorial this stage brings to life
    metadata: MetaData
    # Columns ("table.column") whose values a downgrade out of this stage
    # cannot give back; the checks expect them to come back as NULL.
    downgrade_loses: frozenset[str] = field(default_factory=frozenset)


STAGES: tuple[Stage, ...] = (
    Stage(0, None, "An empty database", "-", "-", new_metadata()),
    Stage(
        1,
        "0001",
        "Tables and classical mappers",
        "0.3 (2007)",
        "001, the 0.3.5 tutorial",
        stage1_tables.metadata,
    ),
    Stage(
        2,
        "0002",
        "Declarative pets",
        "1.3",
        "000, pets notebook",
        stage2_pets.metadata,
    ),
    Stage(
        3,
        "0003",
        "Jenny's number",
        "1.2 (2018)",
        "003, 2018 notebook",
        stage3_numbers.metadata,
    ),
    Stage(
        4,
        "0004",
        "Typed declarative, 2.0 names, hashed passwords",
        "2.0",
        "002, 2.0 tutorial",
        stage4_typed.metadata,
        downgrade_loses=frozenset({"users.password"}),
    ),
    Stage(
        5,
        "0005",
        "Orders, items and cascades",
        "2.0",
        "002, 2.0 tutorial",
        stage5_orders.metadata,
    ),
)

HEAD = STAGES[-1]


def stage_for_revision(revision: str | None) -> Stage:
    """Return the stage whose revision is ``revision`` (None for base)."""
    for stage in STAGES:
        if stage.revision == revision:
            return stage
    raise LookupError(f"revision {revision!r} is not one of this project's stages")
