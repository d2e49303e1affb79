"""`stairway check`'s glue for Prefect's SQLite chain: where env.py reads its URL, data's rules.

Prefect's env.py takes the database from Prefect's own settings (the
server's database configuration), not from `sqlalchemy.url`: hand_url puts
each scratch database there. Generated rows cannot know what Prefect's
code always writes; shape_row gives those rules
(JSON columns take Python values).
"""

import itertools
import uuid

_numbers = itertools.count(1)


def hand_url(url: str) -> None:
    """Make Prefect's database configuration name ``url`` (its env.py reads nothing else)."""
    from prefect.server.database import dependencies
    from prefect.server.database.configurations import AioSqliteConfiguration
    from prefect.server.database.orm_models import AioSqliteORMConfiguration
    from prefect.server.database.query_components import AioSqliteQueryComponents

    dependencies.MODELS_DEPENDENCIES["database_config"] = AioSqliteConfiguration(connection_url=url)
    dependencies.MODELS_DEPENDENCIES["orm"] = AioSqliteORMConfiguration()
    dependencies.MODELS_DEPENDENCIES["query_components"] = AioSqliteQueryComponents()


def before_revision(connection, revision: str) -> set[str] | None:
    if revision in ("f92143d30c25", "f92143d30c26"):
        # f92143d30c24 makes the artifact table and f92143d30c26 fills it from
        # the run states, all in one release: no Prefect wrote to it in between
        return {"artifact"}
    return None


def shape_row(revision: str, table: str, row: dict) -> dict | None:
    if revision == "1678f2fb8b33" and table == "work_queue":
        # b9bda9f142f1, just below, gave queues a work pool; this revision puts every
        # queue in the default pool: none was in another one yet
        row["work_pool_id"] = None
    if table in ("block_spec", "block_schema"):
        # a block schema is the JSON schema of one block class: its title is the
        # class's own, so no two schemas have the same fields (their checksum is unique)
        row["fields"] = {"title": f"Block{next(_numbers)}", "type": "object", "properties": {}}
        if "checksum" in row:
            # Prefect computes it from the fields, and finds a block's schema by it
            from prefect.blocks.core import Block

            row["checksum"] = Block._calculate_schema_checksum(row["fields"])
    if table == "concurrency_limit" and "active_slots" in row:
        # the task runs holding a slot: a list of their ids
        row["active_slots"] = [
            str(uuid.uuid5(uuid.NAMESPACE_OID, str(next(_numbers)))) for _ in range(2)
        ]
    return row


LOSSY_DOWNGRADES = {
    "bb38729c471a": "the upgrade renames the worker pool tables by dropping them and making "
    "new, empty work pool tables: their rows, and the deployments' and flow runs' links to "
    "them, cannot come back",
    "9e83011d1f2a": "its downgrade says so: the slots in use are recovered from the lease "
    "storage at best effort, else left empty",
    "88c2112b668f": "the upgrade pauses every deployment's schedule "
    "(is_schedule_active = False): which were active is not kept",
    "2095de406cbe": "the upgrade deletes block references that point at their own "
    "block, which the new check constraint forbids",
}
