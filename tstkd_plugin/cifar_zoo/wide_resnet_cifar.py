# Copyright (c) tstkd_plugin contributors.
# The network follows the CIFAR-100 definition of CRD (Tian et al.,
# "Contrastive Representation Distillation", ICLR 2020;
# github.com/HobbitLong/RepDistiller), which the distillation papers'
# CIFAR-100 tables use.
from typing import Tuple

import torch
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch import nn


class PreActBlock(nn.Module):
    """Wide ResNet's block: BN-ReLU-conv3x3-BN-ReLU-conv3x3, a 1x1 conv
    shortcut when the width changes."""

    def __init__(self, in_channels: int, channels: int, stride: int) -> None:
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.conv1 = nn.Conv2d(in_channels, channels, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, 1, 1, bias=False)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut = None if in_channels == channels else nn.Conv2d(
            in_channels, channels, 1, stride, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pre = self.relu(self.bn1(x))
        out = self.conv2(self.relu(self.bn2(self.conv1(pre))))
        return out + (x if self.shortcut is None else self.shortcut(pre))


@MODELS.register_module()
class WideResNetCIFAR(BaseModule):
    """WRN-d-k for CIFAR (Zagoruyko and Komodakis; CRD's ``wrn.py``): a 3x3
    stem of 16 channels and three stages of ``(d - 4) / 6`` pre-activation
    blocks of 16k, 32k and 64k channels, then BN-ReLU.

    Args:
        depth (int): 6n + 4 (16, 40, ...).
        widen_factor (int): k.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self, depth: int, widen_factor: int, init_cfg=None) -> None:
        super().__init__(init_cfg)
        if (depth - 4) % 6 != 0 or depth < 10:
            raise ValueError(f'depth: expected 6n + 4 >= 10, got {depth}')
        blocks = (depth - 4) // 6
        widths = [16, 16 * widen_factor, 32 * widen_factor, 64 * widen_factor]
        self.conv1 = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        stages, in_channels = [], widths[0]
        for stage, channels in enumerate(widths[1:]):
            stride = 1 if stage == 0 else 2
            stage_blocks = []
            for i in range(blocks):
                stage_blocks.append(
                    PreActBlock(in_channels, channels,
                                stride if i == 0 else 1))
                in_channels = channels
            stages.append(nn.Sequential(*stage_blocks))
        self.block1, self.block2, self.block3 = stages
        self.bn = nn.BatchNorm2d(widths[-1])
        self.relu = nn.ReLU(inplace=True)
        self.out_channels = widths[-1]

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        x = self.block3(self.block2(self.block1(self.conv1(x))))
        return (self.relu(self.bn(x)), )
