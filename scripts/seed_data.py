"""The rows each stage's source tutorial uses, independent of any schema.

A person is the same person in the 0.3 ``users`` table and in the 2.0
``user_account`` table; :mod:`scripts.seed` writes these rows in whichever
shape the database is at.  The 0.3 tutorial's e-mail addresses were
mangled by the page it was copied from, so these are made up on
example.com.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    name: str
    password: str | None = None
    number: int | None = None
    fullname: str | None = None
    emails: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pet:
    name: str
    type: str
    age: int


@dataclass(frozen=True)
class Order:
    customer: str
    items: tuple[tuple[str, int], ...]  # (description, quantity)


PEOPLE: dict[int, tuple[Person, ...]] = {
    1: (
        Person("Mary", password="secure", emails=("mary@example.com",)),
        Person("Tom", emails=("tom@example.com",)),
        Person("Fred", emails=("fred@example.com",)),
        Person("Harry", emails=("harry@example.com",)),
    ),
    3: (Person("Jenny", number=8675309),),
    4: (
        Person("spongebob", fullname="Spongebob Squarepants"),
        Person("sandy", fullname="Sandy Cheeks"),
        Person("patrick", fullname="Patrick Star"),
        Person("squidward", fullname="Squidward Tentacles"),
        Person("ehkrabs", fullname="Eugene H. Krabs"),
        Person("pkrabs", fullname="Pearl Krabs", emails=("pearl.krabs@example.com",)),
    ),
}

PETS: dict[int, tuple[Pet, ...]] = {
    2: (
        Pet("Justin Timbersnake", "snek", 2),
        Pet("Pawtrick Stewart", "good boy", 10),
        Pet("Godzilla", "iguana", 1),
        Pet("Marshmallow", "polar bear", 4),
    ),
}

ORDERS: dict[int, tuple[Order, ...]] = {
    5: (Order("patrick", (("Krabby Patty", 2), ("Kelp Shake", 1))),),
}
