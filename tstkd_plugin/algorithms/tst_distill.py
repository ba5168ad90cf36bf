# Copyright (c) tstkd_plugin contributors.
import contextlib
from typing import Dict, Iterator, List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.structures import BaseDataElement
from mmrazor.models.utils import add_prefix
from torch import nn

from ..engine.float32 import autocast_off
from ..registry import MODELS
from ..utils import check_optim_wrapper_dict, unwrap
from ..utils.distill_config_checks import build_named
from .checked_single_teacher_distill import CheckedSingleTeacherDistill


@contextlib.contextmanager
def frozen(*modules: nn.Module) -> Iterator[None]:
    """No parameter gradients and eval mode inside; restored afterwards.

    Each submodule's mode is restored, not just the top one's: a distilled
    teacher is in train mode with its norm layers in eval mode
    (``teacher_norm_eval``), and ``train(True)`` on it would let the next
    batch overwrite the teacher's BN statistics.
    """
    modes = [(sub, sub.training) for m in modules for sub in m.modules()]
    grads = [(p, p.requires_grad) for m in modules for p in m.parameters()]
    for m in modules:
        m.eval()
        for p in m.parameters():
            p.requires_grad_(False)
    try:
        yield
    finally:
        for sub, training in modes:
            sub.training = training
        for p, flag in grads:
            p.requires_grad_(flag)


