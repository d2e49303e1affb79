BEGIN;

SET LOCAL lock_timeout = '5s';

SET LOCAL statement_timeout = '60s';

-- Running upgrade 0003 -> 0004

-- here the online upgrade hashes every users.password, before the lock

LOCK TABLE users, email_addresses IN ACCESS EXCLUSIVE MODE;

ALTER TABLE users ADD COLUMN password_hash VARCHAR(128);

-- here it writes the hashes, re-hashing the passwords changed meanwhile

ALTER TABLE users RENAME CONSTRAINT pk_users TO pk_user_account;

ALTER TABLE users DROP COLUMN password;

ALTER TABLE users RENAME user_id TO id;

ALTER TABLE users ALTER COLUMN user_name TYPE VARCHAR(30);

ALTER TABLE users ALTER COLUMN user_name SET NOT NULL;

ALTER TABLE users RENAME user_name TO name;

ALTER TABLE users ADD COLUMN fullname VARCHAR(100);

ALTER SEQUENCE users_user_id_seq RENAME TO user_account_id_seq;

ALTER TABLE email_addresses RENAME CONSTRAINT pk_email_addresses TO pk_address;

ALTER TABLE email_addresses RENAME CONSTRAINT fk_email_addresses_user_id_users TO fk_address_user_id_user_account;

ALTER TABLE email_addresses RENAME address_id TO id;

ALTER TABLE email_addresses ALTER COLUMN user_id SET NOT NULL;

ALTER SEQUENCE email_addresses_address_id_seq RENAME TO address_id_seq;

ALTER TABLE users RENAME TO user_account;

ALTER TABLE email_addresses RENAME TO address;

UPDATE alembic_version SET version_num='0004' WHERE alembic_version.version_num = '0003';

COMMIT;
