"""Stage 1, the SQLAlchemy 0.3 tutorial (2007): Table objects and classical mapping.

In 0.3 the schema lived in ``Table`` objects on a ``BoundMetaData`` and plain
classes were attached to them with ``mapper(User, users_table,
properties={'addresses': relation(Address)})``.  ``BoundMetaData``,
``mapper()`` and ``relation()`` are gone; the same shape today is a plain
``MetaData``, ``registry.map_imperatively()`` and ``relationship()``.
"""

from sqlalchemy import Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import registry, relationship

from models.conventions import new_metadata

metadata = new_metadata()

users_table = Table(
    "users",
    metadata,
    Column("user_id", Integer, primary_key=True),
    Column("user_name", String(40)),
    Column("password", String(10)),
)

email_addresses_table = Table(
    "email_addresses",
    metadata,
    Column("address_id", Integer, primary_key=True),
    Column("email_address", String(100), nullable=False),
    Column("user_id", Integer, ForeignKey("users.user_id")),
)


class User:
    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.user_name!r},{self.password!r})"


class Address:
    def __init__(self, email_address: str) -> None:
        self.email_address = email_address

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.email_address!r})"


mapper_registry = registry(metadata=metadata)
mapper_registry.map_imperatively(Address, email_addresses_table)
mapper_registry.map_imperatively(User, users_table, properties={"addresses": relationship(Address)})
