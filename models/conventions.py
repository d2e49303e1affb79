"""The one constraint naming convention every stage shares.

Without it each database invents its own names for primary keys, foreign
keys and unique constraints (``users_pkey``, ``email_addresses_ibfk_1``,
``sqlite_autoindex_...``), and a migration that drops a constraint by name
works on one database and fails on the next.  With it every constraint has
a name of ours, on every database.
"""

from sqlalchemy import MetaData

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """Return an empty MetaData that names constraints our way."""
    return MetaData(naming_convention=NAMING_CONVENTION)
