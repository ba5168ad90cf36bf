# Copyright (c) tstkd_plugin contributors.
"""ReviewKD's hierarchical context loss (Chen et al., CVPR 2021)."""
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..modules.abf_connector import append_pooled_level, as_feature_maps
from ..registry import MODELS


@MODELS.register_module()
class HCLLoss(nn.Module):
    """Mean squared error per level, plus pyramids of pooled contexts.

    For each pair of levels the loss is the MSE of the full maps and of
    their adaptive averages to each ``pool_sizes`` grid smaller than the
    map, the k-th of these weighted 2^-k, the sum divided by the sum of the
    weights; the levels' losses are summed. With the reference's sizes
    (4, 2, 1) an 8x8 level weighs its full map 1 and the 4x4, 2x2, 1x1
    contexts 1/2, 1/4, 1/8 (total 15/8); a 1x1 level is a plain MSE.

    Args:
        loss_weight (float): Weight of the summed loss. Defaults to 1.0.
        pool_sizes (Sequence[int]): Context grids, largest first. Defaults
            to the reference's (4, 2, 1).
        append_teacher_pooled (bool): Append the global average of the
            teacher's deepest level (ReviewKD's pooled feature), to match
            ``ABFConnector(append_pooled=True)``. Defaults to True.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 pool_sizes: Sequence[int] = (4, 2, 1),
                 append_teacher_pooled: bool = True) -> None:
        super().__init__()
        if any(not isinstance(s, int) or s < 1 for s in pool_sizes):
            raise ValueError('pool_sizes: expected positive ints, got '
                             f'{list(pool_sizes)}')
        self.loss_weight = loss_weight
        self.pool_sizes = tuple(pool_sizes)
        self.append_teacher_pooled = append_teacher_pooled

    def level_loss(self, s_feat: torch.Tensor,
                   t_feat: torch.Tensor) -> torch.Tensor:
        """The hierarchical context loss of one level."""
        loss = F.mse_loss(s_feat, t_feat)
        weight, total_weight = 1.0, 1.0
        for size in self.pool_sizes:
            if size >= s_feat.shape[-2]:
                continue
            weight /= 2
            loss = loss + weight * F.mse_loss(
                F.adaptive_avg_pool2d(s_feat, size),
                F.adaptive_avg_pool2d(t_feat, size))
            total_weight += weight
        return loss / total_weight

    def forward(self, s_feats: Sequence[torch.Tensor],
                t_feats: Sequence[torch.Tensor]) -> torch.Tensor:
        """Forward function.

        Args:
            s_feats (Sequence[Tensor]): The student's reviewed levels, e.g.
                an :class:`ABFConnector`'s output, shallow to deep.
            t_feats (Sequence[Tensor]): The teacher's levels, same order,
                without the pooled one when ``append_teacher_pooled``. A
                level given as a vector (N, C) is read as (N, C, 1, 1).
        """
        s_feats = as_feature_maps(s_feats)
        t_feats = append_pooled_level(t_feats) if \
            self.append_teacher_pooled else as_feature_maps(t_feats)
        if len(s_feats) != len(t_feats):
            raise ValueError(
                f'HCLLoss: {len(s_feats)} student levels against '
                f'{len(t_feats)} teacher levels (the pooled one '
                f'{"appended" if self.append_teacher_pooled else "not"} '
                'to the teacher\'s); ABFConnector.append_pooled and '
                'append_teacher_pooled must agree')
        for i, (s_feat, t_feat) in enumerate(zip(s_feats, t_feats)):
            if s_feat.shape != t_feat.shape:
                raise ValueError(
                    f'HCLLoss: level {i} has student shape '
                    f'{tuple(s_feat.shape)} and teacher shape '
                    f'{tuple(t_feat.shape)}; set the connector\'s '
                    'out_channels/out_sizes to the teacher\'s')
        loss = sum(
            self.level_loss(s_feat, t_feat)
            for s_feat, t_feat in zip(s_feats, t_feats))
        return self.loss_weight * loss
