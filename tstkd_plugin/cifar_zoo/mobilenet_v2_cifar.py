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


def _conv_bn(in_channels: int,
             out_channels: int,
             kernel: int,
             stride: int,
             groups: int = 1,
             relu: bool = True) -> list:
    layers = [
        nn.Conv2d(
            in_channels,
            out_channels,
            kernel,
            stride,
            kernel // 2,
            groups=groups,
            bias=False),
        nn.BatchNorm2d(out_channels)
    ]
    return layers + [nn.ReLU(inplace=True)] if relu else layers


class InvertedResidual(nn.Module):
    """1x1 expansion (always, also for t = 1, as CRD's), 3x3 depthwise, 1x1
    linear projection; identity shortcut where shapes allow."""

    def __init__(self, in_channels: int, out_channels: int, stride: int,
                 expand: int) -> None:
        super().__init__()
        hidden = in_channels * expand
        self.use_shortcut = stride == 1 and in_channels == out_channels
        self.conv = nn.Sequential(
            *_conv_bn(in_channels, hidden, 1, 1),
            *_conv_bn(hidden, hidden, 3, stride, groups=hidden),
            *_conv_bn(hidden, out_channels, 1, 1, relu=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv(x)
        return x + out if self.use_shortcut else out


@MODELS.register_module()
class MobileNetV2CIFAR(BaseModule):
    """MobileNetV2 of the CIFAR distillation tables (CRD's
    ``mobilenetv2.py``: width 0.5, expansion 6, stride-2 stem, 1280-channel
    last conv).

    Args:
        width_mult (float): Channel multiplier. Defaults to 0.5.
        expand (int): Expansion ratio T. Defaults to 6.
        init_cfg (dict, optional): mmengine init config.
    """

    # (expansion or None for T, channels, blocks, first stride)
    SETTING = [(1, 16, 1, 1), (None, 24, 2, 1), (None, 32, 3, 2),
               (None, 64, 4, 2), (None, 96, 3, 1), (None, 160, 3, 2),
               (None, 320, 1, 1)]

    def __init__(self,
                 width_mult: float = 0.5,
                 expand: int = 6,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        in_channels = int(32 * width_mult)
        layers = _conv_bn(3, in_channels, 3, 2)
        for t, c, n, s in self.SETTING:
            out_channels = int(c * width_mult)
            for i in range(n):
                layers.append(
                    InvertedResidual(in_channels, out_channels,
                                     s if i == 0 else 1, t or expand))
                in_channels = out_channels
        last = int(1280 * width_mult) if width_mult > 1.0 else 1280
        layers += _conv_bn(in_channels, last, 1, 1)
        self.features = nn.Sequential(*layers)
        self.out_channels = last

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        return (self.features(x), )
