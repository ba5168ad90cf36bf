# Copyright (c) tstkd_plugin contributors.
# The network follows the CIFAR-100 definition of CRD (Tian et al.,
# "Contrastive Representation Distillation", ICLR 2020;
# github.com/HobbitLong/RepDistiller), which the distillation papers'
# CIFAR-100 tables use.
from typing import Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.models.utils import channel_shuffle
from mmpretrain.registry import MODELS
from torch import nn


class ShuffleUnit(nn.Module):
    """Grouped 1x1 - shuffle - 3x3 depthwise - grouped 1x1; at stride 2
    the shortcut is a 3x3 average pool, concatenated."""

    def __init__(self, in_channels: int, out_channels: int, stride: int,
                 groups: int) -> None:
        super().__init__()
        mid = out_channels // 4
        first_groups = 1 if in_channels == 24 else groups
        self.groups, self.stride = first_groups, stride
        self.conv1 = nn.Conv2d(
            in_channels, mid, 1, groups=first_groups, bias=False)
        self.bn1 = nn.BatchNorm2d(mid)
        self.conv2 = nn.Conv2d(mid, mid, 3, stride, 1, groups=mid, bias=False)
        self.bn2 = nn.BatchNorm2d(mid)
        self.conv3 = nn.Conv2d(mid, out_channels, 1, groups=groups, bias=False)
        self.bn3 = nn.BatchNorm2d(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = channel_shuffle(out, self.groups)
        out = self.bn3(self.conv3(F.relu(self.bn2(self.conv2(out)))))
        if self.stride == 2:
            return F.relu(torch.cat([out, F.avg_pool2d(x, 3, 2, 1)], 1))
        return F.relu(out + x)


@MODELS.register_module()
class ShuffleNetV1CIFAR(BaseModule):
    """ShuffleNetV1 (g = 3) of the CIFAR distillation tables (CRD's
    ``ShuffleNetv1.py``): a 1x1 stem of 24 channels, stages of 4, 8 and 4
    units with 240, 480 and 960 channels.

    Args:
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 out_channels=(240, 480, 960),
                 blocks=(4, 8, 4),
                 groups: int = 3,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.conv1 = nn.Conv2d(3, 24, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(24)
        units, in_channels = [], 24
        for channels, n in zip(out_channels, blocks):
            for i in range(n):
                # the first unit concatenates its input: it adds the rest
                units.append(
                    ShuffleUnit(in_channels,
                                channels - (in_channels if i == 0 else 0),
                                2 if i == 0 else 1, groups))
                in_channels = channels
        self.units = nn.Sequential(*units)
        self.out_channels = in_channels

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        return (self.units(F.relu(self.bn1(self.conv1(x)))), )
