# Copyright (c) tstkd_plugin contributors.
from .checked_single_teacher_distill import CheckedSingleTeacherDistill

__all__ = ['CheckedSingleTeacherDistill']
