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


def _conv_bn(in_channels: int,
             out_channels: int,
             kernel: int,
             stride: int = 1,
             depthwise: bool = False) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(
            in_channels,
            out_channels,
            kernel,
            stride,
            kernel // 2,
            groups=in_channels if depthwise else 1,
            bias=False), nn.BatchNorm2d(out_channels))


class BasicUnit(nn.Module):
    """Half the channels pass; the other half: 1x1-ReLU, 3x3 depthwise,
    1x1-ReLU; concatenated and shuffled."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        half = channels // 2
        self.branch = nn.Sequential(
            _conv_bn(half, half, 1), nn.ReLU(inplace=True),
            _conv_bn(half, half, 3, depthwise=True), _conv_bn(half, half, 1),
            nn.ReLU(inplace=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        keep, change = x.chunk(2, 1)
        return channel_shuffle(torch.cat([keep, self.branch(change)], 1), 2)


class DownUnit(nn.Module):
    """Both branches stride 2: (3x3 dw, 1x1) and (1x1, 3x3 dw, 1x1)."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        mid = out_channels // 2
        self.left = nn.Sequential(
            _conv_bn(in_channels, in_channels, 3, 2, depthwise=True),
            _conv_bn(in_channels, mid, 1), nn.ReLU(inplace=True))
        self.right = nn.Sequential(
            _conv_bn(in_channels, mid, 1), nn.ReLU(inplace=True),
            _conv_bn(mid, mid, 3, 2, depthwise=True), _conv_bn(mid, mid, 1),
            nn.ReLU(inplace=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return channel_shuffle(torch.cat([self.left(x), self.right(x)], 1), 2)


@MODELS.register_module()
class ShuffleNetV2CIFAR(BaseModule):
    """ShuffleNetV2 1x of the CIFAR distillation tables (CRD's
    ``ShuffleNetv2.py``): a 1x1 stem of 24 channels; stages of one down unit
    and 3, 7, 3 basic units with 116, 232, 464 channels; a 1x1 conv to 1024.

    Args:
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 out_channels=(116, 232, 464, 1024),
                 blocks=(3, 7, 3),
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.conv1 = _conv_bn(3, 24, 1)
        units, in_channels = [], 24
        for channels, n in zip(out_channels[:3], blocks):
            units.append(DownUnit(in_channels, channels))
            units += [BasicUnit(channels) for _ in range(n)]
            in_channels = channels
        self.units = nn.Sequential(*units)
        self.conv2 = _conv_bn(in_channels, out_channels[3], 1)
        self.out_channels = out_channels[3]

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        x = self.units(F.relu(self.conv1(x)))
        return (F.relu(self.conv2(x)), )
