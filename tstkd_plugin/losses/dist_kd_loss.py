# Copyright (c) tstkd_plugin contributors.
from typing import List, Optional, Union

import torch
import torch.nn as nn

from ..registry import MODELS
from .logit_rows import (check_logit_loss_args, gather_rows, probabilities,
                         resize_mask, rows_and_mask)


def pearson_rows(a: torch.Tensor,
                 b: torch.Tensor,
                 eps: float = 1e-8) -> torch.Tensor:
    """Pearson correlation of each row of ``a`` with the same row of ``b``.

    A constant row has correlation 0 (not NaN), also in the backward pass.
    """
    a = a - a.mean(1, keepdim=True)
    b = b - b.mean(1, keepdim=True)
    # sqrt(sum + tiny) keeps the gradient finite for an all-zero row, where
    # the gradient of a plain norm is 0/0.
    norm_a = (a.pow(2).sum(1) + eps * eps).sqrt()
    norm_b = (b.pow(2).sum(1) + eps * eps).sqrt()
    return (a * b).sum(1) / (norm_a * norm_b + eps)


def target_to_valid(target: Union[torch.Tensor, List, None],
                    ignore_index: int) -> Optional[torch.Tensor]:
    """A bool map of the labelled pixels from a label map or data samples.

    Args:
        target (Tensor | list, optional): Labels (N, H, W), or mmseg data
            samples with ``gt_sem_seg``.
        ignore_index (int): The label of pixels to leave out.
    """
    if target is None:
        return None
    if isinstance(target, (list, tuple)):
        target = torch.stack([s.gt_sem_seg.data.squeeze(0) for s in target])
    return target != ignore_index


@MODELS.register_module()
class DISTKDLoss(nn.Module):
    """DIST: knowledge distillation from a stronger teacher (Huang et al.).

    Matches the *relations* of predictions rather than their values:
    ``Y = act(Z / tau)``; the inter-class term is ``1 - mean_i rho(Y_s[i],
    Y_t[i])`` over samples i (rows), the intra-class term ``1 - mean_j
    rho(Y_s[:, j], Y_t[:, j])`` over classes j (columns), with rho the
    Pearson correlation; ``L = loss_weight * tau^2 * (inter_loss_weight *
    inter + intra_loss_weight * intra)``.

    Dense logits (N, C, H, W) are an (N * H * W, C) matrix: every location is
    one row, and the intra-class term correlates each class over *all* rows.
    (mmrazor 1.0.0's ``DISTLoss`` correlates over the batch at each location
    on 4-D input instead.) With a label map, pixels of ``ignore_index`` are
    left out. The loss is computed in fp32 whatever the input dtype; the
    teacher is detached.

    Under DDP each rank holds its own rows. The inter-class term is a mean
    over rows, so per-rank means averaged by DDP equal the whole batch's
    when ranks hold equally many rows; the intra-class term correlates
    columns over the rows and differs on B/2 rows from B rows. With
    ``gather_rows=True`` the probability rows of all ranks are gathered
    (differentiably) and both terms are computed on the whole batch on every
    rank: the loss is the 1 x B loss, and after DDP averages the gradients
    the student gets the 1 x B gradient (tested on 2 CPU ranks). It costs
    an all-gather of (rows x classes) per step.

    Args:
        tau (float): Temperature. Defaults to 1.0.
        inter_loss_weight (float): beta. Defaults to 1.0.
        intra_loss_weight (float): gamma. Defaults to 1.0.
        loss_weight (float): Overall weight. Defaults to 1.0.
        activation (str): ``'softmax'`` over classes, or ``'sigmoid'`` per
            logit (dense detectors with sigmoid classifiers). Defaults to
            ``'softmax'``.
        ignore_index (int): Label left out when a target map is given.
            Defaults to 255.
        gather_rows (bool): Compute the loss on the rows of all ranks
            (above). Defaults to False.
    """

    def __init__(self,
                 tau: float = 1.0,
                 inter_loss_weight: float = 1.0,
                 intra_loss_weight: float = 1.0,
                 loss_weight: float = 1.0,
                 activation: str = 'softmax',
                 ignore_index: int = 255,
                 gather_rows: bool = False) -> None:
        super().__init__()
        check_logit_loss_args(tau, activation)
        self.tau = tau
        self.inter_loss_weight = inter_loss_weight
        self.intra_loss_weight = intra_loss_weight
        self.loss_weight = loss_weight
        self.activation = activation
        self.ignore_index = ignore_index
        self.gather_rows = gather_rows

    def forward(self,
                preds_S: torch.Tensor,
                preds_T: torch.Tensor,
                target: Union[torch.Tensor, List, None] = None,
                valid: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Compute the loss.

        Args:
            preds_S (Tensor): Student logits, (N, C) or (N, C, *spatial).
            preds_T (Tensor): Teacher logits of the same shape.
            target (Tensor | list, optional): Label map (N, H, W) or mmseg
                data samples; ``ignore_index`` pixels are left out. It is
                brought to the logits' size by nearest sampling.
            valid (Tensor, optional): Bool mask (N, *spatial) of the
                locations to use (combined with ``target``).
        """
        labelled = target_to_valid(target, self.ignore_index)
        if labelled is not None and valid is not None:
            spatial = preds_S.shape[2:]
            valid = resize_mask(labelled.to(valid.device), spatial) & \
                resize_mask(valid, spatial)
        elif labelled is not None:
            valid = labelled
        rows_s, rows_t = rows_and_mask(preds_S, preds_T, valid)
        y_s = probabilities(rows_s, self.tau, self.activation)
        y_t = probabilities(rows_t, self.tau, self.activation)
        if self.gather_rows:  # every rank takes part, even without rows
            y_s, y_t = gather_rows(y_s), gather_rows(y_t.detach())
        if y_s.shape[0] == 0:
            return preds_S.sum() * 0.0
        inter = 1 - pearson_rows(y_s, y_t).mean()
        intra = 1 - pearson_rows(y_s.t(), y_t.t()).mean()
        loss = self.inter_loss_weight * inter + self.intra_loss_weight * intra
        return self.loss_weight * self.tau**2 * loss
