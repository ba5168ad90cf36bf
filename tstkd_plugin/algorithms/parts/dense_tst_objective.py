# Copyright (c) tstkd_plugin contributors.
import contextlib
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import torch
from mmengine.structures import BaseDataElement
from torch import nn

from ...augment import transform_samples
from ...registry import TASK_UTILS
from .tst_objective import TSTObjective


@contextlib.contextmanager
def without_mask_head(model: nn.Module,
                      samples: Sequence[BaseDataElement]) -> Iterator[None]:
    """A Mask R-CNN-style teacher scores data without instance masks (a
    Faster R-CNN student's) with its box branches only."""
    roi_head = getattr(model, 'roi_head', None)
    has_masks = all('masks' in s.gt_instances for s in samples
                    if 'gt_instances' in s)
    if roi_head is None or has_masks or \
            getattr(roi_head, 'mask_head', None) is None:
        yield
        return
    mask_head = roi_head.mask_head
    roi_head.mask_head = None
    try:
        yield
    finally:
        roi_head.mask_head = mask_head


def _total(value) -> torch.Tensor:
    return sum(value) if isinstance(value, (list, tuple)) else value


@TASK_UTILS.register_module()
class DenseTSTObjective(TSTObjective):
    """TST's augmenter objective for detectors and segmentors (mmdet,
    mmseg), a part of :class:`~tstkd_plugin.algorithms.ComposedDistill`.

    - The augmenter composes its geometric ops into one matrix per image
      (``geometry='compose'``, the default here) and the targets follow it:
      boxes through their 4 corners, clipped, too small ones dropped with
      their labels; label maps with nearest sampling, ignore label where
      the warp brings in outside area. Each image is augmented inside its
      valid area (``img_shape``) of a padded batch.
    - Objective: the teacher's task losses, plus the student's task losses
      turned against it: a classification loss ``L`` becomes
      ``-log(1 - exp(-L) + eps)`` (the bounded ``-log(1 - p)`` form with
      ``p = exp(-L)``; for a cross-entropy ``L`` that is the geometric mean
      of the true-class probabilities), a regression loss becomes
      ``-min(L, regression_clip)``. No distillation loss in this step.

    Args:
        eps (float): As :class:`TSTObjective`'s. Defaults to 1e-6.
        logit_clamp (float, optional): As :class:`TSTObjective`'s. Defaults
            to 10, the reference's in detection and segmentation.
        regression_keys (Sequence[str]): A student loss whose name contains
            one of these is a regression loss; any other one is a
            classification loss. Defaults to ``('bbox', 'iou', 'reg')``.
        regression_clip (float): Defaults to 1.0.
        min_box_size (float): Boxes narrower or lower after the warp are
            dropped (pixels). Defaults to 2.0.
        ignore_index (int): Label of warped-in area in label maps. Defaults
            to 255.
        teacher_loss_keys (Sequence[str], optional): Keep only the teacher's
            task losses whose name contains one of these (the reference's
            Cascade teacher: ``('rpn', )``). Defaults to None: all of them.
    """

    def __init__(self,
                 eps: float = 1e-6,
                 logit_clamp: Optional[float] = 10.0,
                 regression_keys: Sequence[str] = ('bbox', 'iou', 'reg'),
                 regression_clip: float = 1.0,
                 min_box_size: float = 2.0,
                 ignore_index: int = 255,
                 teacher_loss_keys: Optional[Sequence[str]] = None) -> None:
        super().__init__(eps=eps, logit_clamp=logit_clamp)
        if not regression_clip > 0:
            raise ValueError('model.regression_clip: expected > 0, got '
                             f'{regression_clip}')
        if teacher_loss_keys is not None and (isinstance(
                teacher_loss_keys, str) or not teacher_loss_keys):
            raise ValueError('model.teacher_loss_keys: expected a non-empty '
                             f'list of names, got {teacher_loss_keys!r}')
        self.regression_keys = tuple(regression_keys)
        self.regression_clip = regression_clip
        self.min_box_size = min_box_size
        self.ignore_index = ignore_index
        self.teacher_loss_keys = None if teacher_loss_keys is None else \
            tuple(teacher_loss_keys)

    def augmenter_config(self, augmenter: dict,
                         data_preprocessor: nn.Module) -> dict:
        """As :class:`TSTObjective`'s, with composed geometry by default."""
        augmenter = super().augmenter_config(augmenter, data_preprocessor)
        augmenter.setdefault('geometry', 'compose')
        return augmenter

    def check_augmenter(self, augmenter: nn.Module) -> None:
        """Targets can follow only one matrix per image."""
        if augmenter.geometry != 'compose' and augmenter.has_geometric_ops:
            raise ValueError(
                "model.augmenter.geometry: detection and segmentation need "
                "'compose' (targets follow one matrix per image); got "
                f"{augmenter.geometry!r} with geometric ops in "
                'model.augmenter.ops')

    def augment(
        self, augmenter: nn.Module, inputs: torch.Tensor,
        samples: List[BaseDataElement]
    ) -> Tuple[torch.Tensor, List[BaseDataElement]]:
        """Augmented inputs and their targets, moved as the images were."""
        hw = inputs.new_tensor([s.metainfo['img_shape'][:2] for s in samples])
        padded = bool((hw != inputs.new_tensor(inputs.shape[-2:])).any())
        augmented = augmenter(inputs, image_hw=hw if padded else None)
        return augmented.images, transform_samples(samples, augmented.matrix,
                                                   self.min_box_size,
                                                   self.ignore_index)

    def loss(self, student: nn.Module, teacher: nn.Module,
             augmented: torch.Tensor,
             samples: List[BaseDataElement]) -> Dict[str, torch.Tensor]:
        """The teacher's task losses and the student's turned around."""
        losses = {}
        with without_mask_head(teacher, samples):
            for name, value in teacher.loss(augmented, samples).items():
                if 'loss' in name and (self.teacher_loss_keys is None or any(
                        k in name for k in self.teacher_loss_keys)):
                    losses[f'teacher.{name}'] = _total(value)
        if not losses:
            raise ValueError(
                f'model.teacher_loss_keys: {self.teacher_loss_keys} match '
                "none of the teacher's losses")
        for name, value in student.loss(augmented, samples).items():
            if 'loss' not in name:
                continue
            value = _total(value)
            if any(key in name for key in self.regression_keys):
                losses[f'student_negative.{name}'] = \
                    -value.clamp(max=self.regression_clip)
            else:
                losses[f'student_negative.{name}'] = -torch.log(
                    1 - torch.exp(-value) + self.eps)
        return losses
