# Copyright (c) tstkd_plugin contributors.
"""The optional parts :class:`~tstkd_plugin.algorithms.ComposedDistill`
composes: TST's augmenter objective (classification, dense), SoKD's policy
search, the teacher scoring the student's RoIs."""
from .dense_tst_objective import DenseTSTObjective
from .sokd_policy_search import SEARCH_MODES, UNROLLED, SoKDPolicySearch
from .student_rois import StudentRoIs
from .tst_objective import TSTObjective

__all__ = [
    'DenseTSTObjective', 'SEARCH_MODES', 'SoKDPolicySearch', 'StudentRoIs',
    'TSTObjective', 'UNROLLED'
]
