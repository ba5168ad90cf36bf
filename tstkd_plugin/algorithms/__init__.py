# Copyright (c) tstkd_plugin contributors.
from .checked_single_teacher_distill import CheckedSingleTeacherDistill
from .composed_distill import ComposedDistill
from .method_names import (DenseTSTDistill, SoKDDistill, StudentRoIsDistill,
                           TSTDistill, TSTSoKDDistill, TSTStudentRoIsDistill)
from .parts import (DenseTSTObjective, SoKDPolicySearch, StudentRoIs,
                    TSTObjective)

__all__ = [
    'CheckedSingleTeacherDistill', 'ComposedDistill', 'DenseTSTDistill',
    'DenseTSTObjective', 'SoKDDistill', 'SoKDPolicySearch', 'StudentRoIs',
    'StudentRoIsDistill', 'TSTDistill', 'TSTObjective', 'TSTSoKDDistill',
    'TSTStudentRoIsDistill'
]
