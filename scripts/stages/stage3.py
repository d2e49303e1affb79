"""Stage 3: the 2018 notebook's Jenny, and the number users gain."""

from models import stage3_numbers
from sqlalchemy_stairway.stages import Carry, Stage

stage = Stage(
    number=3,
    revision="0003",
    title="Jenny's number",
    era="1.2 (2018)",
    source="the 2018 notebook",
    metadata=stage3_numbers.metadata,
    carries={"users": Carry("users", new=("number",))},
    floor={"*": ("ALTER TABLE users ADD COLUMN number INTEGER",)},
    rows={
        "users": ({"user_id": 5, "user_name": "Jenny", "password": None, "number": 8675309},),
    },
)
