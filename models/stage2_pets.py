"""Stage 2, a 1.x notebook: ``declarative_base()`` and a ``pet`` table.

Declarative puts the table and the class in one statement.  The 0.3 tables
are restated here in that style; nothing about them changes.  The notebook
wrote ``Column(String)`` with no length, which SQLite and PostgreSQL accept
and MariaDB refuses, so the pet's text columns get one.
"""

from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import declarative_base, relationship

from models.conventions import new_metadata

Base = declarative_base(metadata=new_metadata())
metadata = Base.metadata


class User(Base):
    __tablename__ = "users"

    user_id = Column(Integer, primary_key=True)
    user_name = Column(String(40))
    password = Column(String(10))

    addresses = relationship("Address")

    def __repr__(self) -> str:
        return f"User({self.user_name!r},{self.password!r})"


class Address(Base):
    __tablename__ = "email_addresses"

    address_id = Column(Integer, primary_key=True)
    email_address = Column(String(100), nullable=False)
    user_id = Column(Integer, ForeignKey("users.user_id"))

    def __repr__(self) -> str:
        return f"Address({self.email_address!r})"


class Pet(Base):
    __tablename__ = "pet"

    id = Column(Integer, primary_key=True)
    name = Column(String(50))
    type = Column(String(50))
    age = Column(Integer)

    def __repr__(self) -> str:
        return f"Pet({self.name!r}, {self.type!r}, {self.age!r})"
