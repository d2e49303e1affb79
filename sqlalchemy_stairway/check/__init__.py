"""``stairway check``: prove any Alembic project's revisions on scratch databases.

The checker is a product of its own, for teams who never run the tutorial; it
imports nothing from the tutorial's runtime (the rest of ``sqlalchemy_stairway``),
which uses it:

- :mod:`~sqlalchemy_stairway.check.cli`: the ``stairway check`` command;
- :mod:`~sqlalchemy_stairway.check.pytest_plugin`: the same checks as pytest items;
- :mod:`~sqlalchemy_stairway.check.project`: loading a project's Alembic configuration;
- :mod:`~sqlalchemy_stairway.check.project_checks`: walking its revisions, check by check;
- :mod:`~sqlalchemy_stairway.check.copying`: a scratch database copied over another, so a
  revision starts from its parent without replaying the chain;
- :mod:`~sqlalchemy_stairway.check.classify`, :mod:`~sqlalchemy_stairway.check.comparison_options`,
  :mod:`~sqlalchemy_stairway.check.server_defaults`: what a difference costs, what env.py
  asks the comparison to honour, server defaults normalised;
- :mod:`~sqlalchemy_stairway.check.synthetic`: rows generated for any table;
- :mod:`~sqlalchemy_stairway.check.comparison_options`: what env.py tells autogenerate
  to compare, honoured by models-match; :mod:`~sqlalchemy_stairway.check.server_defaults`:
  server defaults made comparable;
- :mod:`~sqlalchemy_stairway.check.classify`: what a difference costs (a backfill, values
  made at run time, MariaDB's invented values);
- :mod:`~sqlalchemy_stairway.check.static`, :mod:`~sqlalchemy_stairway.check.squawk`:
  reading revisions without running them;
- :mod:`~sqlalchemy_stairway.check.hooks`: a project's own glue;
- :mod:`~sqlalchemy_stairway.check.results`, :mod:`~sqlalchemy_stairway.check.reports`:
  what was found, as text, JSON or JUnit XML;
- generic pieces the tutorial uses too: :mod:`~sqlalchemy_stairway.check.engines` (URLs
  and engines), :mod:`~sqlalchemy_stairway.check.scratch` (scratch databases),
  :mod:`~sqlalchemy_stairway.check.schema` (a database read back),
  :mod:`~sqlalchemy_stairway.check.differences`, :mod:`~sqlalchemy_stairway.check.errors`,
  :mod:`~sqlalchemy_stairway.check.file_lock`.
"""
