"""What a check of a project found: one result per dialect, revision and check.

A result is ``passed``, ``failed`` (a defect: the exit status is 1),
``warning`` (printed, never changes the exit status: squawk, a table the
generator could not fill, a downgrade the project documents as lossy) or
``skipped`` (the check could not run, with why: an earlier step failed, the
dialect does not allow it).
"""

from dataclasses import asdict, dataclass, field

PASSED, FAILED, WARNING, SKIPPED = "passed", "failed", "warning", "skipped"

# every check, in the order a revision goes through them
CHECKS = (
    "url-honoured",
    "single-head",
    "static-imports-models",
    "static-noop-downgrade",
    "upgrade",
    "upgrade-with-data",
    "generated-rows",
    "downgrade",
    "downgrade-schema",
    "downgrade-data",
    "reupgrade",
    "models-match",
    "offline-sql",
    "squawk",
)

# the checks that look at one revision on a live database
PER_REVISION = (
    "upgrade",
    "upgrade-with-data",
    "downgrade",
    "downgrade-schema",
    "downgrade-data",
    "reupgrade",
)


@dataclass
class Result:
    check: str
    revision: str
    dialect: str
    status: str
    lines: list[str] = field(default_factory=list)
    reproduce: str = ""

    @property
    def summary(self) -> str:
        """The result on one line: where, which check, what differs."""
        where = f"{self.revision} [{self.dialect}]" if self.dialect else self.revision
        what = "; ".join(self.lines) if self.lines else self.status
        return f"{where} {self.check}: {what}"

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Report:
    project: str
    results: list[Result] = field(default_factory=list)
    # indexes on expressions the database could not read back, so no check compared them
    not_compared: set[str] = field(default_factory=set)

    def add(self, result: Result) -> Result:
        self.results.append(result)
        return result

    def with_status(self, *statuses: str) -> list[Result]:
        return [r for r in self.results if r.status in statuses]

    @property
    def defects(self) -> list[Result]:
        return self.with_status(FAILED)

    @property
    def exit_status(self) -> int:
        return 1 if self.defects else 0
