"""Stage 2: the pets notebook's declarative ``pet`` table."""

from models import stage2_pets
from sqlalchemy_stairway.stages import Stage

stage = Stage(
    number=2,
    revision="0002",
    title="Declarative pets",
    era="1.2",
    source="the pets notebook",
    metadata=stage2_pets.metadata,
    new_tables=("pet",),
    rows={
        "pet": (
            {"id": 1, "name": "Justin Timbersnake", "type": "snek", "age": 2},
            {"id": 2, "name": "Pawtrick Stewart", "type": "good boy", "age": 10},
            {"id": 3, "name": "Godzilla", "type": "iguana", "age": 1},
            {"id": 4, "name": "Marshmallow", "type": "polar bear", "age": 4},
        ),
    },
)
