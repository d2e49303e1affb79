"""Stage 3, a 2018 notebook: Jenny and her number.

The notebook's ``users`` table used the name as a natural primary key and
stored a phone ``number``.  Our ``users`` already has a surrogate key that
e-mail addresses point at, so this stage keeps it and adds the ``number``
column; the lesson shows the natural key on a table of its own.
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
    number = Column(Integer)

    addresses = relationship("Address")

    def __repr__(self) -> str:
        return f"User(name={self.user_name}, number={self.number})"


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
