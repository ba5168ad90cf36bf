# Copyright (c) tstkd_plugin contributors.
from ..registry import MODELS
from .dense_tst_distill import DenseTSTDistill
from .student_rois_distill import StudentRoIsDistill


@MODELS.register_module()
class TSTStudentRoIsDistill(DenseTSTDistill, StudentRoIsDistill):
    """TST for two-stage detectors whose distillation needs the teacher to
    score the student's RoIs: the phases, augmentation and augmenter
    objective of :class:`DenseTSTDistill`, the student step's distillation
    of :class:`StudentRoIsDistill` (its ``loss``).

    Args:
        **kwargs: The arguments of both.
    """
