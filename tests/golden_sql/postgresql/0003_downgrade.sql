BEGIN;

SET LOCAL lock_timeout = '5s';

SET LOCAL statement_timeout = '60s';

-- Running downgrade 0003 -> 0002

ALTER TABLE users DROP COLUMN number;

UPDATE alembic_version SET version_num='0002' WHERE alembic_version.version_num = '0003';

COMMIT;
