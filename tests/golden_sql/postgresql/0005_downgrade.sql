BEGIN;

SET LOCAL lock_timeout = '5s';

SET LOCAL statement_timeout = '60s';

-- Running downgrade 0005 -> 0004

DROP TABLE item;

DROP TABLE "order";

UPDATE alembic_version SET version_num='0004' WHERE alembic_version.version_num = '0005';

COMMIT;
