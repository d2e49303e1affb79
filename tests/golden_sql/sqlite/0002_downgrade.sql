DROP TABLE pet;

UPDATE alembic_version SET version_num='0001' WHERE alembic_version.version_num = '0002';
