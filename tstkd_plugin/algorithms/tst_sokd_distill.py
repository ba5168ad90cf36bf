# Copyright (c) tstkd_plugin contributors.
from typing import Dict

import torch
from mmengine.optim import OptimWrapperDict

from ..registry import MODELS
from ..utils import check_optim_wrapper_dict
from .sokd_distill import SoKDDistill
from .tst_distill import TSTDistill


@MODELS.register_module()
class TSTSoKDDistill(TSTDistill, SoKDDistill):
    """TST and SoKD switched on together, on top of the distiller's host
    losses (e.g. DIST): TST augments the inputs, SoKD the teacher's
    features.

    - Augmenter phases (:class:`TSTPhaseHook`): TST's augmenter step,
      unchanged (:meth:`TSTDistill.augmenter_step`; SoKD is not involved,
      the objective is on the logits).
    - Student steps: TST's batch ``[augmented; original]``
      (:meth:`TSTDistill.augmented_batch`) goes through SoKD's step
      (:meth:`SoKDDistill.sokd_step`): the host's and SoKD's losses, the
      student (with adapters and DAMs) and, while searching, the feature
      policy stepping on the same backward pass. With
      ``search='unrolled'`` the virtual step is taken on the augmented half
      and the policy steps on the original half.

    Three optimizers (``SoKDOptimWrapperConstructor`` with the extra key
    ``augmenter``): ``architecture``, ``feature_augment``, ``augmenter``.

    Args:
        augmenter (dict): TST's augmenter (see :class:`TSTDistill`).
        eps (float): TST's bounded student term. Defaults to 1e-6.
        search_epochs (int, optional): SoKD's policy search, in epochs.
        search_iters (int, optional): SoKD's policy search, in iterations.
        search (str): SoKD's search mode (see :class:`SoKDDistill`).
        unroll_lr (float, optional): SoKD's virtual-step learning rate.
        **kwargs: The arguments of ``CheckedSingleTeacherDistill``.
    """

    OPTIMIZERS = ('architecture', 'augmenter', 'feature_augment')
    # kept out of auto_scale_lr (tstkd_plugin/engine/auto_scale_lr.py)
    FIXED_LR_OPTIMIZERS = ('augmenter', 'feature_augment')

    def __init__(self,
                 augmenter: dict,
                 eps: float = 1e-6,
                 search_epochs=None,
                 search_iters=None,
                 search: str = 'first_order',
                 unroll_lr=None,
                 **kwargs) -> None:
        # TSTDistill.__init__ passes the SoKD arguments on to SoKDDistill
        super().__init__(
            augmenter=augmenter,
            eps=eps,
            search_epochs=search_epochs,
            search_iters=search_iters,
            search=search,
            unroll_lr=unroll_lr,
            **kwargs)

    def train_step(self, data: dict,
                   optim_wrapper: OptimWrapperDict) -> Dict[str, torch.Tensor]:
        check_optim_wrapper_dict(
            optim_wrapper, self.OPTIMIZERS, 'TSTSoKDDistill',
            "SoKDOptimWrapperConstructor with the key 'augmenter'")
        self.check_amp(optim_wrapper)
        if bool(self.augmenter_phase):
            return self.augmenter_step(data, optim_wrapper['augmenter'])
        inputs, samples = self.augmented_batch(
            self.data_preprocessor(data, True))
        return self.sokd_step(inputs, samples, optim_wrapper)
