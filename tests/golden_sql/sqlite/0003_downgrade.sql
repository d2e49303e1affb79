CREATE TABLE _alembic_tmp_users (
	user_id INTEGER NOT NULL,
	user_name VARCHAR(40),
	password VARCHAR(10),
	CONSTRAINT pk_users PRIMARY KEY (user_id)
);

INSERT INTO _alembic_tmp_users (user_id, user_name, password) SELECT users.user_id, users.user_name, users.password
FROM users;

DROP TABLE users;

ALTER TABLE _alembic_tmp_users RENAME TO users;

UPDATE alembic_version SET version_num='0002' WHERE alembic_version.version_num = '0003';
