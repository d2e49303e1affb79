-- here the online upgrade hashes every users.password, before the lock

ALTER TABLE users ADD COLUMN password_hash VARCHAR(128);

-- here it writes the hashes, re-hashing the passwords changed meanwhile

CREATE TABLE _alembic_tmp_users (
	id INTEGER NOT NULL,
	name VARCHAR(30) NOT NULL,
	number INTEGER,
	password_hash VARCHAR(128),
	fullname VARCHAR(100),
	CONSTRAINT pk_user_account PRIMARY KEY (id)
);

INSERT INTO _alembic_tmp_users (id, name, number, password_hash) SELECT users.user_id, users.user_name, users.number, users.password_hash
FROM users;

DROP TABLE users;

ALTER TABLE _alembic_tmp_users RENAME TO users;

CREATE TABLE _alembic_tmp_email_addresses (
	id INTEGER NOT NULL,
	email_address VARCHAR(100) NOT NULL,
	user_id INTEGER NOT NULL,
	CONSTRAINT pk_address PRIMARY KEY (id),
	CONSTRAINT fk_address_user_id_user_account FOREIGN KEY(user_id) REFERENCES users (id)
);

INSERT INTO _alembic_tmp_email_addresses (id, email_address, user_id) SELECT email_addresses.address_id, email_addresses.email_address, email_addresses.user_id
FROM email_addresses;

DROP TABLE email_addresses;

ALTER TABLE _alembic_tmp_email_addresses RENAME TO email_addresses;

ALTER TABLE users RENAME TO user_account;

ALTER TABLE email_addresses RENAME TO address;

UPDATE alembic_version SET version_num='0004' WHERE alembic_version.version_num = '0003';
