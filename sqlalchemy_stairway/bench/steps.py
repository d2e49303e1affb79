"""A step of the walk: one migration or the seeding, its time against its floor."""

from dataclasses import asdict, dataclass, field

# the most a step may take, as a multiple of its floor
TARGETS = {"seed": 1.3, "stage": 1.5, "chain": 1.3, "check": 4.0}


@dataclass
class Step:
    name: str
    kind: str  # a key of TARGETS: which target applies
    stage: int | None = None  # the stage a migration step moves to
    rows: int = 0  # rows the floor must read or write; 0: a step of constant time
    seconds: float | None = None
    floor: float | None = None
    peak_mib: float | None = None
    floor_peak_mib: float | None = None
    sql_seconds: float | None = None
    floor_python_seconds: float | None = None
    same_schema: bool | None = None
    schema_differences: list[str] = field(default_factory=list)
    slowest: list[tuple[str, float]] = field(default_factory=list)
    floor_slowest: list[tuple[str, float]] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if self.seconds is None or not self.floor:
            return None
        return self.seconds / self.floor

    @property
    def rows_per_second(self) -> float | None:
        return self.rows / self.seconds if self.rows and self.seconds else None

    @property
    def target(self) -> float:
        return TARGETS[self.kind]

    @property
    def outside_sql(self) -> float | None:
        """Seconds the stairway spent outside SQL: Alembic, env.py, Python in the revision."""
        if self.seconds is None or self.sql_seconds is None:
            return None
        return self.seconds - self.sql_seconds

    def as_dict(self) -> dict:
        found = asdict(self)
        found.update(ratio=self.ratio, rows_per_second=self.rows_per_second, target=self.target)
        return found
