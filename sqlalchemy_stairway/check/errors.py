"""The one exception a user is meant to read."""


class StairwayError(Exception):
    """Something the user can fix: printed as one line, exit status 1, no traceback."""
