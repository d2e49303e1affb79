"""Stage 5, the 2.0 tutorial's cascades: orders and their items.

An ``Order`` belongs to a customer and owns its ``Item`` rows:
``cascade="all, delete-orphan"`` means an item added to ``order.items`` is
saved with the order, and an item removed from it, or an order deleted, is
deleted too.  The customer relationship keeps the default cascade
(``save-update, merge``): deleting an order never deletes its customer.
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
    orders: Mapped[list["Order"]] = relationship(back_populates="customer")

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


class Order(Base):
    __tablename__ = "order"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    customer: Mapped[User] = relationship(back_populates="orders")
    items: Mapped[list["Item"]] = relationship(back_populates="order", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"Order(id={self.id!r}, customer_id={self.customer_id!r})"


class Item(Base):
    __tablename__ = "item"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"))
    description: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[int]

    order: Mapped[Order] = relationship(back_populates="items")

    def __repr__(self) -> str:
        return f"Item(id={self.id!r}, description={self.description!r}, quantity={self.quantity!r})"
