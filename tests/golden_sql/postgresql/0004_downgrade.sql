BEGIN;

SET LOCAL lock_timeout = '5s';

SET LOCAL statement_timeout = '60s';

-- Running downgrade 0004 -> 0003

ALTER TABLE user_account RENAME CONSTRAINT pk_user_account TO pk_users;

ALTER TABLE user_account DROP COLUMN fullname;

ALTER TABLE user_account DROP COLUMN password_hash;

ALTER TABLE user_account RENAME id TO user_id;

ALTER TABLE user_account ALTER COLUMN name TYPE VARCHAR(40);

ALTER TABLE user_account ALTER COLUMN name DROP NOT NULL;

ALTER TABLE user_account RENAME name TO user_name;

ALTER TABLE user_account ADD COLUMN password VARCHAR(10);

ALTER TABLE user_account RENAME TO users;

ALTER SEQUENCE user_account_id_seq RENAME TO users_user_id_seq;

ALTER TABLE address RENAME CONSTRAINT pk_address TO pk_email_addresses;

ALTER TABLE address RENAME CONSTRAINT fk_address_user_id_user_account TO fk_email_addresses_user_id_users;

ALTER TABLE address RENAME id TO address_id;

ALTER TABLE address ALTER COLUMN user_id DROP NOT NULL;

ALTER TABLE address RENAME TO email_addresses;

ALTER SEQUENCE address_id_seq RENAME TO email_addresses_address_id_seq;

UPDATE alembic_version SET version_num='0003' WHERE alembic_version.version_num = '0004';

COMMIT;
