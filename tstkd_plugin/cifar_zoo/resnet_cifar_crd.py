# Copyright (c) tstkd_plugin contributors.
# The network follows the CIFAR-100 definition of CRD (Tian et al.,
# "Contrastive Representation Distillation", ICLR 2020;
# github.com/HobbitLong/RepDistiller), which the distillation papers'
# CIFAR-100 tables use.
from typing import Sequence, Tuple

import torch
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch import nn


class BasicBlock(nn.Module):
    """conv3x3-BN-ReLU-conv3x3-BN plus the shortcut (1x1 conv-BN when the
    shape changes), then ReLU."""

    def __init__(self, in_channels: int, channels: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or in_channels != channels:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, channels, 1, stride, bias=False),
                nn.BatchNorm2d(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return self.relu(out + shortcut)


@MODELS.register_module()
class ResNetCIFARCRD(BaseModule):
    """The CIFAR ResNets of the distillation papers (CRD's ``resnet.py``):
    a 3x3 stem and three stages of ``(depth - 2) / 6`` basic blocks.

    ``ResNet-20/32/56/110``: ``widths=(16, 16, 32, 64)``;
    ``ResNet-8x4/32x4``: ``widths=(32, 64, 128, 256)``.

    Args:
        depth (int): 6n + 2.
        widths (Sequence[int]): Stem and the three stages' channels.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 depth: int,
                 widths: Sequence[int] = (16, 16, 32, 64),
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        if (depth - 2) % 6 != 0 or depth < 8:
            raise ValueError(f'depth: expected 6n + 2 >= 8, got {depth}')
        if len(widths) != 4:
            raise ValueError(f'widths: expected 4 values, got {widths}')
        blocks = (depth - 2) // 6
        self.conv1 = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        layers, in_channels = [], widths[0]
        for stage, channels in enumerate(widths[1:]):
            stride = 1 if stage == 0 else 2
            stage_blocks = []
            for i in range(blocks):
                stage_blocks.append(
                    BasicBlock(in_channels, channels, stride if i == 0 else 1))
                in_channels = channels
            layers.append(nn.Sequential(*stage_blocks))
        self.layer1, self.layer2, self.layer3 = layers
        self.out_channels = widths[-1]

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        x = self.relu(self.bn1(self.conv1(x)))
        return (self.layer3(self.layer2(self.layer1(x))), )
