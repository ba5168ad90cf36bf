# Copyright (c) tstkd_plugin contributors.
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.structures import BaseDataElement
from torch import nn

from ...registry import TASK_UTILS


@TASK_UTILS.register_module()
class TSTObjective:
    """TST's augmenter objective for classification, a part of
    :class:`~tstkd_plugin.algorithms.ComposedDistill`.

    It says how a batch is augmented (the labels do not change) and what the
    augmenter minimises against the frozen networks:
    ``CE_teacher(x_aug, y) - log(1 - p_student(y | x_aug) + eps)``: the
    teacher stays right, the student is pushed wrong, and the second term is
    bounded (the reference's unbounded ``CE_T - CE_S`` produced NaNs).

    Args:
        eps (float): In the bounded student term. Defaults to 1e-6.
        logit_clamp (float, optional): After each augmenter step, clamp the
            augmenter's probability and magnitude logits to [-c, c] (the
            reference does, with 10, in detection and segmentation only).
            Defaults to None: no clamp, as the reference's classification.
    """

    def __init__(self,
                 eps: float = 1e-6,
                 logit_clamp: Optional[float] = None) -> None:
        if logit_clamp is not None and not logit_clamp > 0:
            raise ValueError(f'model.logit_clamp: expected > 0 or None, got '
                             f'{logit_clamp}')
        self.eps = eps
        self.logit_clamp = logit_clamp

    def augmenter_config(self, augmenter: dict,
                         data_preprocessor: nn.Module) -> dict:
        """The augmenter's config completed as the algorithm builds it:
        ``mean``/``std`` default to the data preprocessor's."""
        augmenter = dict(augmenter)
        for key in ('mean', 'std'):
            value = getattr(data_preprocessor, key, None)
            if key not in augmenter and isinstance(value, torch.Tensor):
                augmenter[key] = value.flatten().tolist()
        return augmenter

    def check_augmenter(self, augmenter: nn.Module) -> None:
        """Any augmenter suits classification."""

    def augment(
        self, augmenter: nn.Module, inputs: torch.Tensor,
        samples: List[BaseDataElement]
    ) -> Tuple[torch.Tensor, List[BaseDataElement]]:
        """Augmented inputs and their data samples (the same labels)."""
        return augmenter(inputs).images, samples

    def loss(self, student: nn.Module, teacher: nn.Module,
             augmented: torch.Tensor,
             samples: List[BaseDataElement]) -> Dict[str, torch.Tensor]:
        """The augmenter's losses on an augmented batch."""
        labels = torch.cat([s.gt_label for s in samples]).to(augmented.device)
        logits_t = teacher(augmented, mode='tensor').float()
        logits_s = student(augmented, mode='tensor').float()
        p_student = logits_s.softmax(1).gather(1, labels[:, None])[:, 0]
        return dict(
            loss_teacher_ce=F.cross_entropy(logits_t, labels),
            loss_student_negative=-torch.log(1 - p_student + self.eps).mean())
