"""`stairway check`'s glue for JupyterHub's chain: the database its first revision starts from.

JupyterHub made its tables with ``create_all()`` before it used Alembic, and
still does at every start: its first revision, 19c0846f6344 ("base revision
for 0.5"), is empty and stamps a database a hub of 0.5 made. Later
revisions alter tables that no revision creates (``services``,
``spawners``, the OAuth tables): a hub of 0.7 and 0.8 made them when it
started, before the team ran ``jupyterhub upgrade-db`` again. So the
starting schema is the 0.5 tables and the ones those hubs added, written
here as they were then (read in JupyterHub's release notes and old
releases; nothing of theirs is imported).
"""

import sqlalchemy as sa


def schema_of_a_hub_before_alembic() -> sa.MetaData:
    """The tables a JupyterHub 0.5 database holds, with those a 0.7-0.8 hub made at start."""
    start = sa.MetaData()
    sa.Table(
        "servers",
        start,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("proto", sa.Unicode(15)),
        sa.Column("ip", sa.Unicode(255)),
        sa.Column("port", sa.Integer),
        sa.Column("base_url", sa.Unicode(255)),
        sa.Column("cookie_name", sa.Unicode(255)),
    )
    # the proxy's and the hub's addresses lived in the database until 0.8 (3ec6993fe20c drops them)
    sa.Table(
        "proxies",
        start,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("auth_token", sa.Unicode(255)),
        sa.Column("_public_server_id", sa.Integer, sa.ForeignKey("servers.id")),
        sa.Column("_api_server_id", sa.Integer, sa.ForeignKey("servers.id")),
    )
    sa.Table(
        "hubs",
        start,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("host", sa.Unicode(255)),
        sa.Column("_server_id", sa.Integer, sa.ForeignKey("servers.id")),
    )
    sa.Table(
        "users",
        start,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Unicode(255), unique=True),
        # unnamed: MySQL and MariaDB call it users_ibfk_1, the name 3ec6993fe20c drops
        sa.Column("_server_id", sa.Integer, sa.ForeignKey("servers.id")),
        sa.Column("admin", sa.Boolean),
        sa.Column("last_activity", sa.DateTime),
        sa.Column("cookie_id", sa.Unicode(255), nullable=False),
        sa.Column("state", sa.Text),
    )
    sa.Table(
        "api_tokens",
        start,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE")),
        sa.Column("hashed", sa.Unicode(255), unique=True),
        sa.Column("prefix", sa.Unicode(16), index=True),
    )
    sa.Table(
        "groups",
        start,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Unicode(255), unique=True),
    )
    sa.Table(
        "user_group_map",
        start,
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("group_id", sa.Integer, sa.ForeignKey("groups.id"), primary_key=True),
    )
    # made by a 0.7 hub at start (af4cbdb2d13c points api_tokens at it)
    sa.Table(
        "services",
        start,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Unicode(255), unique=True),
        sa.Column("admin", sa.Boolean),
        sa.Column("_server_id", sa.Integer, sa.ForeignKey("servers.id")),
        sa.Column("pid", sa.Integer),
    )
    # made by a 0.8 hub at start (3ec6993fe20c's downgrade drops them)
    sa.Table(
        "spawners",
        start,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE")),
        sa.Column("server_id", sa.Integer, sa.ForeignKey("servers.id", ondelete="SET NULL")),
        sa.Column("state", sa.Text),
        sa.Column("name", sa.Unicode(255)),
        sa.Column("last_activity", sa.DateTime),
    )
    sa.Table(
        "oauth_clients",
        start,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("identifier", sa.Unicode(255), unique=True),
        sa.Column("secret", sa.Unicode(255)),
        sa.Column("redirect_uri", sa.Unicode(1023)),
    )
    sa.Table(
        "oauth_access_tokens",
        start,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("client_id", sa.Unicode(255)),
        sa.Column("grant_type", sa.Unicode(32), nullable=False),
        sa.Column("expires_at", sa.Integer),
        sa.Column("refresh_token", sa.Unicode(255)),
        sa.Column("refresh_expires_at", sa.Integer),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE")),
        sa.Column("hashed", sa.Unicode(255), unique=True),
        sa.Column("prefix", sa.Unicode(16), index=True),
    )
    sa.Table(
        "oauth_codes",
        start,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("client_id", sa.Unicode(255)),
        sa.Column("code", sa.Unicode(36)),
        sa.Column("expires_at", sa.Integer),
        sa.Column("redirect_uri", sa.Unicode(1023)),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE")),
    )
    return start


def starting_schema(connection: sa.Connection) -> None:
    """Make the tables 19c0846f6344 stamps, in the scratch database."""
    schema_of_a_hub_before_alembic().create_all(connection)


# JupyterHub's OAuth tokens and codes name their client by its identifier;
# 56cc5a70207e makes that a foreign key, so they are written here, not generated
OAUTH_TABLES = ("oauth_clients", "oauth_access_tokens", "oauth_codes")


def before_revision(connection: sa.Connection, revision: str) -> set[str]:
    """A client, with a token and a code of its own, as a hub writes them."""
    tables = set(sa.inspect(connection).get_table_names())
    if "oauth_clients" not in tables:
        return set()
    client = f"service-{revision}"
    connection.execute(
        sa.text("INSERT INTO oauth_clients (identifier, secret) VALUES (:client, 'secret')"),
        {"client": client},
    )
    if "oauth_access_tokens" in tables:
        connection.execute(
            sa.text(
                "INSERT INTO oauth_access_tokens (client_id, grant_type, hashed, prefix) "
                "VALUES (:client, 'authorization_code', :client, 'abcd')"
            ),
            {"client": client},
        )
    if "oauth_codes" in tables:
        connection.execute(
            sa.text("INSERT INTO oauth_codes (client_id, code) VALUES (:client, 'code')"),
            {"client": client},
        )
    return {table for table in OAUTH_TABLES if table in tables}
