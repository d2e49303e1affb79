CREATE TABLE pet (
	id INTEGER NOT NULL,
	name VARCHAR(50),
	type VARCHAR(50),
	age INTEGER,
	CONSTRAINT pk_pet PRIMARY KEY (id)
);

UPDATE alembic_version SET version_num='0002' WHERE alembic_version.version_num = '0001';
