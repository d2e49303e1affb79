"""`stairway check`'s hooks for Optuna's storage chain: what its data always is.

Generated rows cannot know these; Optuna's own code guarantees them.
"""

import json

# the values Optuna's StudyDirection takes; v2.4.0.a reads studies.direction through it
DIRECTIONS = ("NOT_SET", "MINIMIZE", "MAXIMIZE")

# a distribution as Optuna 2 wrote it
DISTRIBUTION = json.dumps(
    {"name": "UniformDistribution", "attributes": {"low": 0.0, "high": 100.0}}
)

ONE_WAY_REVISIONS = {
    "v2.4.0.a": "its downgrade() is `pass`: Optuna does not downgrade past 2.4",
}

LOSSY_DOWNGRADES = {
    "v1.3.0.a": "the downgrade writes a `_number` system attribute for every trial, "
    "whether it had one or not, under new ids",
}


def shape_row(revision: str, table: str, row: dict) -> dict | None:
    if any(column.endswith("_id") and value is None for column, value in row.items()):
        return None  # Optuna never writes a trial without its study, a value without its trial
    if table == "trial_params" and "distribution_json" in row:
        # v3.0.0.a rewrites every distribution through optuna.distributions
        row["distribution_json"] = DISTRIBUTION
    if table == "studies" and "direction" in row:
        row["direction"] = DIRECTIONS[len(str(row.get("study_name", ""))) % 3]
    return row
