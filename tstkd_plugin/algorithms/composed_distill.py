# Copyright (c) tstkd_plugin contributors.
import contextlib
from typing import Dict, Iterator, List, Optional, Tuple, Union

import torch
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.structures import BaseDataElement
from mmrazor.models.utils import add_prefix
from torch import nn

from ..engine.float32 import autocast_off
from ..registry import MODELS, TASK_UTILS
from ..utils import check_optim_wrapper_dict, unwrap
from ..utils.distill_config_checks import build_named
from .checked_single_teacher_distill import CheckedSingleTeacherDistill
from .parts import SoKDPolicySearch, StudentRoIs, TSTObjective


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


def _part(cfg, key: str):
    """A part given as an object or as a config of ``TASK_UTILS``."""
    if cfg is None or not isinstance(cfg, dict):
        return cfg
    return build_named(cfg, f'model.{key}', registry=TASK_UTILS)


@MODELS.register_module()
class ComposedDistill(CheckedSingleTeacherDistill):
    """Single-teacher distillation with optional parts, chosen by config:

    - ``augmenter`` + ``augmenter_objective`` (TST): the student learns on
      ``[augmented; original]``, the loader yielding B/2 originals whose
      augmented copies are made without gradient (in float32); the
      augmenter is trained in phases of its own by the TST train loops
      (``TSTEpochBasedTrainLoop``, ``TSTIterBasedTrainLoop``), which call
      :meth:`augmenter_train_step`. The objective part
      (:class:`~tstkd_plugin.algorithms.parts.TSTObjective`, or
      ``DenseTSTObjective`` for detection and segmentation) says how a
      batch and its targets are augmented and what the augmenter minimises.
    - ``feature_search`` (SoKD,
      :class:`~tstkd_plugin.algorithms.parts.SoKDPolicySearch`): the
      distiller is a ``SoKDDistiller`` (it refines the teacher's features
      on the host's losses); the student's update also steps the feature
      policy while it is searched.
    - ``student_rois`` (:class:`~tstkd_plugin.algorithms.parts.StudentRoIs`):
      the teacher's RoI head scores the student's sampled RoIs (two-stage
      detectors).

    One student step, :meth:`train_step`: the preprocessed batch, TST's
    ``[augmented; original]`` if an augmenter is set, the losses
    (:meth:`loss`; the student's RoIs through the teacher if set), the
    update (SoKD's, with the policy's search step, if set). The method
    names the configs use (``TSTDistill``, ``DenseTSTDistill``,
    ``SoKDDistill``, ``TSTSoKDDistill``, ``StudentRoIsDistill``,
    ``TSTStudentRoIsDistill``) are this algorithm with their parts
    (:mod:`tstkd_plugin.algorithms.method_names`).

    With TST or SoKD the optimizer is a dict: ``architecture`` (the student,
    and SoKD's adapters and DAMs), ``augmenter`` (TST) and
    ``feature_augment`` (SoKD's policies).

    Args:
        augmenter (dict, optional): TST's augmenter (``LearnableAugment``);
            its ``mean``/``std`` default to the data preprocessor's.
            Defaults to None: no TST.
        augmenter_objective (TSTObjective | dict, optional): TST's objective;
            defaults to :attr:`default_objective` when ``augmenter`` is set.
        feature_search (SoKDPolicySearch | dict, optional): SoKD's policy
            search. Defaults to None: no SoKD.
        student_rois (StudentRoIs | dict, optional): The teacher scores the
            student's RoIs. Defaults to None.
        **kwargs: The arguments of ``CheckedSingleTeacherDistill``.
    """

    # TST's objective when the config names none
    default_objective = TSTObjective

    def __init__(self,
                 augmenter: Optional[dict] = None,
                 augmenter_objective: Union[TSTObjective, dict, None] = None,
                 feature_search: Union[SoKDPolicySearch, dict, None] = None,
                 student_rois: Union[StudentRoIs, dict, None] = None,
                 **kwargs) -> None:
        if augmenter is None and augmenter_objective is not None:
            raise ValueError('model.augmenter_objective: TST needs '
                             'model.augmenter too')
        if augmenter is not None and augmenter_objective is None:
            augmenter_objective = self.default_objective()
        self.augmenter_objective = _part(augmenter_objective,
                                         'augmenter_objective')
        self.feature_search = _part(feature_search, 'feature_search')
        self.student_rois = _part(student_rois, 'student_rois')
        super().__init__(**kwargs)
        if self.feature_search is not None and not hasattr(
                self.distiller, 'feature_augments'):
            raise ValueError(f'model.distiller.type: {type(self).__name__} '
                             'needs SoKDDistiller; got '
                             f'{type(self.distiller).__name__}')
        if self.student_rois is not None:
            self.student_rois.attach(self)
        self.augmenter = None
        if augmenter is not None:
            self.augmenter = build_named(
                self.augmenter_objective.augmenter_config(
                    augmenter, self.data_preprocessor), 'model.augmenter')
            self.augmenter_objective.check_augmenter(self.augmenter)

    @property
    def optimizer_keys(self) -> Tuple[str, ...]:
        """The keys of the optimizer dict the parts need."""
        return ('architecture', ) + self.fixed_lr_optimizers

    @property
    def fixed_lr_optimizers(self) -> Tuple[str, ...]:
        """The parts' optimizers, kept out of ``auto_scale_lr``
        (:mod:`tstkd_plugin.compat.auto_scale_lr`)."""
        return (('augmenter', ) if self.augmenter is not None else ()) + (
            ('feature_augment', ) if self.feature_search is not None else ())

    def check_optim_wrapper(self, optim_wrapper: OptimWrapperDict) -> None:
        """One optimizer per key of :attr:`optimizer_keys`; no AMP with
        SoKD's unrolled search."""
        constructor = 'mmrazor.SeparateOptimWrapperConstructor'
        if self.feature_search is not None:
            constructor = 'SoKDOptimWrapperConstructor' + (
                " with the key 'augmenter'"
                if self.augmenter is not None else '')
        check_optim_wrapper_dict(optim_wrapper, self.optimizer_keys,
                                 type(self).__name__, constructor)
        if self.feature_search is not None:
            self.feature_search.check_amp(optim_wrapper)

    def train_step(
        self, data: dict, optim_wrapper: Union[OptimWrapper, OptimWrapperDict]
    ) -> Dict[str, torch.Tensor]:  # noqa: E125
        """One student step (class docstring)."""
        if self.augmenter is None and self.feature_search is None:
            return super().train_step(data, optim_wrapper)
        self.check_optim_wrapper(optim_wrapper)
        data = self.data_preprocessor(data, True)
        inputs, samples = data['inputs'], data['data_samples']
        if self.augmenter is not None:
            inputs, samples = self.augmented_batch(inputs, samples)
        if self.feature_search is not None:
            self._unwrap_distiller()
            return self.feature_search.student_step(self, inputs, samples,
                                                    optim_wrapper)
        student = optim_wrapper['architecture']
        with student.optim_context(self):
            losses = self.loss(inputs, samples)
        parsed, log_vars = self.parse_losses(losses)
        student.update_params(parsed)
        return log_vars

    def loss(self,
             batch_inputs: torch.Tensor,
             data_samples: Optional[List[BaseDataElement]] = None) -> dict:
        """mmrazor's losses, or the student's RoIs through the teacher."""
        if self.student_rois is not None:
            return self.student_rois.loss(self, batch_inputs, data_samples)
        return super().loss(batch_inputs, data_samples)

    def augmented_batch(
        self, inputs: torch.Tensor, samples: List[BaseDataElement]
    ) -> Tuple[torch.Tensor, List[BaseDataElement]]:
        """The student's batch ``[augmented; original]`` of a preprocessed
        batch; the augmented copies are made without gradient."""
        with torch.no_grad(), autocast_off():
            augmented, augmented_samples = self.augmenter_objective.augment(
                unwrap(self.augmenter), inputs, samples)
        return torch.cat([augmented, inputs]), \
            list(augmented_samples) + list(samples)

    def augmenter_train_step(
            self, data: dict,
            optim_wrapper: OptimWrapperDict) -> Dict[str, torch.Tensor]:
        """One step of TST's augmenter against the frozen networks (teacher
        and student in eval mode, no parameter gradients), what the TST
        train loops run in their augmenter phases."""
        if self.augmenter is None:
            raise ValueError(f'model.augmenter: {type(self).__name__} has no '
                             'augmenter to train')
        self.check_optim_wrapper(optim_wrapper)
        wrapper = optim_wrapper['augmenter']
        student, teacher = unwrap(self.student), unwrap(self.teacher)
        data = self.data_preprocessor(data, True)
        # in float32 under AMP too: a student whose activations grew past
        # float16's range makes the objective NaN (seen at paper size on a
        # GPU), and augmenter steps are few next to student steps
        with frozen(student, teacher), \
                wrapper.optim_context(self.augmenter), autocast_off():
            # the wrapped augmenter: under DDP its gradients are averaged
            augmented, samples = self.augmenter_objective.augment(
                self.augmenter, data['inputs'], data['data_samples'])
            losses = self.augmenter_objective.loss(student, teacher, augmented,
                                                   samples)
        parsed, log_vars = self.parse_losses(losses)
        wrapper.update_params(parsed)
        clamp = self.augmenter_objective.logit_clamp
        if clamp is not None:
            with torch.no_grad():
                for param in unwrap(self.augmenter).parameters():
                    param.clamp_(-clamp, clamp)
        return add_prefix(log_vars, 'augmenter')

    def _unwrap_distiller(self) -> None:
        """SoKD's distiller is used through its methods, never its forward,
        so a DDP wrapper around it (``MMSeparateDistributedDataParallel``
        wraps every child with parameters) would neither work nor average
        its gradients: it is taken out, and SoKD's update averages them."""
        if is_model_wrapper(self.distiller):
            self._modules['distiller'] = self.distiller.module
