BEGIN;

SET LOCAL lock_timeout = '5s';

SET LOCAL statement_timeout = '60s';

-- Running downgrade 0002 -> 0001

DROP TABLE pet;

UPDATE alembic_version SET version_num='0001' WHERE alembic_version.version_num = '0002';

COMMIT;
