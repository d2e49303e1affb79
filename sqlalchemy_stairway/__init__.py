"""SQLAlchemy Stairway: drive, check and show a chain of Alembic revisions, stage by stage.

Two parts. :mod:`~sqlalchemy_stairway.check` is ``stairway check``, the checker for
any Alembic project; it never imports the rest. The rest is the tutorial's runtime,
with no stage or table of its own, and uses the checker's generic pieces:

- :mod:`~sqlalchemy_stairway.stages`: a stage declared once, and the stairway of them;
- :mod:`~sqlalchemy_stairway.migrate`: moving a database between stages with Alembic;
- :mod:`~sqlalchemy_stairway.checks`: proving every stage upgrades, downgrades and keeps data;
- :mod:`~sqlalchemy_stairway.seeding`: writing each stage's rows in the shape it has;
- :mod:`~sqlalchemy_stairway.locking`: the migration lock;
- :mod:`~sqlalchemy_stairway.guards`: what is refused before a database is touched;
- :mod:`~sqlalchemy_stairway.ops`: ``op.refuse_rows`` and ``op.confirm_data_loss`` for revisions;
- :mod:`~sqlalchemy_stairway.display`, :mod:`~sqlalchemy_stairway.lessons`,
  :mod:`~sqlalchemy_stairway.diagrams`, :mod:`~sqlalchemy_stairway.golden`: showing it;
- :mod:`~sqlalchemy_stairway.bench`: ``invoke bench``, timing the stairway.
"""
