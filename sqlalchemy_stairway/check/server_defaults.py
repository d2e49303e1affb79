"""Server defaults as a database reads them back, made comparable.

A revision writes ``sa.text("(CURRENT_TIMESTAMP)")``, the models
``func.now()``; PostgreSQL reads one back as ``'{}'::jsonb`` and a revision
said ``'{}'``; SQLite keeps the text as written, whitespace and all.  The
same default then differs in spelling only.  :func:`normalised` removes the
spelling (whitespace, casts, outer parentheses, quotes around a number, the
case of words outside quotes) and keeps what the default gives.

:func:`runtime` tells a default computed when a row is written (``now()``,
``gen_random_uuid()``) from a constant: a column filled by one gets other
values each time an upgrade runs.
"""

import re

# ::jsonb, ::character varying, ::text[], ::"MyType"
CAST = re.compile(
    r'::\s*(?:"[^"]*"|(?:character varying|double precision|bit varying|[a-z_][a-z0-9_]*)'
    r"(?:\(\d+(?:,\s*\d+)?\))?(?: with(?:out)? time zone)?)(?:\[\])*"
)
QUOTED = re.compile(r"('(?:[^']|'')*')")
# functions whose value depends on when, or how often, they are called
RUNTIME = re.compile(
    r"\b(now|current_timestamp|current_date|current_time|localtimestamp|localtime|"
    r"clock_timestamp|statement_timestamp|transaction_timestamp|sysdate|getdate|utc_timestamp|"
    r"strftime|datetime|julianday|unixepoch|random|randomblob|uuid|uuid_short|sys_guid|"
    r"gen_random_uuid|uuid_generate_v1|uuid_generate_v4|uuidv4|uuidv7|nextval)\b"
)


def normalised(default: str | None) -> str | None:
    """``default`` without what only spells it differently."""
    if default is None:
        return None
    parts = QUOTED.split(str(default).strip())
    # words outside quotes: one case, no cast, one space at most, none beside ( ) and ,
    for i in range(0, len(parts), 2):
        text = CAST.sub("", " ".join(parts[i].split()).lower())
        parts[i] = re.sub(r"\s*([(),])\s*", r"\1", " ".join(text.split()))
    text = "".join(parts).strip()
    while _wrapped(text):
        text = text[1:-1].strip()
        text = CAST.sub("", text)
    if re.fullmatch(r"'-?\d+(\.\d+)?'", text):
        text = text[1:-1]
    return text


def _wrapped(text: str) -> bool:
    """True when the whole of ``text`` is inside one pair of parentheses."""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for i, char in enumerate(QUOTED.sub("''", text)):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and i < len(QUOTED.sub("''", text)) - 1:
            return False
    return True


def runtime(default: str | None) -> bool:
    """True when ``default`` is computed as each row is written, not a constant."""
    if default is None:
        return False
    outside_quotes = "".join(QUOTED.split(str(default))[::2]).lower()
    return bool(RUNTIME.search(outside_quotes))
