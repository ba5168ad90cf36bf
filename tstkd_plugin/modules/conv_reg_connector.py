# Copyright (c) tstkd_plugin contributors.
from typing import Dict, Optional

import torch
from mmcv.cnn import ConvModule
from mmrazor.models.architectures.connectors.base_connector import \
    BaseConnector
from torch import nn

from ..registry import MODELS


@MODELS.register_module()
class ConvRegConnector(BaseConnector):
    """FitNet's regressor from a student feature to the teacher's shape.

    A first conv-BN-ReLU maps the channels and, through ``kernel_size``,
    ``stride`` and ``padding``, the spatial size (e.g. kernel 3, stride 2,
    padding 1 halves it; with ``conv_cfg=dict(type='deconv')`` a transposed
    conv of kernel 4, stride 2, padding 1 doubles it, CRD's regressor for a
    student map half the teacher's); ``num_convs - 1`` further 3x3
    conv-BN-ReLU layers at the teacher's width follow. ``num_convs=1`` is
    FitNet's one-layer regressor; SoKD's reference adapter is
    ``num_convs=3``. mmrazor's ``ConvModuleConnector`` is the one-layer case
    without the stack.

    Args:
        in_channel (int): Channels of the student feature.
        out_channel (int): Channels of the teacher feature.
        num_convs (int): Conv-BN-ReLU layers, at least 1. Defaults to 1.
        kernel_size (int): Kernel of the first layer. Defaults to 3.
        stride (int): Stride of the first layer. Defaults to 1.
        padding (int): Padding of the first layer. Defaults to 1.
        conv_cfg (dict, optional): The first layer's conv (mmcv's
            ``conv_cfg``; ``dict(type='deconv')``: transposed). Defaults to
            None (a conv).
        norm_cfg (dict): Normalisation of every layer. Defaults to BN.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 in_channel: int,
                 out_channel: int,
                 num_convs: int = 1,
                 kernel_size: int = 3,
                 stride: int = 1,
                 padding: int = 1,
                 conv_cfg: Optional[Dict] = None,
                 norm_cfg: Dict = dict(type='BN'),
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg)
        if not isinstance(num_convs, int) or num_convs < 1:
            raise ValueError(f'num_convs: expected an int >= 1, got '
                             f'{num_convs!r}')
        layers = [
            ConvModule(
                in_channel,
                out_channel,
                kernel_size,
                stride=stride,
                padding=padding,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg)
        ]
        layers += [
            ConvModule(
                out_channel, out_channel, 3, padding=1, norm_cfg=norm_cfg)
            for _ in range(num_convs - 1)
        ]
        self.layers = nn.Sequential(*layers)

    def forward_train(self, feature: torch.Tensor) -> torch.Tensor:
        return self.layers(feature)
