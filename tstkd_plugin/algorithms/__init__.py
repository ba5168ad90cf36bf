# Copyright (c) tstkd_plugin contributors.
from .checked_single_teacher_distill import CheckedSingleTeacherDistill
from .dense_tst_distill import DenseTSTDistill
from .sokd_distill import SoKDDistill
from .student_rois_distill import StudentRoIsDistill
from .tst_distill import TSTDistill
from .tst_sokd_distill import TSTSoKDDistill
from .tst_student_rois_distill import TSTStudentRoIsDistill

__all__ = [
    'CheckedSingleTeacherDistill', 'DenseTSTDistill', 'SoKDDistill',
    'StudentRoIsDistill', 'TSTDistill', 'TSTSoKDDistill',
    'TSTStudentRoIsDistill'
]
