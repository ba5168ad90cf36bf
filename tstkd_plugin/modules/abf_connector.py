# Copyright (c) tstkd_plugin contributors.
"""ReviewKD's attention-based fusion (Chen et al., CVPR 2021)."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmrazor.models.architectures.connectors.base_connector import \
    BaseConnector
from torch import nn

from ..registry import MODELS


def as_feature_maps(features: Sequence[torch.Tensor]) -> List[torch.Tensor]:
    """The levels as (N, C, H, W) maps: a pooled vector (N, C), e.g. what
    mmpretrain's ``GlobalAveragePooling`` neck returns, is read as
    (N, C, 1, 1), the shape ReviewKD gives its pooled level."""
    return [f[..., None, None] if f.dim() == 2 else f for f in features]


def append_pooled_level(
        features: Sequence[torch.Tensor]) -> List[torch.Tensor]:
    """The features plus the global average of the deepest one, (N, C, 1, 1).

    ReviewKD reviews the pooled feature the classifier sees as one more,
    deepest level; mmpretrain's ``GlobalAveragePooling`` neck computes the
    same average.
    """
    features = as_feature_maps(features)
    return features + [features[-1].mean(dim=(2, 3), keepdim=True)]


class AttentionBasedFusion(nn.Module):
    """One ABF block: a student level fused with the review from below it.

    The level is projected to ``mid_channel`` (1x1 conv-BN); with ``fuse``,
    the residual from the deeper level is upsampled (nearest) to its size
    and the two are mixed by two per-pixel sigmoid attention maps. The mix,
    resized to the teacher's size, is the residual handed upwards; a 3x3
    conv-BN maps it to the teacher's channels.

    Args:
        in_channel (int): Channels of the student level.
        mid_channel (int): Channels of the residual path.
        out_channel (int): Channels of the teacher level.
        fuse (bool): Whether a deeper residual comes in (all but the
            deepest level).
        norm_cfg (dict): Normalisation after each conv. Defaults to BN.
    """

    def __init__(self,
                 in_channel: int,
                 mid_channel: int,
                 out_channel: int,
                 fuse: bool,
                 norm_cfg: Dict = dict(type='BN')) -> None:
        super().__init__()
        self.project = nn.Sequential(
            nn.Conv2d(in_channel, mid_channel, 1, bias=False),
            build_norm_layer(norm_cfg, mid_channel)[1])
        self.output = nn.Sequential(
            nn.Conv2d(mid_channel, out_channel, 3, padding=1, bias=False),
            build_norm_layer(norm_cfg, out_channel)[1])
        self.attention = nn.Sequential(
            nn.Conv2d(2 * mid_channel, 2, 1), nn.Sigmoid()) if fuse else None
        # The reference's initialisation of the two projections.
        nn.init.kaiming_uniform_(self.project[0].weight, a=1)
        nn.init.kaiming_uniform_(self.output[0].weight, a=1)

    def forward(
        self,
        feature: torch.Tensor,
        residual: Optional[torch.Tensor],
        out_size: Tuple[int, int],
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Return (the level in the teacher's shape, the residual upwards)."""
        x = self.project(feature)
        if self.attention is not None:
            residual = F.interpolate(residual, x.shape[-2:], mode='nearest')
            weights = self.attention(torch.cat([x, residual], dim=1))
            x = x * weights[:, 0:1] + residual * weights[:, 1:2]
        if tuple(x.shape[-2:]) != tuple(out_size):
            x = F.interpolate(x, out_size, mode='nearest')
        return self.output(x), x


@MODELS.register_module()
class ABFConnector(BaseConnector):
    """ReviewKD's review of the student's levels in the teacher's shapes.

    Takes the student's multi-level features, shallow to deep (e.g. the
    tuple a backbone with ``out_indices=(0, 1, 2, 3)`` returns, recorded
    whole), and returns one feature per level in the teacher's channels and
    sizes, same order; a level given as a vector (N, C) is read as
    (N, C, 1, 1). Level ``i`` is fused with the review of every level
    deeper than it, deepest first (:class:`AttentionBasedFusion`); pair the
    output with :class:`HCLLoss`.

    Args:
        in_channels (Sequence[int]): Student channels per level, shallow to
            deep, the pooled level included when ``append_pooled``.
        out_channels (Sequence[int]): Teacher channels per level, same order.
        mid_channel (int, optional): Channels of the residual path. Defaults
            to the reference's ``min(512, in_channels[-1])``.
        out_sizes (Sequence[int | tuple], optional): Teacher size (H, W) per
            level, same order; None keeps each student level's size.
        append_pooled (bool): Append the global average of the deepest
            student level as one more level (ReviewKD's pooled feature;
            give ``HCLLoss(append_teacher_pooled=True)`` to match it).
            Defaults to True.
        norm_cfg (dict): Normalisation after each conv. Defaults to BN.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 out_channels: Sequence[int],
                 mid_channel: Optional[int] = None,
                 out_sizes: Optional[Sequence] = None,
                 append_pooled: bool = True,
                 norm_cfg: Dict = dict(type='BN'),
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg)
        if len(in_channels) != len(out_channels) or not in_channels:
            raise ValueError(
                'in_channels and out_channels: expected one entry per level '
                f'each, got {list(in_channels)} and {list(out_channels)}')
        if out_sizes is not None and len(out_sizes) != len(in_channels):
            raise ValueError(
                f'out_sizes: expected {len(in_channels)} entries (one per '
                f'level, as in_channels), got {list(out_sizes)}')
        mid_channel = mid_channel or min(512, in_channels[-1])
        self.append_pooled = append_pooled
        self.out_sizes = None if out_sizes is None else [
            (size, size) if isinstance(size, int) else tuple(size)
            for size in out_sizes
        ]
        # every level but the deepest fuses the review coming from below
        fuse = [True] * (len(in_channels) - 1) + [False]
        self.fusions = nn.ModuleList([
            AttentionBasedFusion(c_in, mid_channel, c_out, f, norm_cfg)
            for c_in, c_out, f in zip(in_channels, out_channels, fuse)
        ])

    def forward_train(self,
                      features: Sequence[torch.Tensor]) -> Tuple[torch.Tensor]:
        features = append_pooled_level(features) if self.append_pooled \
            else as_feature_maps(features)
        if len(features) != len(self.fusions):
            raise ValueError(
                f'ABFConnector: got {len(features)} levels (the pooled one '
                f'{"included" if self.append_pooled else "not appended"}), '
                f'in_channels names {len(self.fusions)}')
        reviewed: List[Optional[torch.Tensor]] = [None] * len(features)
        residual = None
        for i in reversed(range(len(features))):
            out_size = (
                features[i].shape[-2:]
                if self.out_sizes is None else self.out_sizes[i])
            reviewed[i], residual = self.fusions[i](features[i], residual,
                                                    out_size)
        return tuple(reviewed)
