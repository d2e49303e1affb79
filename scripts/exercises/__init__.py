"""The tutorial's exercises, in the order a learner takes them.

Each module declares one ``exercise = Exercise(...)``: the stage it asks
for on top of the head, the files it starts from, and its hints.  They
import nothing of ``scripts.stages``, because the copy of the project an
exercise runs in declares its target stage by importing them
(``scripts/stages/stageN.py`` there); :mod:`scripts.exercises.workbench`
sets them up and grades them.
"""

from scripts.exercises import (
    add_column,
    check_constraint,
    fix_downgrade,
    merge_heads,
    not_null_column,
    rename_column,
    split_fullname,
    version_counter,
)

EXERCISES = (
    add_column.exercise,
    split_fullname.exercise,
    rename_column.exercise,
    fix_downgrade.exercise,
    merge_heads.exercise,
    not_null_column.exercise,
    check_constraint.exercise,
    version_counter.exercise,
)
