"""Stage 1: the 0.3 tutorial's users and their e-mail addresses."""

from models import stage1_tables
from sqlalchemy_stairway.stages import Stage

stage = Stage(
    number=1,
    revision="0001",
    title="Tables and classical mappers",
    era="0.3 (2007)",
    source="the SQLAlchemy 0.3.5 tutorial",
    metadata=stage1_tables.metadata,
    new_tables=("users", "email_addresses"),
    rows={
        # Mary is the only one with a password, as in the tutorial
        "users": (
            {"user_id": 1, "user_name": "Mary", "password": "secure"},
            {"user_id": 2, "user_name": "Tom", "password": None},
            {"user_id": 3, "user_name": "Fred", "password": None},
            {"user_id": 4, "user_name": "Harry", "password": None},
        ),
        # the tutorial's own addresses were mangled by the page it was copied from
        "email_addresses": (
            {"address_id": 1, "email_address": "mary@example.com", "user_id": 1},
            {"address_id": 2, "email_address": "tom@example.com", "user_id": 2},
            {"address_id": 3, "email_address": "fred@example.com", "user_id": 3},
            {"address_id": 4, "email_address": "harry@example.com", "user_id": 4},
        ),
    },
)
