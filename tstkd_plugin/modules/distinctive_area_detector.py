# Copyright (c) tstkd_plugin contributors.
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import nn

from ..registry import MODELS


def _head(in_channels: int,
          feat_channels: int,
          out_channels: int,
          bias: float = 0.0) -> nn.Sequential:
    head = nn.Sequential(
        nn.Conv2d(in_channels, feat_channels, 3, padding=1),
        nn.ReLU(inplace=True), nn.Conv2d(feat_channels, out_channels, 1))
    nn.init.constant_(head[-1].bias, bias)
    return head


def activation_energy(features: torch.Tensor) -> torch.Tensor:
    """(B, 1, H, W) mean squared activation over channels, scaled to a
    maximum of 1 per sample: where a feature map carries its signal."""
    energy = features.detach().float().pow(2).mean(1, keepdim=True)
    return energy / energy.amax((2, 3), keepdim=True).clamp_min(1e-12)


@MODELS.register_module()
class DistinctiveAreaDetector(BaseModule):
    """SoKD's Distinctive Area Detection Module (DAM), CenterNet-style.

    Three heads (conv3x3-ReLU-conv1x1) on a feature map predict a heatmap
    (``num_heatmaps`` channels, sigmoid), a box size and a sub-cell offset
    per location. One DAM is shared by the teacher's (augmented) and the
    student's (adapted) features; :meth:`regions` turns the top-``num_peaks``
    3x3 peaks of a heatmap into a mask, the union of their boxes.

    Against the reference's collapse (its DAM learnt only from matching
    itself on the two inputs, and a ReLU before the sigmoid kept the
    heatmap >= 0.5): the heatmap logits have no ReLU and get a real target,
    the teacher's activation energy (:func:`activation_energy`), in
    :meth:`heatmap_loss`; box sides are bounded to ``[min_size, max_size]``
    of the map and each peak's own cell is always in the mask, so a mask is
    never empty and covers at most ``num_peaks * max_size**2`` of the map.

    Args:
        in_channels (int): Channels of the features it reads (the
            teacher's; the student's are adapted to them).
        feat_channels (int): Hidden channels of each head. Defaults to 64.
        num_heatmaps (int): Heatmap channels. Defaults to 1.
        num_peaks (int): Peaks (boxes) per mask, K. Defaults to 8.
        min_size (float): Smallest box side, a fraction of the map side.
            Defaults to 0.1.
        max_size (float): Largest box side, a fraction of the map side.
            Defaults to 0.3.
        min_peak_ratio (float): Peaks below this fraction of the image's
            highest peak are left out (at most ``num_peaks`` are kept, at
            least one): on a flat background every cell is a 3x3 maximum,
            and plain top-K would pick some of them. 0 gives the reference's
            plain top-K. Defaults to 0.5.
        peak_channels (str): Where peaks are picked: ``'all'`` (the
            reference's CenterNet rule, top-K over the peaks of every heatmap
            channel, so channels that learnt the same map put several of the
            K peaks on one place) or ``'max'`` (on the channel-wise maximum
            of the heatmaps: K distinct places). Defaults to ``'all'``.
        min_cells (float): Smallest box side in cells of the map, on top of
            ``min_size`` (on a 14x14 map ``min_size=0.1`` is a box of one
            or two cells). Defaults to 0 (no floor).
        init_cfg (dict, optional): mmengine init config.
    """

    # its heatmap learns the teacher's activation energy (heatmap_loss);
    # SoKDDistiller refuses loss_heatmap_weight > 0 for a DAM without one
    has_heatmap_target = True

    def __init__(self,
                 in_channels: int,
                 feat_channels: int = 64,
                 num_heatmaps: int = 1,
                 num_peaks: int = 8,
                 min_size: float = 0.1,
                 max_size: float = 0.3,
                 min_peak_ratio: float = 0.5,
                 peak_channels: str = 'all',
                 min_cells: float = 0.,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        if not isinstance(in_channels, int) or in_channels < 1:
            raise ValueError(f'in_channels: expected a positive int, got '
                             f'{in_channels!r}')
        if num_peaks < 1:
            raise ValueError(f'num_peaks: expected >= 1, got {num_peaks}')
        if not 0 < min_size <= max_size <= 1:
            raise ValueError('min_size, max_size: expected 0 < min_size <= '
                             f'max_size <= 1, got {min_size}, {max_size}')
        if not 0 <= min_peak_ratio <= 1:
            raise ValueError('min_peak_ratio: expected a value in [0, 1], '
                             f'got {min_peak_ratio}')
        if peak_channels not in ('all', 'max'):
            raise ValueError("peak_channels: expected 'all' or 'max', got "
                             f'{peak_channels!r}')
        if min_cells < 0:
            raise ValueError(f'min_cells: expected >= 0, got {min_cells}')
        self.peak_channels = peak_channels
        self.min_cells = min_cells
        self.num_peaks = num_peaks
        self.min_peak_ratio = min_peak_ratio
        self.min_size, self.max_size = min_size, max_size
        # CenterNet's prior: heatmap starts at sigmoid(-2.19) = 0.1
        self.heatmap = _head(in_channels, feat_channels, num_heatmaps, -2.19)
        self.size = _head(in_channels, feat_channels, 2)
        self.offset = _head(in_channels, feat_channels, 2)

    def forward(self, features: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Heatmap logits (B, K, H, W), box sides as fractions of the map
        (B, 2, H, W; height, width) and offsets in [0, 1) of a cell (B, 2,
        H, W; y, x)."""
        span = self.max_size - self.min_size
        return dict(
            heatmap=self.heatmap(features),
            size=self.min_size + span * torch.sigmoid(self.size(features)),
            offset=torch.sigmoid(self.offset(features)))

    @staticmethod
    def consistency_loss(student: Dict[str, torch.Tensor],
                         teacher: Dict[str, torch.Tensor]) -> torch.Tensor:
        """Mutual interest: MSE between the two outputs (heatmaps as
        probabilities)."""
        return F.mse_loss(student['heatmap'].sigmoid(),
                          teacher['heatmap'].sigmoid()) + \
            F.mse_loss(student['size'], teacher['size']) + \
            F.mse_loss(student['offset'], teacher['offset'])

    @staticmethod
    def heatmap_loss(output: Dict[str, torch.Tensor],
                     target: torch.Tensor) -> torch.Tensor:
        """Binary cross-entropy of the heatmap against a target in [0, 1]
        (B, 1 or K, H, W)."""
        logits = output['heatmap']
        return F.binary_cross_entropy_with_logits(
            logits,
            target.to(logits.dtype).expand_as(logits))

    @torch.no_grad()
    def regions(self, output: Dict[str, torch.Tensor]) -> torch.Tensor:
        """(B, 1, H, W) float mask: the union of the boxes of the top
        ``num_peaks`` 3x3 peaks (over all heatmap channels, or on their
        maximum: ``peak_channels``), those above ``min_peak_ratio`` of the
        highest."""
        heat = output['heatmap'].float().sigmoid()
        if self.peak_channels == 'max':
            heat = heat.amax(1, keepdim=True)
        b, k, h, w = heat.shape
        peaks = heat * (heat == F.max_pool2d(heat, 3, 1, 1))
        n = min(self.num_peaks, k * h * w)
        scores, index = peaks.flatten(1).topk(n, 1)
        kept = scores >= self.min_peak_ratio * scores[:, :1]  # (B, n)
        index = index % (h * w)
        py, px = (index // w).float(), (index % w).float()

        def at_peaks(x: torch.Tensor) -> torch.Tensor:  # (B, 2, H, W)
            flat = x.float().flatten(2)
            return flat.gather(2, index[:, None].expand(-1, 2, -1))

        size, offset = at_peaks(output['size']), at_peaks(output['offset'])
        cy = py + offset[:, 0] - 0.5
        cx = px + offset[:, 1] - 0.5
        half_h = (size[:, 0] * h).clamp_min(self.min_cells) / 2
        half_w = (size[:, 1] * w).clamp_min(self.min_cells) / 2
        ys = torch.arange(h, device=heat.device).view(1, 1, h, 1)
        xs = torch.arange(w, device=heat.device).view(1, 1, 1, w)
        inside_h = (ys - cy[..., None, None]).abs() <= half_h[..., None, None]
        inside_w = (xs - cx[..., None, None]).abs() <= half_w[..., None, None]
        inside = inside_h & inside_w
        own_cell = (ys == py[..., None, None]) & (xs == px[..., None, None])
        boxes = (inside | own_cell) & kept[..., None, None]
        return boxes.any(1, keepdim=True).float()
