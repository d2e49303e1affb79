-- Running downgrade 0004 -> 0003

ALTER TABLE user_account DROP COLUMN fullname;

ALTER TABLE user_account DROP COLUMN password_hash;

ALTER TABLE user_account CHANGE id user_id INTEGER NOT NULL AUTO_INCREMENT;

ALTER TABLE user_account CHANGE name user_name VARCHAR(40) NULL;

ALTER TABLE user_account ADD COLUMN password VARCHAR(10) AFTER user_name;

ALTER TABLE user_account RENAME TO users;

ALTER TABLE address DROP FOREIGN KEY fk_address_user_id_user_account;

DROP INDEX fk_address_user_id_user_account ON address;

ALTER TABLE address CHANGE id address_id INTEGER NOT NULL AUTO_INCREMENT;

ALTER TABLE address MODIFY user_id INTEGER NULL;

ALTER TABLE address ADD CONSTRAINT fk_email_addresses_user_id_users FOREIGN KEY(user_id) REFERENCES users (user_id);

ALTER TABLE address RENAME TO email_addresses;

UPDATE alembic_version SET version_num='0003' WHERE alembic_version.version_num = '0004';
