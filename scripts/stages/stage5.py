"""Stage 5: the 2.0 tutorial's cascades, orders and their items."""

from models import stage5_orders
from sqlalchemy_stairway.stages import Stage

stage = Stage(
    number=5,
    revision="0005",
    title="Orders, items and cascades",
    era="2.0",
    source="the SQLAlchemy 2.0 unified tutorial",
    metadata=stage5_orders.metadata,
    new_tables=("order", "item"),
    rows={
        # the tutorial has no orders of its own: Patrick's is made up
        "order": ({"id": 1, "customer_id": 8},),
        "item": (
            {"id": 1, "order_id": 1, "description": "Krabby Patty", "quantity": 2},
            {"id": 2, "order_id": 1, "description": "Kelp Shake", "quantity": 1},
        ),
    },
)
