"""The tutorial's models, one module per stage, each the whole schema of its era.

``models.stage1_tables`` is the 0.3 tutorial's ``Table`` objects,
``models.stage5_orders`` the 2.0 tutorial's typed classes.  Import the
stage you are reading about: ``from models.stage5_orders import User``.
"""
