# Copyright (c) tstkd_plugin contributors.
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import nn

from ..registry import MODELS


def _relu_head(in_channels: int, feat_channels: int,
               out_channels: int) -> nn.Sequential:
    # the reference's heads end in a ReLU: heatmap logits >= 0 (so the
    # heatmap is >= 0.5), sizes and offsets >= 0
    return nn.Sequential(
        nn.Conv2d(in_channels, feat_channels, 3, padding=1),
        nn.ReLU(inplace=True), nn.Conv2d(feat_channels, out_channels, 1),
        nn.ReLU(inplace=True))


@MODELS.register_module()
class ReferenceAreaDetector(BaseModule):
    """SoKD's DAM as the reference code builds it (SoKD's reference-parity
    mode; :class:`DistinctiveAreaDetector` is the plugin's own).

    What it reproduces, measured as collapsing (``configs/sokd/README.md``):
    three heads conv3x3-ReLU-conv1x1-ReLU; sizes in cells of the map and
    offsets, both unbounded above, channel 0 along x; the heatmap learns
    only from the consistency of its two inputs (no target); the mask is the
    sum of the boxes of the top ``num_peaks`` 3x3 peaks over all heatmap
    channels, each box the cells between the truncated corners (clamped to
    the map), both ends included, so overlapping boxes count twice.

    Args:
        in_channels (int): Channels of the features it reads.
        feat_channels (int): Hidden channels of each head (the reference:
            ``in_channels``). Defaults to 64.
        num_heatmaps (int): Heatmap channels (the reference: 100).
            Defaults to 100.
        num_peaks (int): Boxes per mask (the reference's ``AREA_NUM``).
            Defaults to 8.
        init_cfg (dict, optional): mmengine init config.
    """

    has_heatmap_target = False

    def __init__(self,
                 in_channels: int,
                 feat_channels: int = 64,
                 num_heatmaps: int = 100,
                 num_peaks: int = 8,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        for key, value in (('in_channels', in_channels), ('feat_channels',
                                                          feat_channels),
                           ('num_heatmaps', num_heatmaps), ('num_peaks',
                                                            num_peaks)):
            if isinstance(value,
                          bool) or not isinstance(value, int) or value < 1:
                raise ValueError(
                    f'{key}: expected a positive int, got {value!r}')
        self.num_peaks = num_peaks
        self.heatmap = _relu_head(in_channels, feat_channels, num_heatmaps)
        self.size = _relu_head(in_channels, feat_channels, 2)
        self.offset = _relu_head(in_channels, feat_channels, 2)

    def forward(self, features: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Heatmap logits (B, K, H, W), box sides in cells (B, 2, H, W;
        width, height) and offsets in cells (B, 2, H, W; x, y)."""
        return dict(
            heatmap=self.heatmap(features),
            size=self.size(features),
            offset=self.offset(features))

    @staticmethod
    def consistency_loss(student: Dict[str, torch.Tensor],
                         teacher: Dict[str, torch.Tensor]) -> torch.Tensor:
        """One MSE over the concatenated outputs (heatmaps as
        probabilities), as the reference's area loss."""

        def joined(out: Dict[str, torch.Tensor]) -> torch.Tensor:
            return torch.cat(
                (out['heatmap'].sigmoid(), out['size'], out['offset']), 1)

        return F.mse_loss(joined(student), joined(teacher))

    @torch.no_grad()
    def regions(self, output: Dict[str, torch.Tensor]) -> torch.Tensor:
        """(B, 1, H, W) float mask: per cell, the number of the top
        ``num_peaks`` peaks' boxes that hold it."""
        heat = output['heatmap'].float().sigmoid()
        b, k, h, w = heat.shape
        peaks = heat * (heat == F.max_pool2d(heat, 3, 1, 1))
        index = peaks.flatten(1).topk(min(self.num_peaks, k * h * w),
                                      1).indices % (
                                          h * w)

        def at_peaks(x: torch.Tensor) -> torch.Tensor:  # (B, 2, n)
            return x.float().flatten(2).gather(
                2, index[:, None].expand(-1, 2, -1))

        size, offset = at_peaks(output['size']), at_peaks(output['offset'])
        cx = (index % w).float() + offset[:, 0]
        cy = torch.div(index, w, rounding_mode='floor').float() + offset[:, 1]
        # corners truncated towards zero (all >= 0 after the lower clamp)
        x1 = (cx - size[:, 0] / 2).clamp(min=0).long()
        y1 = (cy - size[:, 1] / 2).clamp(min=0).long()
        x2 = (cx + size[:, 0] / 2).clamp(max=w - 1).long()
        y2 = (cy + size[:, 1] / 2).clamp(max=h - 1).long()
        ys = torch.arange(h, device=heat.device).view(1, 1, h, 1)
        xs = torch.arange(w, device=heat.device).view(1, 1, 1, w)

        def between(grid: torch.Tensor, low: torch.Tensor,
                    high: torch.Tensor) -> torch.Tensor:
            return (grid >= low[..., None, None]) & (
                grid <= high[..., None, None])

        boxes = between(ys, y1, y2) & between(xs, x1, x2)  # (B, n, H, W)
        return boxes.float().sum(1, keepdim=True)
