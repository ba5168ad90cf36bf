# Copyright (c) tstkd_plugin contributors.
from typing import List, Optional, Sequence

import torch
from mmengine.structures import BaseDataElement
from mmrazor.models.task_modules import ModuleInputsRecorder
from mmrazor.models.utils import add_prefix
from torch import nn

from ...registry import TASK_UTILS


@TASK_UTILS.register_module()
class StudentRoIs:
    """The teacher scores the student's sampled RoIs: the losses of a
    two-stage detector's distillation, a part of
    :class:`~tstkd_plugin.algorithms.ComposedDistill`.

    RoI-level logits of teacher and student only correspond when both heads
    look at the same boxes, so (as in the DIST reference) the student runs
    first; the RoIs its RoI head sampled are recorded at ``source`` and the
    teacher's RoI head is run on them, on the teacher's own features.
    Teacher recorders (e.g. on ``roi_head.bbox_head.fc_cls``, or
    ``roi_head.bbox_head.<stage>.fc_cls`` of a Cascade R-CNN, whose every
    stage scores the same RoIs) then hold logits that match the student's
    row for row.

    Args:
        source (str): The student's RoI extractor, whose second input is the
            sampled RoIs (n, 5). Defaults to
            ``'roi_head.bbox_roi_extractor'``.
        teacher_stages (Sequence[int], optional): The stages of a Cascade
            R-CNN teacher that score the RoIs. ``[0]`` runs the teacher cut
            to its first stage (the DIST reference's teacher) while its
            checkpoint still loads strictly. Defaults to None: every stage.
    """

    def __init__(self,
                 source: str = 'roi_head.bbox_roi_extractor',
                 teacher_stages: Optional[Sequence[int]] = None) -> None:
        self.source = source
        self.requested_stages = teacher_stages
        self.teacher_stages: Optional[List[int]] = None
        self.recorder = ModuleInputsRecorder(source)

    def attach(self, algorithm: nn.Module) -> None:
        """Check the algorithm's networks and record the student's RoIs."""
        name = type(algorithm).__name__
        if algorithm.teacher_trainable:
            raise ValueError(f'model.teacher_trainable: {name} runs the '
                             'teacher only on the student RoIs, without its '
                             'own losses; expected False.')
        for key, model in (('architecture', algorithm.student),
                           ('teacher', algorithm.teacher)):
            if not hasattr(model, 'roi_head'):
                raise ValueError(
                    f'model.{key}: {name} needs two-stage detectors with a '
                    f'roi_head; got {type(model).__name__}.')
        if self.source not in dict(algorithm.student.named_modules()):
            raise ValueError(
                f'model.student_rois_source: {self.source!r} is not a module '
                'of the student (model.architecture).')
        self.recorder.initialize(algorithm.student)
        self.teacher_stages = self._checked_stages(algorithm.teacher,
                                                   self.requested_stages)

    @staticmethod
    def _checked_stages(
            teacher: nn.Module,
            stages: Optional[Sequence[int]]) -> Optional[List[int]]:
        """The cascade stages to run; None for a single RoI head."""
        num_stages = getattr(teacher.roi_head, 'num_stages', None)
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

    def loss(self, algorithm: nn.Module, batch_inputs: torch.Tensor,
             data_samples: Optional[List[BaseDataElement]]) -> dict:
        """Student losses, then the teacher on the student's RoIs, then the
        distillation losses."""
        losses = dict()
        distiller = algorithm.distiller
        with distiller.student_recorders, self.recorder:
            student_losses = algorithm.student(
                batch_inputs, data_samples, mode='loss')
        if algorithm.calculate_student_loss:
            losses.update(add_prefix(student_losses, 'student'))
        # record 0: the RoIs sampled for the bbox head in this step
        rois = self.recorder.get_record_data(record_idx=0, data_idx=1)

        with torch.no_grad(), distiller.teacher_recorders:
            feats = algorithm.teacher.extract_feat(batch_inputs)
            self._teacher_bbox_forward(algorithm.teacher.roi_head, feats,
                                       rois.detach())

        if not algorithm.distillation_stopped:
            losses.update(
                add_prefix(distiller.compute_distill_losses(), 'distill'))
        return losses

    def _teacher_bbox_forward(self, roi_head: nn.Module, feats,
                              rois: torch.Tensor) -> None:
        if self.teacher_stages is None:
            roi_head._bbox_forward(feats, rois)
        else:  # Cascade R-CNN: the chosen stages score the same RoIs
            for stage in self.teacher_stages:
                roi_head._bbox_forward(stage, feats, rois)
