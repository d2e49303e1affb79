"""What the numbers were measured on: the server, the machine, the revisions."""

import hashlib
import os
import platform
import re
from pathlib import Path

import alembic
import sqlalchemy
from sqlalchemy import Connection

from sqlalchemy_stairway.stages import Stairway


def server_version(connection: Connection) -> str:
    dialect = connection.dialect
    if dialect.name == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    name = "MariaDB" if getattr(dialect, "is_mariadb", False) else dialect.name
    name = {"postgresql": "PostgreSQL", "mysql": "MySQL"}.get(name, name)
    return f"{name} {'.'.join(str(part) for part in dialect.server_version_info)}"


def cores() -> int:
    """The CPUs this process may run on (a container or taskset may allow fewer than exist)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def machine() -> dict:
    """Return what the numbers were measured on: CPUs, memory, versions (no paths)."""
    cpu, memory = platform.processor() or platform.machine(), None
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                    if line.startswith("model name")), cpu)  # fmt: skip
        meminfo = Path("/proc/meminfo").read_text()
        memory = round(int(re.search(r"MemTotal:\s+(\d+)", meminfo)[1]) / 1024**2, 1)
    except (OSError, TypeError):
        pass
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "cores": cores(),
        "memory_gib": memory,
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "alembic": alembic.__version__,
    }


def revisions_digest(stairway: Stairway) -> str:
    """Return a short digest of the revision files, so a result names the code it timed."""
    digest = hashlib.sha256()
    for path in sorted(Path(stairway.script_directory().versions).glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
