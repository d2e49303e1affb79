BEGIN;

SET LOCAL lock_timeout = '5s';

SET LOCAL statement_timeout = '60s';

-- Running upgrade 0001 -> 0002

CREATE TABLE pet (
    id SERIAL NOT NULL,
    name VARCHAR(50),
    type VARCHAR(50),
    age INTEGER,
    CONSTRAINT pk_pet PRIMARY KEY (id)
);

UPDATE alembic_version SET version_num='0002' WHERE alembic_version.version_num = '0001';

COMMIT;
