# Copyright (c) tstkd_plugin contributors.
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..registry import MODELS
from .logit_rows import check_logit_loss_args, rows_and_mask


@MODELS.register_module()
class DenseKLDivergence(nn.Module):
    """Vanilla KD (Hinton) for classifier and dense logits.

    Every location of an (N, C, H, W) map is one sample with C classes, as in
    an (N * H * W, C) matrix of rows; the KL divergence of each row is summed
    over classes and averaged over rows. For (N, C) logits and softmax this is
    mmrazor's ``KLDivergence`` with ``reduction='batchmean'``; unlike it, the
    loss does not grow with the map size, and with ``activation='sigmoid'``
    each logit is a Bernoulli variable (dense detectors such as RetinaNet).

    Args:
        tau (float): Temperature. Defaults to 1.0.
        activation (str): ``'softmax'`` over classes or ``'sigmoid'`` per
            logit. Defaults to ``'softmax'``.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 tau: float = 1.0,
                 activation: str = 'softmax',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        check_logit_loss_args(tau, activation)
        self.tau = tau
        self.activation = activation
        self.loss_weight = loss_weight

    def forward(self,
                preds_S: torch.Tensor,
                preds_T: torch.Tensor,
                valid: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Compute the loss.

        Args:
            preds_S (Tensor): Student logits, (N, C) or (N, C, *spatial).
            preds_T (Tensor): Teacher logits of the same shape (detached).
            valid (Tensor, optional): Bool mask (N, *spatial) of the
                locations to use.
        """
        rows_s, rows_t = rows_and_mask(preds_S, preds_T, valid)
        if rows_s.numel() == 0:
            return preds_S.sum() * 0.0
        rows_s, rows_t = rows_s / self.tau, rows_t / self.tau
        if self.activation == 'softmax':
            kl = F.kl_div(
                F.log_softmax(rows_s, dim=1),
                F.log_softmax(rows_t, dim=1),
                reduction='none',
                log_target=True).sum(1)
        else:
            p_t = torch.sigmoid(rows_t)
            # KL(Bern(p_t) || Bern(p_s)) = BCE(s, p_t) - H(p_t)
            kl = (F.binary_cross_entropy_with_logits(
                rows_s, p_t, reduction='none') -
                  F.binary_cross_entropy_with_logits(
                      rows_t, p_t, reduction='none')).sum(1)
        return self.loss_weight * self.tau**2 * kl.mean()
