"""The tutorial's stairway: one ``stageN`` module per stage, found in order.

Each module declares ``stage = Stage(...)``: its revision, title and era,
the source tutorial it brings to life, the models it must match, how its
tables come from the stage before, the rows it adds, and its benchmark
floor.  Adding a stage is adding a module here (``invoke new-stage``
writes one); nothing else lists the stages.

``STAIRWAY[3]`` is stage 3, ``HEAD`` the last; ``STAIRWAY.stages`` all of
them, from the empty database on.
"""

from pathlib import Path

from sqlalchemy_stairway.stages import Stairway

PROJECT_ROOT = Path(__file__).resolve().parents[2]

STAIRWAY = Stairway.discover(__name__, PROJECT_ROOT / "alembic.ini")
STAGES = STAIRWAY.stages
HEAD = STAIRWAY.head
