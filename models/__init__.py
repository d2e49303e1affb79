"""The tutorial's models, one module per stage; this package exports the head.

``from models import Base, User, Address, Pet, Order, Item`` gives the
models of the last stage.  ``models.stages.STAGES`` maps every stage number
to its revision, title, era and ``MetaData``.
"""

from models.stage5_orders import Address, Base, Item, Order, Pet, User

__all__ = ["Address", "Base", "Item", "Order", "Pet", "User"]
