"""What a project benchmarks: its stairway, its bulk data, its migrations' attributes."""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.stages import Stage, Stairway

# table -> (columns, rows as tuples in those columns' order), in insertion order
BulkData = Mapping[str, tuple[Sequence[str], Iterable[tuple]]]


@dataclass(frozen=True)
class BenchPlan:
    """A project's benchmark: the stages come from ``stairway``, the rows from the project.

    ``data(n)`` and ``chain_data(n)`` return ``n``'s worth of bulk rows for
    the stage-by-stage walk and for the whole chain; both fill the tables of
    one stage, the first that has them all.  ``attributes`` go to every
    migration the bench runs (``config.attributes``) and to the floor's
    Python steps alike, so both sides do the same work.  ``notes`` are
    printed before a run: what the plan does differently from a real run.
    """

    stairway: Stairway
    data: Callable[[int], BulkData]
    chain_data: Callable[[int], BulkData]
    attributes: Mapping[str, Any] = field(default_factory=dict)
    notes: Sequence[str] = ()

    def seed_stage(self) -> Stage:
        """Return the first stage that has every table the bulk data fills."""
        tables = set(self.data(0))
        for stage in self.stairway.stages[1:]:
            if tables <= set(stage.metadata.tables):
                return stage
        raise StairwayError(f"no stage has all of the bench's tables: {', '.join(sorted(tables))}")
