# Copyright (c) tstkd_plugin contributors.
import torch
from torch import nn

from ..registry import MODELS


@MODELS.register_module()
class MaskedMSELoss(nn.Module):
    """Mean squared error inside a mask, normalised by the mask's area.

    ``sum(M * (s - t)^2) / (sum(M) * C)``: the mean over the masked
    locations and the channels. SoKD's reference summed over the masked
    locations but divided by the whole map and weighted the result by 1000;
    normalising by the area keeps the loss's scale independent of the mask.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, s_feature: torch.Tensor, t_feature: torch.Tensor,
                mask: torch.Tensor) -> torch.Tensor:
        """
        Args:
            s_feature (Tensor): (B, C, H, W).
            t_feature (Tensor): (B, C, H, W).
            mask (Tensor): (B, 1, H, W) in [0, 1].
        """
        mask = mask.to(s_feature.dtype)
        squared = (s_feature - t_feature).pow(2) * mask
        area = mask.sum() * s_feature.shape[1]
        return self.loss_weight * squared.sum() / area.clamp_min(1.0)
