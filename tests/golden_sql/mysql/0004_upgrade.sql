-- Running upgrade 0003 -> 0004

-- here the online upgrade hashes every users.password, before the lock

ALTER TABLE users ADD COLUMN password_hash VARCHAR(128);

-- here it writes the hashes, re-hashing the passwords changed meanwhile

ALTER TABLE users DROP COLUMN password;

ALTER TABLE users CHANGE user_id id INTEGER NOT NULL AUTO_INCREMENT;

ALTER TABLE users CHANGE user_name name VARCHAR(30) NOT NULL;

ALTER TABLE users ADD COLUMN fullname VARCHAR(100);

ALTER TABLE email_addresses DROP FOREIGN KEY fk_email_addresses_user_id_users;

DROP INDEX fk_email_addresses_user_id_users ON email_addresses;

ALTER TABLE email_addresses CHANGE address_id id INTEGER NOT NULL AUTO_INCREMENT;

ALTER TABLE email_addresses MODIFY user_id INTEGER NOT NULL;

SET SESSION foreign_key_checks = 0;

ALTER TABLE email_addresses ADD CONSTRAINT fk_address_user_id_user_account FOREIGN KEY(user_id) REFERENCES users (id);

SET SESSION foreign_key_checks = 1;

ALTER TABLE users RENAME TO user_account;

ALTER TABLE email_addresses RENAME TO address;

UPDATE alembic_version SET version_num='0004' WHERE alembic_version.version_num = '0003';