@MODELS.register_module()
class TSTDistill(CheckedSingleTeacherDistill):
    """TST: teaching what you should teach (Shao et al., IJCAI 2023).

    A learnable augmenter (``LearnableAugment``) and the student are trained
    in turn, with one optimizer each in an optim-wrapper dict
    (``architecture`` and ``augmenter``). :class:`TSTPhaseHook` switches the
    phase (the persistent buffer ``augmenter_phase``, saved in checkpoints).

    - Augmenter step, in float32 under AMP too: teacher and student frozen
      (eval mode, no parameter gradients); minimise
      ``CE_teacher(x_aug, y) - log(1 - p_student(y | x_aug) + eps)``: the
      teacher stays right, the student is pushed wrong, and the second
      term is bounded (the reference's unbounded ``CE_T - CE_S`` produced
      NaNs).
    - Student step: the loader yields B/2 originals; their augmented copies
      are made without gradient (in float32); the batch ``[augmented;
      original]`` with the original labels goes through the config's
      distiller (vanilla KD, ``DISTKDLoss``, ...) and the student's task
      loss. The distillation losses are computed on the whole batch: for
      per-sample averages such as KL this is ``1/2 KD(aug) + 1/2
      KD(orig)``.

    Args:
        augmenter (dict): Config of the augmenter (``LearnableAugment``).
            Its ``mean``/``std`` default to the data preprocessor's.
        eps (float): In the bounded student term. Defaults to 1e-6.
        logit_clamp (float, optional): After each augmenter step, clamp the
            augmenter's probability and magnitude logits to [-c, c] (the
            reference does, with 10, in detection and segmentation only).
            Defaults to None: no clamp, as the reference's classification.
        **kwargs: The arguments of ``CheckedSingleTeacherDistill``.
    """

    OPTIMIZERS = ('architecture', 'augmenter')
    # kept out of auto_scale_lr (tstkd_plugin/engine/auto_scale_lr.py)
    FIXED_LR_OPTIMIZERS = ('augmenter', )

    def __init__(self,
                 augmenter: dict,
                 eps: float = 1e-6,
                 logit_clamp: Optional[float] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if logit_clamp is not None and not logit_clamp > 0:
            raise ValueError(f'model.logit_clamp: expected > 0 or None, got '
                             f'{logit_clamp}')
        self.logit_clamp = logit_clamp
        self.augmenter = build_named(
            self.augmenter_config(augmenter, self.data_preprocessor),
            'model.augmenter')
        self.eps = eps
        self.register_buffer('augmenter_phase', torch.tensor(False))

    @classmethod
    def augmenter_config(cls, augmenter: dict,
                         data_preprocessor: nn.Module) -> dict:
        """The augmenter's config completed as this algorithm builds it:
        ``mean``/``std`` default to the data preprocessor's."""
        augmenter = dict(augmenter)
        for key in ('mean', 'std'):
            value = getattr(data_preprocessor, key, None)
            if key not in augmenter and isinstance(value, torch.Tensor):
                augmenter[key] = value.flatten().tolist()
        return augmenter

    def train_step(self, data: dict,
                   optim_wrapper: OptimWrapperDict) -> Dict[str, torch.Tensor]:
        check_optim_wrapper_dict(optim_wrapper, self.OPTIMIZERS, 'TSTDistill',
                                 'mmrazor.SeparateOptimWrapperConstructor')
        if bool(self.augmenter_phase):
            return self.augmenter_step(data, optim_wrapper['augmenter'])
        return self.student_step(data, optim_wrapper['architecture'])

    def student_step(self, data: dict,
                     optim_wrapper: OptimWrapper) -> Dict[str, torch.Tensor]:
        """Distil on ``[augmented; original]`` and update the student."""
        with optim_wrapper.optim_context(self):
            inputs, samples = self.augmented_batch(
                self.data_preprocessor(data, True))
            losses = self.loss(inputs, samples)
        parsed, log_vars = self.parse_losses(losses)
        optim_wrapper.update_params(parsed)
        return log_vars

    def augmented_batch(
            self, data: dict) -> Tuple[torch.Tensor, List[BaseDataElement]]:
        """The student's batch ``[augmented; original]`` of a preprocessed
        batch; the augmented copies are made without gradient."""
        inputs, samples = data['inputs'], data['data_samples']
        with torch.no_grad(), autocast_off():
            augmented, augmented_samples = self.augment(
                unwrap(self.augmenter), inputs, samples)
        return torch.cat([augmented, inputs]), \
            list(augmented_samples) + list(samples)

    def augmenter_step(self, data: dict,
                       optim_wrapper: OptimWrapper) -> Dict[str, torch.Tensor]:
        """One step of the augmenter against the frozen networks."""
        student, teacher = unwrap(self.student), unwrap(self.teacher)
        data = self.data_preprocessor(data, True)
        # in float32 under AMP too: a student whose activations grew past
        # float16's range makes the objective NaN (seen at paper size on a
        # GPU), and augmenter steps are few next to student steps
        with frozen(student, teacher), \
                optim_wrapper.optim_context(self.augmenter), autocast_off():
            # the wrapped augmenter: under DDP its gradients are averaged
            augmented, samples = self.augment(self.augmenter, data['inputs'],
                                              data['data_samples'])
            losses = self.augmenter_loss(student, teacher, augmented, samples)
        parsed, log_vars = self.parse_losses(losses)
        optim_wrapper.update_params(parsed)
        if self.logit_clamp is not None:
            with torch.no_grad():
                for param in unwrap(self.augmenter).parameters():
                    param.clamp_(-self.logit_clamp, self.logit_clamp)
        return add_prefix(log_vars, 'augmenter')

    def augment(
        self, augmenter: nn.Module, inputs: torch.Tensor,
        samples: List[BaseDataElement]
    ) -> Tuple[torch.Tensor, List[BaseDataElement]]:
        """Augmented inputs and their data samples (classification: the
        labels do not change)."""
        return augmenter(inputs), samples

    def augmenter_loss(
            self, student: nn.Module, teacher: nn.Module,
            augmented: torch.Tensor,
            samples: List[BaseDataElement]) -> Dict[str, torch.Tensor]:
        """The augmenter's objective for classification.

        Other tasks override it (:class:`DenseTSTDistill`).
        """
        labels = torch.cat([s.gt_label for s in samples]).to(augmented.device)
        logits_t = teacher(augmented, mode='tensor').float()
        logits_s = student(augmented, mode='tensor').float()
        p_student = logits_s.softmax(1).gather(1, labels[:, None])[:, 0]
        return dict(
            loss_teacher_ce=F.cross_entropy(logits_t, labels),
            loss_student_negative=-torch.log(1 - p_student + self.eps).mean())
