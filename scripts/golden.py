"""The tutorial's golden SQL: every revision, dialect and direction, in tests/golden_sql/.

Usage: ``invoke golden`` rewrites them; ``tests/test_golden_sql.py`` compares.
"""

from scripts.stages import PROJECT_ROOT, STAIRWAY
from sqlalchemy_stairway.golden import GoldenFiles

GOLDEN = GoldenFiles(STAIRWAY, PROJECT_ROOT / "tests" / "golden_sql")
