# Copyright (c) tstkd_plugin contributors.
from typing import List, Optional, Sequence

import torch
from mmengine.structures import BaseDataElement
from mmrazor.models.task_modules import ModuleInputsRecorder
from mmrazor.models.utils import add_prefix

from ..registry import MODELS
from .checked_single_teacher_distill import CheckedSingleTeacherDistill


@MODELS.register_module()
class StudentRoIsDistill(CheckedSingleTeacherDistill):
    """Two-stage detector distillation where the teacher scores the
    student's sampled RoIs.

    RoI-level logits of teacher and student only correspond when both heads
    look at the same boxes, so (as in the DIST reference) the student runs
    first; the RoIs its RoI head sampled are recorded at
    ``student_rois_source`` and the teacher's RoI head is run on them, on the
    teacher's own features. Teacher recorders (e.g. on
    ``roi_head.bbox_head.fc_cls``, or ``roi_head.bbox_head.<stage>.fc_cls``
    of a Cascade R-CNN, whose every stage scores the same RoIs) then hold
    logits that match the student's row for row. Everything else is
    ``CheckedSingleTeacherDistill``.

    Args:
        student_rois_source (str): The student's RoI extractor, whose second
            input is the sampled RoIs (n, 5). Defaults to
            ``'roi_head.bbox_roi_extractor'``.
        teacher_stages (Sequence[int], optional): The stages of a Cascade
            R-CNN teacher that score the RoIs. ``[0]`` runs the teacher cut
            to its first stage (the DIST reference's teacher) while its
            checkpoint still loads strictly. Defaults to None: every stage.
        **kwargs: The arguments of ``CheckedSingleTeacherDistill``.
    """

    def __init__(self,
                 student_rois_source: str = 'roi_head.bbox_roi_extractor',
                 teacher_stages: Optional[Sequence[int]] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if self.teacher_trainable:
            raise ValueError('model.teacher_trainable: StudentRoIsDistill '
                             'runs the teacher only on the student RoIs, '
                             'without its own losses; expected False.')
        for name, model in (('architecture', self.student), ('teacher',
                                                             self.teacher)):
            if not hasattr(model, 'roi_head'):
                raise ValueError(
                    f'model.{name}: StudentRoIsDistill needs two-stage '
                    f'detectors with a roi_head; got {type(model).__name__}.')
        modules = dict(self.student.named_modules())
        if student_rois_source not in modules:
            raise ValueError(
                f'model.student_rois_source: {student_rois_source!r} is not '
                'a module of the student (model.architecture).')
        self.rois_recorder = ModuleInputsRecorder(student_rois_source)
        self.rois_recorder.initialize(self.student)
        self.teacher_stages = self._checked_stages(teacher_stages)

    def _checked_stages(
            self, stages: Optional[Sequence[int]]) -> Optional[List[int]]:
        """The cascade stages to run; None for a single RoI head."""
        num_stages = getattr(self.teacher.roi_head, 'num_stages', None)
        if num_stages is None:
            if stages is not None:
                raise ValueError('model.teacher_stages: the teacher has a '
                                 'single RoI head, not a cascade; leave it '
                                 'unset.')
            return None
        if stages is None:
            return list(range(num_stages))
        stages = list(stages)
        if not stages or any(not 0 <= s < num_stages for s in stages):
            raise ValueError(
                f'model.teacher_stages: expected stages among 0 to '
                f'{num_stages - 1} of the teacher\'s cascade, got {stages}.')
        return stages

    def loss(self,
             batch_inputs: torch.Tensor,
             data_samples: Optional[List[BaseDataElement]] = None) -> dict:
        """Student losses, then the teacher on the student's RoIs."""
        losses = dict()
        with self.distiller.student_recorders, self.rois_recorder:
            student_losses = self.student(
                batch_inputs, data_samples, mode='loss')
        if self.calculate_student_loss:
            losses.update(add_prefix(student_losses, 'student'))
        # record 0: the RoIs sampled for the bbox head in this step
        rois = self.rois_recorder.get_record_data(record_idx=0, data_idx=1)

        with torch.no_grad(), self.distiller.teacher_recorders:
            feats = self.teacher.extract_feat(batch_inputs)
            self._teacher_bbox_forward(feats, rois.detach())

        if not self.distillation_stopped:
            losses.update(
                add_prefix(self.distiller.compute_distill_losses(), 'distill'))
        return losses

    def _teacher_bbox_forward(self, feats, rois: torch.Tensor) -> None:
        roi_head = self.teacher.roi_head
        if self.teacher_stages is None:
            roi_head._bbox_forward(feats, rois)
        else:  # Cascade R-CNN: the chosen stages score the same RoIs
            for stage in self.teacher_stages:
                roi_head._bbox_forward(stage, feats, rois)
