# Copyright (c) tstkd_plugin contributors.
from .checked_single_teacher_distill import CheckedSingleTeacherDistill
from .student_rois_distill import StudentRoIsDistill
from .tst_distill import TSTDistill

__all__ = ['CheckedSingleTeacherDistill', 'StudentRoIsDistill', 'TSTDistill']
