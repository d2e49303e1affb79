BEGIN;

SET LOCAL lock_timeout = '5s';

SET LOCAL statement_timeout = '60s';

-- Running downgrade 0001 ->

DROP TABLE email_addresses;

DROP TABLE users;

DELETE FROM alembic_version WHERE alembic_version.version_num = '0001';

COMMIT;
