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

# channels of the 3x3 conv-BN-ReLU layers of each of the five blocks
VGG_BLOCKS = {
    8: [[64], [128], [256], [512], [512]],
    11: [[64], [128], [256, 256], [512, 512], [512, 512]],
    13: [[64, 64], [128, 128], [256, 256], [512, 512], [512, 512]],
}


@MODELS.register_module()
class VGGCIFAR(BaseModule):
    """VGG-8/11/13 with BN for CIFAR (CRD's ``vgg.py``): five blocks of
    3x3 conv-BN-ReLU, 2x2 max-pooling after the first four.

    Args:
        depth (int): 8, 11 or 13.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self, depth: int, init_cfg=None) -> None:
        super().__init__(init_cfg)
        if depth not in VGG_BLOCKS:
            raise ValueError(f'depth: expected one of {list(VGG_BLOCKS)}, '
                             f'got {depth}')
        layers, in_channels = [], 3
        for i, block in enumerate(VGG_BLOCKS[depth]):
            for channels in block:
                layers += [
                    nn.Conv2d(in_channels, channels, 3, padding=1),
                    nn.BatchNorm2d(channels),
                    nn.ReLU(inplace=True)
                ]
                in_channels = channels
            if i < 4:
                layers.append(nn.MaxPool2d(2, 2))
        self.features = nn.Sequential(*layers)
        self.out_channels = in_channels

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        return (self.features(x), )
