CREATE TABLE _alembic_tmp_user_account (
	user_id INTEGER NOT NULL,
	user_name VARCHAR(40),
	password VARCHAR(10),
	number INTEGER,
	CONSTRAINT pk_users PRIMARY KEY (user_id)
);

INSERT INTO _alembic_tmp_user_account (user_id, user_name, number) SELECT user_account.id, user_account.name, user_account.number
FROM user_account;

DROP TABLE user_account;

ALTER TABLE _alembic_tmp_user_account RENAME TO user_account;

ALTER TABLE user_account RENAME TO users;

CREATE TABLE _alembic_tmp_address (
	address_id INTEGER NOT NULL,
	email_address VARCHAR(100) NOT NULL,
	user_id INTEGER,
	CONSTRAINT pk_email_addresses PRIMARY KEY (address_id),
	CONSTRAINT fk_email_addresses_user_id_users FOREIGN KEY(user_id) REFERENCES users (user_id)
);

INSERT INTO _alembic_tmp_address (address_id, email_address, user_id) SELECT address.id, address.email_address, address.user_id
FROM address;

DROP TABLE address;

ALTER TABLE _alembic_tmp_address RENAME TO address;

ALTER TABLE address RENAME TO email_addresses;

UPDATE alembic_version SET version_num='0003' WHERE alembic_version.version_num = '0004';
