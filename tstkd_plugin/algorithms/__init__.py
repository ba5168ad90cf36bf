# Copyright (c) tstkd_plugin contributors.
from .checked_single_teacher_distill import CheckedSingleTeacherDistill
from .student_rois_distill import StudentRoIsDistill

__all__ = ['CheckedSingleTeacherDistill', 'StudentRoIsDistill']
