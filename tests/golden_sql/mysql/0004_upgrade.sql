-- Running upgrade 0003 -> 0004

-- here the online upgrade hashes every users.password, before the lock

ALTER TABLE users ADD COLUMN password_hash VARCHAR(128);

-- here it writes the hashes, re-hashing the passwords changed meanwhile

ALTER TABLE users RENAME TO user_account;

ALTER TABLE user_account DROP COLUMN password;

ALTER TABLE user_account CHANGE user_id id INTEGER NOT NULL AUTO_INCREMENT;

ALTER TABLE user_account CHANGE user_name name VARCHAR(30) NOT NULL;

ALTER TABLE user_account ADD COLUMN fullname VARCHAR(100);

ALTER TABLE email_addresses RENAME TO address;

ALTER TABLE address DROP FOREIGN KEY fk_email_addresses_user_id_users;

DROP INDEX fk_email_addresses_user_id_users ON address;

ALTER TABLE address CHANGE address_id id INTEGER NOT NULL AUTO_INCREMENT;

ALTER TABLE address MODIFY user_id INTEGER NOT NULL;

ALTER TABLE address ADD CONSTRAINT fk_address_user_id_user_account FOREIGN KEY(user_id) REFERENCES user_account (id);

UPDATE alembic_version SET version_num='0004' WHERE alembic_version.version_num = '0003';
