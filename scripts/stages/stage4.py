"""Stage 4: the 2.0 tutorial's names, typed models and hashed passwords."""

from models import stage4_typed
from scripts.bench_passwords import HashPasswords, blocked_writers, hashing_throughput
from scripts.passwords import Hashed
from sqlalchemy_stairway.bench.floor import CreateTables
from sqlalchemy_stairway.stages import Carry, Stage

# the floor hashes where the revision does, on the servers that alter in place
HASHING = HashPasswords(
    "SELECT user_id, password FROM users WHERE password IS NOT NULL",
    "UPDATE users SET password_hash = {marker} WHERE user_id = {marker}",
)


def person(id: int, name: str, fullname: str) -> dict:
    return {"id": id, "name": name, "fullname": fullname, "number": None, "password_hash": None}


stage = Stage(
    number=4,
    revision="0004",
    title="Typed declarative, 2.0 names, hashed passwords",
    era="2.0",
    source="the SQLAlchemy 2.0 unified tutorial",
    metadata=stage4_typed.metadata,
    carries={
        "user_account": Carry(
            "users",
            renamed={"user_id": "id", "user_name": "name"},
            new=("fullname",),
            # a hash cannot be turned back into the password: the downgrade loses it
            computed={"password_hash": Hashed("password")},
        ),
        "address": Carry("email_addresses", renamed={"address_id": "id"}),
    },
    floor={
        # no ALTER for the rest: one rebuild per table, straight to the new names
        "sqlite": (
            CreateTables("user_account"),
            "INSERT INTO user_account (id, name, number) "
            "SELECT user_id, user_name, number FROM users",
            HashPasswords(
                "SELECT user_id, password FROM users WHERE password IS NOT NULL",
                "UPDATE user_account SET password_hash = {marker} WHERE id = {marker}",
            ),
            CreateTables("address"),
            "INSERT INTO address (id, email_address, user_id) "
            "SELECT address_id, email_address, user_id FROM email_addresses",
            "DROP TABLE email_addresses",
            "DROP TABLE users",
        ),
        "postgresql": (
            "ALTER TABLE users ADD COLUMN password_hash VARCHAR(128)",
            HASHING,
            "ALTER TABLE users RENAME TO user_account",
            "ALTER TABLE user_account RENAME CONSTRAINT pk_users TO pk_user_account",
            "ALTER TABLE user_account RENAME COLUMN user_id TO id",
            "ALTER TABLE user_account RENAME COLUMN user_name TO name",
            # one statement, one rewrite: the NOT NULL is checked during it
            "ALTER TABLE user_account DROP COLUMN password, ALTER COLUMN name TYPE VARCHAR(30), "
            "ALTER COLUMN name SET NOT NULL, ADD COLUMN fullname VARCHAR(100)",
            "ALTER SEQUENCE users_user_id_seq RENAME TO user_account_id_seq",
            "ALTER TABLE email_addresses RENAME TO address",
            "ALTER TABLE address RENAME CONSTRAINT pk_email_addresses TO pk_address",
            "ALTER TABLE address RENAME CONSTRAINT fk_email_addresses_user_id_users "
            "TO fk_address_user_id_user_account",
            "ALTER TABLE address RENAME COLUMN address_id TO id",
            "ALTER TABLE address ALTER COLUMN user_id SET NOT NULL",
            "ALTER SEQUENCE email_addresses_address_id_seq RENAME TO address_id_seq",
        ),
        "mysql": (
            "ALTER TABLE users ADD COLUMN password_hash VARCHAR(128)",
            HASHING,
            "RENAME TABLE users TO user_account, email_addresses TO address",
            # the key first: InnoDB copies no table whose referenced column is renamed
            "ALTER TABLE address DROP FOREIGN KEY fk_email_addresses_user_id_users, "
            "DROP INDEX fk_email_addresses_user_id_users",
            # then one ALTER per table, so one rebuild per table at most
            "ALTER TABLE user_account DROP COLUMN password, "
            "CHANGE user_id id INTEGER NOT NULL AUTO_INCREMENT, "
            "CHANGE user_name name VARCHAR(30) NOT NULL, ADD COLUMN fullname VARCHAR(100)",
            "ALTER TABLE address CHANGE address_id id INTEGER NOT NULL AUTO_INCREMENT, "
            "MODIFY user_id INTEGER NOT NULL, ADD CONSTRAINT fk_address_user_id_user_account "
            "FOREIGN KEY (user_id) REFERENCES user_account (id)",
        ),
    },
    bench_measurements=(hashing_throughput, blocked_writers),
    rows={
        "user_account": (
            person(6, "spongebob", "Spongebob Squarepants"),
            person(7, "sandy", "Sandy Cheeks"),
            person(8, "patrick", "Patrick Star"),
            person(9, "squidward", "Squidward Tentacles"),
            person(10, "ehkrabs", "Eugene H. Krabs"),
            person(11, "pkrabs", "Pearl Krabs"),
        ),
        "address": ({"id": 5, "email_address": "pearl.krabs@example.com", "user_id": 11},),
    },
)
