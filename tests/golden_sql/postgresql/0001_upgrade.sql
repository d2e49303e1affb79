BEGIN;

SET LOCAL lock_timeout = '5s';

SET LOCAL statement_timeout = '60s';

CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

-- Running upgrade  -> 0001

CREATE TABLE users (
    user_id SERIAL NOT NULL,
    user_name VARCHAR(40),
    password VARCHAR(10),
    CONSTRAINT pk_users PRIMARY KEY (user_id)
);

CREATE TABLE email_addresses (
    address_id SERIAL NOT NULL,
    email_address VARCHAR(100) NOT NULL,
    user_id INTEGER,
    CONSTRAINT pk_email_addresses PRIMARY KEY (address_id),
    CONSTRAINT fk_email_addresses_user_id_users FOREIGN KEY(user_id) REFERENCES users (user_id)
);

INSERT INTO alembic_version (version_num) VALUES ('0001') RETURNING alembic_version.version_num;

COMMIT;
