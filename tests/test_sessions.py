"""The migration's session: READ COMMITTED whatever the default, and a strict sql_mode."""

import pytest
from sqlalchemy import text

from scripts.stages import STAIRWAY
from sqlalchemy_stairway.check.engines import make_engine
from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.sessions import read_committed, refuse_lax_sql_mode
from tests.conftest import on_databases
from tests.helpers import move, stage_of

SERVERS = on_databases("postgresql", "mariadb")
ISOLATION_NOW = {
    "postgresql": "SELECT current_setting('transaction_isolation')",
    "mysql": "SELECT @@SESSION.tx_isolation",
}


@pytest.mark.parametrize("database", SERVERS)
def test_the_block_reads_committed_rows_and_the_callers_level_comes_back(connection):
    query = text(ISOLATION_NOW[connection.dialect.name])
    before = connection.execute(query).scalar()
    connection.rollback()
    with read_committed(connection):
        during = connection.execute(query).scalar()
        connection.rollback()
    after = connection.execute(query).scalar()
    connection.rollback()
    assert during.lower().replace("-", " ") == "read committed"
    assert after == before


@pytest.mark.parametrize("database", on_databases("mariadb"))
def test_a_mariadb_session_that_would_truncate_silently_is_refused(scratch_url):
    lax = scratch_url.update_query_dict({"init_command": "SET sql_mode=''"})
    engine = make_engine(lax, for_migrations=True)
    try:
        with engine.connect() as connection:
            with pytest.raises(StairwayError) as refused:
                refuse_lax_sql_mode(connection)
            assert "sql_mode (empty) has neither STRICT_TRANS_TABLES" in str(refused.value)
            with pytest.raises(StairwayError) as refused:
                move(connection, STAIRWAY[1])
            assert str(refused.value).endswith("Nothing was changed.")
            assert stage_of(connection) == STAIRWAY.base
            assert connection.execute(text("SHOW TABLES")).all() == []
    finally:
        engine.dispose()


@pytest.mark.parametrize("database", on_databases("mariadb"))
def test_a_strict_mariadb_session_is_accepted(connection):
    refuse_lax_sql_mode(connection)
    assert not connection.in_transaction()
