"""Stage 4, the SQLAlchemy 2.0 unified tutorial: typed declarative models.

``DeclarativeBase``, ``Mapped[]`` and ``mapped_column()`` replace
``declarative_base()`` and ``Column``: the Python type says what the column
holds and ``Optional[...]`` says it may be NULL.  The tables take the 2.0
tutorial's names (``user_account``, ``address``), ``name`` narrows to 30
characters and becomes NOT NULL, every address must belong to a user, and
the plaintext password becomes a salted hash.
"""

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from models.conventions import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


metadata = Base.metadata


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    fullname: Mapped[str | None] = mapped_column(String(100))
    number: Mapped[int | None]
    password_hash: Mapped[str | None] = mapped_column(String(128))

    addresses: Mapped[list["Address"]] = relationship(back_populates="user")

    def __repr__(self) -> str:
        return f"User(id={self.id!r}, name={self.name!r}, fullname={self.fullname!r})"


class Address(Base):
    __tablename__ = "address"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_address: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    user: Mapped[User] = relationship(back_populates="addresses")

    def __repr__(self) -> str:
        return f"Address(id={self.id!r}, email_address={self.email_address!r})"


class Pet(Base):
    __tablename__ = "pet"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(50))
    type: Mapped[str | None] = mapped_column(String(50))
    age: Mapped[int | None]

    def __repr__(self) -> str:
        return f"Pet({self.name!r}, {self.type!r}, {self.age!r})"
