-- here the online upgrade hashes every users.password, before the lock

ALTER TABLE users ADD COLUMN password_hash VARCHAR(128);

-- here it writes the hashes, re-hashing the passwords changed meanwhile

ALTER TABLE users RENAME TO user_account;

CREATE TABLE _alembic_tmp_user_account (
	id INTEGER NOT NULL,
	name VARCHAR(30) NOT NULL,
	number INTEGER,
	password_hash VARCHAR(128),
	fullname VARCHAR(100),
	CONSTRAINT pk_user_account PRIMARY KEY (id)
);

INSERT INTO _alembic_tmp_user_account (id, name, number, password_hash) SELECT user_account.user_id, user_account.user_name, user_account.number, user_account.password_hash
FROM user_account;

DROP TABLE user_account;

ALTER TABLE _alembic_tmp_user_account RENAME TO user_account;

ALTER TABLE email_addresses RENAME TO address;

CREATE TABLE _alembic_tmp_address (
	id INTEGER NOT NULL,
	email_address VARCHAR(100) NOT NULL,
	user_id INTEGER NOT NULL,
	CONSTRAINT pk_address PRIMARY KEY (id),
	CONSTRAINT fk_address_user_id_user_account FOREIGN KEY(user_id) REFERENCES user_account (id)
);

INSERT INTO _alembic_tmp_address (id, email_address, user_id) SELECT address.address_id, address.email_address, address.user_id
FROM address;

DROP TABLE address;

ALTER TABLE _alembic_tmp_address RENAME TO address;

UPDATE alembic_version SET version_num='0004' WHERE alembic_version.version_num = '0003';
